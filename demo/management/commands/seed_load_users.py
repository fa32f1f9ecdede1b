import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from demo.users import DEMO_PASSWORD, demo_allowed, load_users_create


class Command(BaseCommand):
    help = (
        "Membuat pengguna uji beban (uji.lurah.001, ...) di wilayah nyata yang tersebar, untuk "
        "scripts/loadtest.py --mix (bukan untuk produksi). --json mencetak daftar pengguna."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lurah", type=int, default=24)
        parser.add_argument("--camat", type=int, default=8)
        parser.add_argument("--sudin", type=int, default=8)
        parser.add_argument("--provinsi", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if not demo_allowed():
            raise CommandError("seed_load_users ditolak: pengaturan produksi.")
        try:
            made = load_users_create(
                lurah=options["lurah"],
                camat=options["camat"],
                sudin=options["sudin"],
                provinsi=options["provinsi"],
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            rows = [
                {"username": u.username, "role": a.role, "region": a.region_id} for u, a in made
            ]
            self.stdout.write(json.dumps(rows))
            return
        self.stdout.write(f"Pengguna uji beban: {len(made)}, kata sandi '{DEMO_PASSWORD}'.")
