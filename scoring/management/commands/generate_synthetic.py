"""Fill a PostGIS database with the national synthetic data set for the scoring benchmarks."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from scoring import synthetic


class Command(BaseCommand):
    help = (
        "Membuat data sintetis nasional yang dapat diulang (benih acak tetap): satu kawasan "
        "per desa/kelurahan, situs, keanggotaan, pusat dan keterhubungan. Hanya PostGIS. "
        "Tanpa --reset, data sintetis yang sudah ada dibiarkan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
        parser.add_argument("--sites", type=int, default=synthetic.DEFAULT_SITES)
        parser.add_argument("--links", type=int, default=synthetic.DEFAULT_LINKS)
        parser.add_argument(
            "--limit-kawasan",
            type=int,
            metavar="N",
            help="hanya N kelurahan/desa pertama (urut kode)",
        )
        parser.add_argument(
            "--region",
            metavar="CODE",
            help="hanya kelurahan/desa di bawah kode ini, mis. 31.75",
        )
        parser.add_argument(
            "--reset", action="store_true", help="hapus dulu data sintetis sebelumnya"
        )
        parser.add_argument(
            "--remove", action="store_true", help="hanya hapus data sintetis, tanpa membuat"
        )
        parser.add_argument(
            "--no-load-regions",
            action="store_true",
            help="pakai wilayah yang sudah dimuat (tanpa load_regions --national)",
        )
        parser.add_argument("--batch-kawasan", type=int, default=synthetic.BATCH_KAWASAN)

    def handle(self, *args, **options):
        try:
            synthetic.require_postgis()
        except synthetic.SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        for name in ("sites", "links", "limit_kawasan", "batch_kawasan"):
            value = options[name]
            if value is not None and value < (0 if name == "links" else 1):
                raise CommandError(f"--{name.replace('_', '-')} harus bilangan positif.")
        verbose = options["verbosity"] >= 1

        if options["reset"] or options["remove"]:
            removed = synthetic.synthetic_remove()
            if verbose:
                self.stdout.write(
                    f"Data sintetis dihapus: {removed['kawasan']} kawasan, {removed['sites']} "
                    f"situs, {removed['links']} keterhubungan."
                )
            if options["remove"]:
                return
        elif synthetic.synthetic_exists():
            self._report_existing(options["seed"])
            return

        if not options["no_load_regions"]:
            call_command("load_regions", national=True, verbosity=options["verbosity"])

        try:
            report = synthetic.synthetic_generate(
                seed=options["seed"],
                sites=options["sites"],
                links=options["links"],
                limit_kawasan=options["limit_kawasan"],
                region_prefix=options["region"],
                batch_kawasan=options["batch_kawasan"],
                progress=self.stdout.write if options["verbosity"] >= 2 else None,
            )
        except synthetic.SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        if report.existing:  # written meanwhile by another run
            self._report_existing(options["seed"])
            return
        if verbose:
            timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Data sintetis (benih {report.seed}): {report.kawasan} kawasan, "
                    f"{report.sites} situs ({report.site_types} peran), {report.memberships} "
                    f"keanggotaan, {report.hubs} pusat, {report.links} keterhubungan; "
                    f"{report.seconds:.1f} s ({timings})."
                )
            )
            self.stdout.write("Skor belum dihitung: jalankan manage.py recompute_scores.")

    def _report_existing(self, seed: int) -> None:
        existing_seed = synthetic.synthetic_seed()
        counts = synthetic.synthetic_counts()
        summary = (
            f"{counts['kawasan']} kawasan, {counts['sites']} situs, {counts['links']} keterhubungan"
        )
        if existing_seed != seed:
            raise CommandError(
                f"Sudah ada data sintetis dengan benih {existing_seed} ({summary}). "
                "Tambahkan --reset untuk menggantinya."
            )
        self.stdout.write(
            f"Data sintetis benih {seed} sudah ada ({summary}): tidak ada yang dibuat. "
            "Tambahkan --reset untuk membuat ulang."
        )
