from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from demo.kawasan import DemoDataMissing, demo_kawasan_create
from demo.sites import DemoReviewsMissing, demo_reviews_create
from demo.users import DEMO_PASSWORD, demo_allowed, demo_users_create


class Command(BaseCommand):
    help = (
        "Membuat pengguna demo untuk setiap peran dan kawasan demo Rawa Bunga "
        "(ditandai sebagai data demo; bukan untuk produksi). Jalankan setelah import_sites."
    )

    def handle(self, *args, **options):
        if not demo_allowed():
            raise CommandError(
                "seed_demo ditolak: pengaturan produksi tidak boleh berisi data demo."
            )
        try:
            users = demo_users_create()
            kawasan = demo_kawasan_create()
            reviews = demo_reviews_create()
        except (ImproperlyConfigured, DemoDataMissing, DemoReviewsMissing) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Pengguna demo ({len(users)}), kata sandi '{DEMO_PASSWORD}':")
        for user in users:
            roles = ", ".join(
                f"{a.get_role_display()} {a.region_id}" for a in user.assignments.all()
            )
            self.stdout.write(f"  {user.username:18} {roles}")
        self.stdout.write(
            f"Kawasan demo '{kawasan.kawasan.name}': {kawasan.members_added} anggota baru, "
            f"{kawasan.links_created} tautan demo baru."
        )
        self.stdout.write(
            f"Tinjauan demo: {len(reviews.verified)} diverifikasi, "
            f"{len(reviews.submitted)} diajukan, {len(reviews.unchanged)} tetap."
        )
