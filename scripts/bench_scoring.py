#!/usr/bin/env python
"""Scoring benchmarks (make bench): Jakarta, national synthetic scale, change-to-score latency.

Run by scripts/bench.sh, which prepares a PostGIS database with the real Jakarta data and
sets DATABASE_URL, CELERY_BROKER_URL and CACHE_URL. Each phase runs in a fresh Python
process (this script with --phase NAME), so that its peak RSS (getrusage ru_maxrss) is that
of the process doing the work, as a worker's would be. The table is printed and written
to var/bench-results.md.

Targets (issue "Integration scores"): Jakarta full recompute < 2 s; one kawasan < 50 ms;
national full recompute < 120 s on one worker, within 3x the read floor, peak memory
< 2 GB; a lurah's committed change to the stored new score < 5 s with a real worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench-results.md"
RAWA_BUNGA = "31.75.03.1004"
LURAH_USERNAME = "bench.lurah"


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaltara.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_floor(kawasan_ids: list[int] | None = None) -> int:
    """Read the inputs of the kawasan (default: all) as a recompute does, without scoring."""
    from django.db import transaction
    from django.utils import timezone

    from scoring import selectors, services

    today = timezone.localdate()
    type_clusters = selectors.type_clusters_map()
    count = 0
    for ids in services.kawasan_id_chunks(kawasan_ids=kawasan_ids, chunk_size=services.CHUNK_SIZE):
        with transaction.atomic():  # read as the recompute's chunk transaction does
            services.batch_query_tuning()
            count += len(selectors.kawasan_inputs(ids, today=today, type_clusters=type_clusters))
    return count


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


# --- phases (each in its own process) --------------------------------------------------


def phase_jakarta(args) -> dict:
    from kawasan.models import Kawasan
    from scoring import services, synthetic

    # Every kawasan: the full run's own path. With synthetic data left in a reused database,
    # the real (non-synthetic) kawasan by id.
    ids = None
    if synthetic.synthetic_kawasan().exists():
        ids = list(
            Kawasan.objects.exclude(pk__in=synthetic.synthetic_kawasan()).values_list(
                "pk", flat=True
            )
        )
    kawasan_count = len(ids) if ids is not None else Kawasan.objects.count()
    full = []
    for _ in range(args.repeat):
        seconds, run = timed(services.scores_recompute, kawasan_ids=ids)
        assert run.error_count == 0, run.errors
        full.append(seconds)
    rss = peak_rss_mb()
    floor = [timed(read_floor, ids)[0] for _ in range(args.repeat)]
    rawa_bunga = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    one = [timed(services.scores_recompute, kawasan_ids=[rawa_bunga.pk])[0] for _ in range(20)]
    return {
        "kawasan": kawasan_count,
        "full_s": statistics.median(full),
        "full_runs": full,
        "rss_mb": rss,
        "floor_s": statistics.median(floor),
        "one_ms": statistics.median(one) * 1000,
        "one_max_ms": max(one) * 1000,
    }


def phase_generate(args) -> dict:
    from django.core.management import call_command

    from scoring import synthetic

    seconds, _ = timed(
        call_command,
        "generate_synthetic",
        seed=args.seed,
        sites=args.sites,
        links=args.links,
        reset=True,
        verbosity=1,
        stdout=sys.stderr,
    )
    return {"seconds": seconds, "rss_mb": peak_rss_mb(), **synthetic.synthetic_counts()}


def phase_national(args) -> dict:
    from kawasan.models import Kawasan
    from scoring import services

    kawasan_count = Kawasan.objects.count()
    cpu = time.process_time()
    seconds, run = timed(services.scores_recompute)
    cpu = time.process_time() - cpu  # this process only: the database's CPU is not in it
    rss = peak_rss_mb()  # read now: the recompute's peak, before the floor runs
    floor_s, read = timed(read_floor)
    return {
        "kawasan": kawasan_count,
        "recompute_s": seconds,
        "recompute_cpu_s": cpu,
        "stored": run.kawasan_count,
        "errors": run.error_count,
        "rss_mb": rss,
        "floor_s": floor_s,
        "floor_kawasan": read,
    }


def phase_latency(args) -> dict:
    """A lurah's committed site change -> the worker's stored score, args.changes times."""
    from django.utils import timezone

    from accounts.models import Assignment, Role, User
    from kaltara.celery import app
    from kawasan.models import Kawasan
    from scoring.models import KawasanScore
    from sites.models import OperatingStatus
    from sites.services import site_update

    lurah, created = User.objects.get_or_create(username=LURAH_USERNAME)
    if created:
        Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=RAWA_BUNGA)
    kawasan = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    site = (
        kawasan.members.exclude(pk=kawasan.hub_id)
        .exclude(operating_status=OperatingStatus.CLOSED)
        .exclude(review_state="verified")
        .order_by("pk")
        .first()
    )
    assert site is not None, "Rawa Bunga's base kawasan has no member to edit"

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kaltara.settings")
    worker_log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(  # the production worker command, one process
        [sys.executable, "-m", "celery", "-A", "kaltara", "worker", "--concurrency", "1"]
        + ["--loglevel", "info", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    latencies = []
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start: see var/bench-worker.log")
        for i in range(args.changes):
            status = (
                OperatingStatus.TEMPORARILY_CLOSED
                if site.operating_status == OperatingStatus.OPEN
                else OperatingStatus.OPEN
            )
            committed_at = timezone.now()
            started = time.perf_counter()
            # Commits inside (its own atomic block); the recompute is queued on commit.
            site = site_update(
                user=lurah, site=site, data={"operating_status": status}, version=site.version
            )
            timeout = time.perf_counter() + 60
            while True:
                computed_at = (
                    KawasanScore.objects.filter(kawasan=kawasan)
                    .values_list("computed_at", flat=True)
                    .first()
                )
                if computed_at is not None and computed_at > committed_at:
                    break
                if time.perf_counter() > timeout:
                    raise RuntimeError(f"change {i + 1}: no new score within 60 s")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - started)
            log(f"  change {i + 1}: stored after {latencies[-1]:.2f} s")
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker_log.close()
    return {
        "changes": len(latencies),
        "median_s": statistics.median(latencies),
        "max_s": max(latencies),
        "all_s": latencies,
    }


PHASES = {
    "jakarta": phase_jakarta,
    "generate": phase_generate,
    "national": phase_national,
    "latency": phase_latency,
}


def run_phase(name: str, args) -> dict:
    """Run one phase in a fresh process; its result comes back as JSON on stdout."""
    log(f"== {name}")
    argv = [sys.executable, __file__, "--phase", name]
    argv += ["--seed", str(args.seed), "--sites", str(args.sites), "--links", str(args.links)]
    argv += ["--changes", str(args.changes), "--repeat", str(args.repeat)]
    # The machine's load average during the phase: other work on the 2 cores slows it down.
    load_before = os.getloadavg()[0]
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_avg"] = max(load_before, os.getloadavg()[0])
    log(f"   {json.dumps(result)}")
    return result


# --- report ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: dict, args) -> str:
    rows = []
    jak = results.get("jakarta")
    if jak:
        rows += [
            (
                f"Jakarta: full recompute, {jak['kawasan']} kawasan (median of {args.repeat})",
                "< 2 s",
                f"{jak['full_s']:.2f} s",
                verdict(jak["full_s"] < 2),
            ),
            ("Jakarta: read floor (inputs only)", "", f"{jak['floor_s']:.2f} s", ""),
            ("Jakarta: peak RSS of the recomputing process", "", f"{jak['rss_mb']:.0f} MB", ""),
            (
                "Jakarta: one kawasan recompute (median of 20; max)",
                "< 50 ms",
                f"{jak['one_ms']:.1f} ms; {jak['one_max_ms']:.1f} ms",
                verdict(jak["one_ms"] < 50),
            ),
        ]
    gen = results.get("generate")
    if gen:
        rows.append(
            (
                f"National: generate_synthetic ({gen['kawasan']:,} kawasan, {gen['sites']:,} "
                f"sites, {gen['links']:,} links)",
                "a few minutes",
                f"{gen['seconds']:.0f} s",
                verdict(gen["seconds"] < 300),
            )
        )
    nat = results.get("national")
    if nat:
        ratio = nat["recompute_s"] / nat["floor_s"]
        rows += [
            (
                f"National: full recompute, {nat['kawasan']:,} kawasan, one process",
                "< 120 s",
                f"{nat['recompute_s']:.1f} s ({nat['errors']} errors; process CPU "
                f"{nat['recompute_cpu_s']:.0f} s; load average {nat['load_avg']:.1f})",
                verdict(nat["recompute_s"] < 120 and nat["errors"] == 0),
            ),
            ("National: read floor (inputs only)", "", f"{nat['floor_s']:.1f} s", ""),
            ("National: recompute / read floor", "< 3x", f"{ratio:.2f}x", verdict(ratio < 3)),
            (
                "National: peak RSS of the recomputing process",
                "< 2 GB",
                f"{nat['rss_mb']:.0f} MB",
                verdict(nat["rss_mb"] < 2048),
            ),
        ]
    lat = results.get("latency")
    if lat:
        rows.append(
            (
                f"Lurah's change -> stored score, real Celery worker on Redis "
                f"(median; max of {lat['changes']})",
                "< 5 s",
                f"{lat['median_s']:.2f} s; {lat['max_s']:.2f} s",
                verdict(lat["max_s"] < 5),
            )
        )
    lines = ["| measurement | target | result | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    machine = (
        f"{os.cpu_count()} CPU, {_memory_gb():.0f} GB RAM, Python {platform.python_version()}, "
        f"{results.get('postgres', 'PostgreSQL')}; {datetime.now():%Y-%m-%d %H:%M}"
    )
    return "\n".join(lines) + f"\n\nMeasured by `make bench` on {machine}.\n"


def _memory_gb() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sites", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=2_000_000)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-national", action="store_true", help="Jakarta and latency only")
    args = parser.parse_args()

    django_setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            "bench_scoring.py needs PostGIS: set DATABASE_URL=postgis://... (scripts/bench.sh)"
        )

    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    connection.close()
    results: dict = {"postgres": postgres}
    results["jakarta"] = run_phase("jakarta", args)
    if not args.no_national:
        results["generate"] = run_phase("generate", args)
        results["national"] = run_phase("national", args)
    results["latency"] = run_phase("latency", args)

    table = report(results, args)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    (RESULTS.with_suffix(".json")).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table)
    print(f"Written to {RESULTS.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
