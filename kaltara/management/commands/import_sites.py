from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kawasan.services import base_kawasan_ensure_all
from scoring.queue import recompute_request, recompute_sites
from sites.importing.readers import files_read
from sites.importing.records import SKIP_REASONS, ImportDataError
from sites.importing.writing import sites_write


class Command(BaseCommand):
    help = (
        "Mengimpor situs layanan nyata (RPTRA, puskesmas, sekolah, kantor kelurahan sebagai titik "
        "layanan akta kelahiran, rumah sakit) dari direktori data, lalu "
        "memastikan setiap kelurahan punya kawasan dasar. Aman dijalankan berulang."
    )

    def add_arguments(self, parser):
        parser.add_argument("data_dir", nargs="?", help="default: KALTARA_DATA_DIR")

    def handle(self, *args, data_dir=None, verbosity=1, **options):
        data_dir = Path(data_dir or settings.KALTARA_DATA_DIR)
        try:
            # Every file is read and checked before anything is written.
            files = files_read(data_dir)
            # One transaction for the run: sites and base kawasan land together or not at all.
            with transaction.atomic():
                sites_write(files)
                created_ids = [pk for fi in files for pk in fi.created_ids]
                kawasan = base_kawasan_ensure_all(new_site_ids=created_ids)
                # The bulk writes send no per-site signals: queue the touched kawasan here
                # (the recompute runs after commit).
                recompute_sites([pk for fi in files for pk in fi.updated_ids])
                recompute_request(kawasan.kawasan_ids)
        except ImportDataError as exc:
            raise CommandError(f"Tidak ada yang diimpor. {exc}") from exc

        for fi in files:
            skipped = ", ".join(
                f"{n} {SKIP_REASONS[reason]}" for reason, n in sorted(fi.skipped_counts.items())
            )
            line = (
                f"{fi.file}: dibaca {fi.read}, dibuat {fi.created}, diperbarui {fi.updated}, "
                f"tidak berubah {fi.unchanged}, dipertahankan (sudah diubah di portal) {fi.kept}, "
                f"dilewati {len(fi.skipped)}" + (f" ({skipped})" if skipped else "") + "."
            )
            if "kemkes_joined" in fi.extra:
                line += f" Cocok dengan daftar Kemkes: {fi.extra['kemkes_joined']}."
            if "referral_first" in fi.extra:
                line += f" RSIA/RSUD (rujukan didahulukan): {fi.extra['referral_first']}."
            self.stdout.write(line)
            if verbosity >= 2:
                for row in fi.skipped:
                    self.stdout.write(
                        f"  dilewati: {row.file} baris/ID {row.row}/{row.source_id} "
                        f"'{row.name}': {row.reason_label}"
                    )
        changed = any(fi.created or fi.updated for fi in files)
        if not changed:
            self.stdout.write("Tidak ada perubahan situs: semua sudah terkini.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Kawasan dasar: dibuat {kawasan.created}, anggota ditambahkan "
                f"{kawasan.members_added}, pusat (hub) diisi {kawasan.hubs_set}."
            )
        )
