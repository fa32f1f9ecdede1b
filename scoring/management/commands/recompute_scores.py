"""Recompute kawasan scores now, in this process (the same service the tasks call)."""

import time

from django.core.management.base import BaseCommand, CommandError

from regions.models import Region
from scoring import services


class Command(BaseCommand):
    help = "Hitung ulang skor kawasan (semua, atau satu wilayah) dan opsional simpan cuplikan."

    def add_arguments(self, parser):
        parser.add_argument("--region", metavar="CODE", help="kode Kemendagri, mis. 31.75.03")
        parser.add_argument(
            "--snapshot", action="store_true", help="simpan juga cuplikan bulan ini"
        )
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle(self, *args, region=None, snapshot=False, chunk_size=None, **options):
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"Wilayah {region} tidak ditemukan: periksa kode Kemendagri.")
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size harus >= 1.")
        started = time.monotonic()
        run = services.scores_recompute(region_code=region, chunk_size=chunk_size)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Skor: {run.kawasan_count} kawasan, {run.error_count} galat, "
            f"kebijakan {run.policy.version}, {elapsed:.1f} s (proses #{run.pk})."
        )
        for message in run.errors:
            self.stderr.write(f"  {message}")
        if snapshot:
            started = time.monotonic()
            snap = services.scores_snapshot()
            self.stdout.write(
                f"Cuplikan: {snap.kawasan_count} kawasan, {time.monotonic() - started:.1f} s "
                f"(proses #{snap.pk})."
            )
