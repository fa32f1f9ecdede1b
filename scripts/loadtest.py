#!/usr/bin/env python3
"""Load test: p50/p95/p99 and throughput of the dashboards and rankings under concurrency.

A closed-loop HTTP client from the standard library (nothing to install): it signs in as
the demo users (`make run` or `manage.py seed_demo` creates them; password kaltara-demo),
then keeps `--concurrency` closed-loop clients busy on each page for `--duration` seconds
(reconnecting when the server closes the connection, as gunicorn's sync workers do), and
prints a Markdown table (also written to --out, var/loadtest-results.md by default).

Baselines, served by the same stack:
  /ping/    a trivial signed-in view: middleware, session and user lookup, a tiny response.
            The lurah dashboard's throughput is compared with it (--ratio-rounds rounds of
            /ping/ and the dashboard alternated, so both see the same machine load).
  /healthz  public, no session, no database: the ceiling of server and client together.

    # against a running server
    python scripts/loadtest.py --base-url http://127.0.0.1:8000
    # start gunicorn itself (2, 3 and 4 workers in turn), with the environment's
    # DATABASE_URL and CACHE_URL, persistent connections and DEBUG off
    python scripts/loadtest.py --serve 2,3,4 --duration 30

Mixed load (--mix): --concurrency distinct signed-in users (default 50: lurah, camat, suku
dinas officers and provincial staff in regions spread over Jakarta, made by
`manage.py seed_load_users`; --serve runs it) for --duration seconds (default 60), each
user going from page to page of its role (dashboards, lists, maps and their data,
rankings, the inbox) with --think seconds of thought between pages (0: none, the hardest
case). It reports every page's p50/p95/p99 and the status of every response: server
errors (5xx), other non-200 answers, and failed connections.

    python scripts/loadtest.py --serve 4 --mix                 # 50 users, 60 s, no pause
    python scripts/loadtest.py --serve 4 --mix --think 2       # about 2 s between pages

The clients run in --processes processes (threads in each), so the client's own GIL does
not cap the rate of the cheap pages. The machine is shared: the table reports the load of
*other* processes during each page (CPU busy minus gunicorn's, the database backends',
Redis's and the clients', when the server's pid is known) and a page measured while others
used more than --disturbed-cores is measured again (--retries). Not part of the test suite.

One file on purpose, over the ~700-line limit: `make loadtest` runs it as a script
(scripts/ is no package) with the standard library alone, and its phases read top to
bottom in the order of a run (measuring, the server, reporting, main).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

DEMO_PASSWORD = "kaltara-demo"  # noqa: S105 - the demo logins printed by `make run`
ROOT = Path(__file__).resolve().parent.parent

# name, demo login (None: signed out), path
SCENARIOS = [
    ("healthz (public)", None, "/healthz"),
    ("ping (signed in)", "lurah.rawabunga", "/ping/"),
    ("lurah dashboard", "lurah.rawabunga", "/"),
    ("camat dashboard", "camat.jatinegara", "/"),
    ("sector dashboard", "sudinkes.jaktim", "/"),
    ("province overview", "provinsi", "/"),
    ("rankings kelurahan", "provinsi", "/peringkat/?tingkat=kelurahan"),
    ("rankings kecamatan", "provinsi", "/peringkat/?tingkat=kecamatan&urut=-perubahan"),
    ("rankings kota", "provinsi", "/peringkat/?tingkat=kota"),
    ("choropleth page", "provinsi", "/peringkat/peta/"),
    ("choropleth data", "provinsi", "/peringkat/peta.geojson"),
    # The read API's busiest page: 100 sites as GeoJSON (the session signs it in, as a token).
    ("api sites 100/page", "provinsi", "/api/v1/sites/?page_size=100"),
    # Public, signed out: a page of the open directory in HSDS (target p95 under 100 ms).
    ("HSDS services (public)", None, "/api/hsds/services?per_page=100"),
]
PING, LURAH = "ping (signed in)", "lurah dashboard"
P95_TARGET_MS = 200.0
RATIO_TARGET = 0.40

# What the site map asks for (sites/map_data.py): the province's first view (clusters counted
# on the server) and a close-up of central Jakarta (the sites themselves).
SITE_MAP_PROVINCE = "/situs/peta.geojson?bbox=104,-6.76,109.44,-4.81&zoom=8"
SITE_MAP_CLOSE_UP = "/situs/peta.geojson?bbox=106.8,-6.22,106.86,-6.18&zoom=15"

# --mix: each role's pages and how often a user of that role opens them (weights). `{region}`
# is the user's own region. These are the pages officials open every day; forms and
# exports are measured by the test suite and `make faults`, not here.
MIX_PAGES = {
    "lurah": [
        ("dashboard (lurah, camat)", "/", 4),
        ("site list", "/situs/", 2),
        ("site map page", "/situs/peta/", 1),
        ("site map data", "/situs/peta.geojson", 2),
        ("kawasan list", "/kawasan/", 1),
        ("region page", "/wilayah/{region}/", 1),
        ("region boundary", "/wilayah/{region}/batas.geojson", 1),
        ("inbox", "/kotak-masuk/", 1),
    ],
    "camat": [
        ("dashboard (lurah, camat)", "/", 4),
        ("site list", "/situs/", 2),
        ("site map data", "/situs/peta.geojson", 2),
        ("kawasan list", "/kawasan/", 1),
        ("region page", "/wilayah/{region}/", 1),
        ("inbox", "/kotak-masuk/", 1),
    ],
    "sudin": [
        ("dashboard (suku dinas)", "/", 4),
        ("review queue", "/situs/tinjauan/", 3),
        ("site list", "/situs/", 2),
        ("site map data", "/situs/peta.geojson", 1),
        ("inbox", "/kotak-masuk/", 1),
    ],
    "provinsi": [
        ("province overview", "/", 3),
        ("rankings kelurahan", "/peringkat/?tingkat=kelurahan", 2),
        ("rankings kecamatan", "/peringkat/?tingkat=kecamatan&urut=-perubahan", 1),
        ("rankings kota", "/peringkat/?tingkat=kota", 1),
        ("choropleth page", "/peringkat/peta/", 1),
        ("choropleth data", "/peringkat/peta.geojson", 2),
        ("site list", "/situs/", 1),
        ("site map data (all Jakarta)", SITE_MAP_PROVINCE, 1),
        ("site map data (close up)", SITE_MAP_CLOSE_UP, 1),
        ("audit trail", "/audit/", 1),
        ("exports", "/ekspor/", 1),
    ],
}
MIX_ROLES = {"lurah": 24, "camat": 8, "sudin": 8, "provinsi": 10}  # of 50 users


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    path: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    elapsed: float = 0.0
    bytes: int = 0
    client_cpu: float = 0.0  # CPU seconds of the client processes
    server_cpu: float | None = None  # CPU seconds of gunicorn, its database backends, Redis
    busy_cpu: float | None = None  # CPU seconds of the whole machine
    load1: float = 0.0  # 1-minute load average before the page
    attempt: int = 1

    def percentile(self, p: float) -> float:
        # Nearest rank: the value at or below which p% of the requests finished.
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        k = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
        return ordered[int(k)]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def other_cores(self) -> float | None:
        """Cores used by other processes during the page (None without the server pid)."""
        if self.server_cpu is None or self.busy_cpu is None or not self.elapsed:
            return None
        return max(0.0, (self.busy_cpu - self.server_cpu - self.client_cpu) / self.elapsed)

    def row(self) -> dict:
        n = len(self.latencies)
        return {
            "page": self.name,
            "path": self.path,
            "requests": n,
            "errors": self.errors,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if n else None,
            "req_per_s": round(self.throughput, 1),
            "kb": round(self.bytes / max(n, 1) / 1024, 1),
            "server_cores": round(self.server_cpu / self.elapsed, 2)
            if self.server_cpu is not None and self.elapsed
            else None,
            "client_cores": round(self.client_cpu / self.elapsed, 2) if self.elapsed else None,
            "other_cores": round(self.other_cores, 2) if self.other_cores is not None else None,
            "load1_before": round(self.load1, 2),
            "attempt": self.attempt,
        }


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, base: urllib.parse.SplitResult, timeout: float):
        self.base = base
        self.timeout = timeout
        self.conn = None

    def _open(self):
        https = self.base.scheme == "https"
        cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
        self.conn = cls(self.base.hostname, self.base.port, timeout=self.timeout)

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self._open()
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _cookies(response) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def login(base: urllib.parse.SplitResult, username: str, password: str, timeout: float) -> str:
    """Sign in through the login form; returns the Cookie header of the session."""
    conn = Connection(base, timeout)
    try:
        response, body = conn.request("GET", "/accounts/login/")
    except OSError as exc:
        raise SystemExit(f"{base.geturl()} is not reachable: {exc}") from None
    jar = _cookies(response)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in jar:
        raise SystemExit(f"login page without a CSRF token ({response.status})")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
            "next": "/ping/",
        }
    )
    origin = f"{base.scheme}://{base.netloc}"
    response, _ = conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": origin + "/accounts/login/",
            "Origin": origin,
        },
    )
    conn.close()
    session = _cookies(response).get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(
            f"{username}: sign-in refused ({response.status}); "
            "create the demo users first (make run, or manage.py seed_demo)"
        )
    return f"sessionid={session}; csrftoken={jar['csrftoken']}"


def _client_process(base_url, path, cookie, threads, timeout, start_at, warmup_until, stop_at):
    """One client process: `threads` closed-loop clients until stop_at (time.time())."""
    base = urllib.parse.urlsplit(base_url)
    headers = {"Cookie": cookie} if cookie else {}
    lock = threading.Lock()
    out = {"latencies": [], "errors": 0, "bytes": 0}

    def client():
        conn = Connection(base, timeout)
        latencies, errors, size = [], 0, 0
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            begun = time.time()
            if begun >= stop_at:
                break
            start = time.perf_counter()
            try:
                response, body = conn.request("GET", path, headers=headers)
                ok = response.status == 200
            except OSError:
                ok, body = False, b""
            took = time.perf_counter() - start
            if begun < warmup_until:
                continue  # warm-up: connections opened, caches filled, not counted
            if ok:
                latencies.append(took)
                size += len(body)
            else:
                errors += 1
        conn.close()
        with lock:
            out["latencies"].extend(latencies)
            out["errors"] += errors
            out["bytes"] += size

    out["cpu"] = _threads_run([(client, ())] * threads)
    return out


def _threads_run(targets: list[tuple]) -> float:
    """Run (function, args) pairs in threads until all end; the process's CPU seconds."""
    cpu0 = time.process_time()
    pool = [threading.Thread(target=fn, args=args, daemon=True) for fn, args in targets]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.process_time() - cpu0


def _proc_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _stack_pids(server_pid: int | None, dbname: str | None) -> list[int]:
    """The processes serving the load: gunicorn and its workers, the PostgreSQL backends
    connected to the database, Redis."""
    pids = [server_pid, *_children(server_pid)] if server_pid else []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cmdline.startswith("redis-server") or (
            dbname and cmdline.startswith("postgres:") and f" {dbname} " in cmdline
        ):
            pids.append(int(proc.name))
    return pids


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def _busy_cpu() -> float:
    """CPU seconds the whole machine spent busy (everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_page(base_url, name, path, cookie, args, server_pid: int | None) -> Result:
    result = Result(name, path, load1=os.getloadavg()[0])
    processes = max(1, min(args.processes, args.concurrency))
    per_process = [
        args.concurrency // processes + (1 if i < args.concurrency % processes else 0)
        for i in range(processes)
    ]
    start_at = time.time() + 0.3
    warmup_until = start_at + args.warmup
    stop_at = warmup_until + args.duration
    outs, server_cpu, busy_cpu = _processes_run(
        _client_process,
        [
            (base_url, path, cookie, n, args.timeout, start_at, warmup_until, stop_at)
            for n in per_process
        ],
        warmup_until,
        server_pid,
        args.dbname,
    )
    result.elapsed = args.duration
    for out in outs:
        result.latencies.extend(out["latencies"])
        result.errors += out["errors"]
        result.bytes += out["bytes"]
        # Client CPU includes its warm-up: scale it to the measured window.
        result.client_cpu += out["cpu"] * args.duration / (args.duration + args.warmup + 0.3)
    result.busy_cpu, result.server_cpu = busy_cpu, server_cpu
    return result


def _processes_run(target, arg_tuples, warmup_until, server_pid, dbname):
    """target(*args) in a process each; returns their results, and the CPU seconds of the
    serving stack (None without its pid) and of the whole machine after the warm-up."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(arg_tuples)) as pool:
        pending = [pool.apply_async(target, a) for a in arg_tuples]
        while time.time() < warmup_until:
            time.sleep(0.01)
        # Persistent connections: the database backends exist after the warm-up.
        server_pids = _stack_pids(server_pid, dbname) if server_pid else []
        server0 = _proc_cpu(server_pids) if server_pids else None
        busy0 = _busy_cpu()
        outs = [p.get() for p in pending]
        # The clients stop within one request of the end: measure the same window.
        busy1 = _busy_cpu()
        server1 = _proc_cpu(server_pids) if server_pids else None
    server_cpu = server1 - server0 if server0 is not None else None
    return outs, server_cpu, busy1 - busy0


def _mix_client_process(base_url, users, timeout, think, seed, start_at, warmup_until, stop_at):
    """One client process: a thread per user, each a closed loop over its role's pages."""
    import random

    base = urllib.parse.urlsplit(base_url)
    lock = threading.Lock()
    out = {"pages": {}, "statuses": {}, "failed": 0}

    def client(index, cookie, pages):
        rng = random.Random(seed * 1000 + index)
        names = [(name, path) for name, path, _w in pages]
        weights = [w for _n, _p, w in pages]
        conn = Connection(base, timeout)
        mine: dict[str, list] = {}
        statuses: dict[int, int] = {}
        failed = 0
        while time.time() < start_at:
            time.sleep(0.001)
        # Users do not arrive in step: each starts at a random point of its first second.
        time.sleep(rng.random())
        while True:
            begun = time.time()
            if begun >= stop_at:
                break
            name, path = rng.choices(names, weights)[0]
            start = time.perf_counter()
            try:
                response, body = conn.request("GET", path, headers={"Cookie": cookie})
                status = response.status
            except OSError:
                status, body = 0, b""
            took = time.perf_counter() - start
            if begun >= warmup_until:
                if status == 0:
                    failed += 1
                else:
                    statuses[status] = statuses.get(status, 0) + 1
                page = mine.setdefault(name, [[], 0, 0])  # latencies, non-200, bytes
                if status == 200:
                    page[0].append(took)
                    page[2] += len(body)
                else:
                    page[1] += 1
            if think:
                time.sleep(rng.uniform(0, 2 * think))
        conn.close()
        with lock:
            for name, (lat, bad, size) in mine.items():
                page = out["pages"].setdefault(name, [[], 0, 0])
                page[0].extend(lat)
                page[1] += bad
                page[2] += size
            for status, n in statuses.items():
                out["statuses"][status] = out["statuses"].get(status, 0) + n
            out["failed"] += failed

    out["cpu"] = _threads_run(
        [(client, (i, cookie, pages)) for i, (cookie, pages) in enumerate(users)]
    )
    return out


def load_users(args) -> list[dict]:
    """The load users: made by seed_load_users (run here with --serve), or read from a file."""
    if args.mix_users:
        return json.loads(Path(args.mix_users).read_text())
    counts = _mix_counts(args.concurrency)
    command = [sys.executable, "manage.py", "seed_load_users", "--json"]
    for role, n in counts.items():
        command += [f"--{role}", str(n)]
    env = dict(os.environ)
    if args.settings:
        env["DJANGO_SETTINGS_MODULE"] = args.settings
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"seed_load_users failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _mix_counts(total: int) -> dict[str, int]:
    """MIX_ROLES scaled to `total` users (at least one of each role)."""
    base = sum(MIX_ROLES.values())
    counts = {role: max(1, round(n * total / base)) for role, n in MIX_ROLES.items()}
    counts["lurah"] += total - sum(counts.values())
    return counts


def run_mix(base_url, args, server_pid: int | None) -> dict:
    users = load_users(args)[: args.concurrency]
    base = urllib.parse.urlsplit(base_url)
    # Every user signs in through the form, as people do (a few at a time: each sign-in
    # pays the password hash).
    cookies: list[str] = [""] * len(users)

    def sign_in(i):
        cookies[i] = login(base, users[i]["username"], args.password, args.timeout)

    for chunk in range(0, len(users), 8):
        threads = [
            threading.Thread(target=sign_in, args=(i,))
            for i in range(chunk, min(chunk + 8, len(users)))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if not all(cookies):
        raise SystemExit("a load user could not sign in")
    plans = [
        (
            cookie,
            [
                (name, path.format(region=user["region"]), weight)
                for name, path, weight in MIX_PAGES[user["role"]]
            ],
        )
        for cookie, user in zip(cookies, users, strict=True)
    ]
    processes = max(1, min(args.processes, len(plans)))
    shares = [plans[i::processes] for i in range(processes)]
    load1 = os.getloadavg()[0]
    start_at = time.time() + 0.5
    warmup_until = start_at + args.warmup
    stop_at = warmup_until + args.duration
    outs, server_cpu, busy_cpu = _processes_run(
        _mix_client_process,
        [
            (base_url, share, args.timeout, args.think, n, start_at, warmup_until, stop_at)
            for n, share in enumerate(shares)
        ],
        warmup_until,
        server_pid,
        args.dbname,
    )

    pages: dict[str, Result] = {}
    statuses: dict[int, int] = {}
    failed = 0
    total = Result("all pages", "", load1=load1)
    for out in outs:
        for name, (lat, bad, size) in out["pages"].items():
            page = pages.setdefault(name, Result(name, ""))
            page.latencies.extend(lat)
            page.errors += bad
            page.bytes += size
            total.latencies.extend(lat)
            total.errors += bad
            total.bytes += size
        for status, n in out["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
        failed += out["failed"]
        total.client_cpu += out["cpu"] * args.duration / (args.duration + args.warmup + 0.5)
    for r in [*pages.values(), total]:
        r.elapsed = args.duration
    total.busy_cpu, total.server_cpu = busy_cpu, server_cpu
    roles: dict[str, int] = {}
    for user in users:
        roles[user["role"]] = roles.get(user["role"], 0) + 1
    return {
        "users": len(users),
        "roles": roles,
        "think": args.think,
        "duration": args.duration,
        "warmup": args.warmup,
        "pages": [pages[name].row() for name in sorted(pages)],
        "total": total.row(),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k >= 500),
        "other_non_200": sum(v for k, v in statuses.items() if k != 200 and k < 500),
        "failed_connections": failed,
    }


def mix_markdown(run: dict, label: str) -> str:
    mix = run["mix"]
    roles = ", ".join(f"{n} {role}" for role, n in mix["roles"].items())
    think = f"{mix['think']} s on average" if mix["think"] else "none (a closed loop)"
    total = mix["total"]
    lines = [
        f"### Mixed load: {mix['users']} users, {label}",
        "",
        f"Machine: {run['machine']}. Users: {roles}, each signed in with its own session and "
        f"going from page to page of its role; think time between pages: {think}. "
        f"{mix['duration']} s measured after {mix['warmup']} s of warm-up. Load average "
        f"before: {run['load_before']}.",
        "",
        "| page | requests | p50 ms | p95 ms | p99 ms | non-200 | KB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*mix["pages"], total]:
        bold = "**" if r is total else ""
        lines.append(
            f"| {bold}{r['page']}{bold} | {r['requests']} | {r['p50_ms']} | {bold}{r['p95_ms']}"
            f"{bold} | {r['p99_ms']} | {r['errors']} | {r['kb']} |"
        )
    lines += [
        "",
        f"Throughput {total['req_per_s']} req/s; stack (gunicorn, database, Redis) "
        f"{_fmt(total['server_cores'])} cores, others {_fmt(total['other_cores'])}. Responses by "
        f"status: {', '.join(f'{k}: {v}' for k, v in mix['statuses'].items())}; **server errors "
        f"(5xx): {mix['server_errors']}**, other non-200: {mix['other_non_200']}, failed "
        f"connections: {mix['failed_connections']}.",
    ]
    return "\n".join(lines) + "\n"


# --- the server --------------------------------------------------------------------------


class Server:
    """gunicorn with N sync workers on a free local port, the way production runs it."""

    def __init__(self, workers: int, port: int, settings: str | None):
        self.workers = workers
        self.port = port = port or _free_port()
        if not _port_free(port):
            # Another server there would answer for ours: measure nothing rather than it.
            raise SystemExit(f"port {port} is in use: pick another with --port")
        env = dict(os.environ)
        env.setdefault("DATABASE_CONN_MAX_AGE", "60")  # as in settings_production
        env.pop("DJANGO_DEBUG", None)
        # The API's per-user throttle (1000/hour) would answer 429 within seconds of 20 clients
        # sharing one login: the load test measures the page, not the throttle. Per second, so
        # the throttle's history of timestamps (one list per user in the cache) stays short.
        env.setdefault("KALTARA_API_RATE", "100000/second")
        if settings:
            env["DJANGO_SETTINGS_MODULE"] = settings
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [
                str(gunicorn) if gunicorn.exists() else "gunicorn",
                "kaltara.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        base = urllib.parse.urlsplit(self.url)
        while True:
            try:
                response, _ = Connection(base, 2).request("GET", "/healthz")
                if response.status == 200 and self.proc.poll() is None:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start on port {port}")
            time.sleep(0.2)
        # Every worker imports lazily: warm each one before measuring.
        time.sleep(1.0)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- reporting ---------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}){mem}, {platform.system()}"


def _fmt(value, unit="") -> str:
    return "–" if value is None else f"{value}{unit}"


def markdown(run: dict) -> str:
    lines = [
        f"### {run['workers_label']}, {run['concurrency']} concurrent clients",
        "",
        f"Machine: {run['machine']}. {run['duration']} s per page after {run['warmup']} s of "
        f"warm-up, {run['processes']} client processes on the same machine. "
        f"Load average before: {run['load_before']}. Stack cores: CPU used by gunicorn, the "
        "database's backends and Redis; others' cores: the rest of the machine (other work, "
        "clients excluded). ✗: p95 at or over the 200 ms target.",
        "",
        "| page | p50 ms | p95 ms | p99 ms | req/s | errors | KB | stack cores | others' cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run["results"]:
        flag = " ✗" if r["p95_ms"] >= P95_TARGET_MS else ""
        lines.append(
            f"| {r['page']} | {r['p50_ms']} | {r['p95_ms']}{flag} | {r['p99_ms']} | "
            f"{r['req_per_s']} | {r['errors']} | {r['kb']} | {_fmt(r['server_cores'])} | "
            f"{_fmt(r['other_cores'])} |"
        )
    ratio = run.get("ratio")
    if ratio:
        lines += [
            "",
            f"Lurah dashboard / `/ping/` throughput, {ratio['rounds']} alternating rounds of "
            f"{ratio['round_s']} s each: **{ratio['lurah_rps']} / {ratio['ping_rps']} req/s = "
            f"{ratio['ratio']:.2f}**, median of the rounds {ratio['median_round']:.2f} "
            f"(rounds: {', '.join(f'{x:.2f}' for x in ratio['per_round'])}; "
            f"target {RATIO_TARGET:.2f}).",
        ]
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------


def measure(args, base_url: str, workers_label: str, server_pid: int | None) -> dict:
    base = urllib.parse.urlsplit(base_url)
    sessions: dict[str, str] = {}

    def cookie_for(username):
        if username and username not in sessions:
            sessions[username] = login(base, username, args.password, args.timeout)
        return sessions.get(username) if username else None

    if args.mix:
        return {
            "machine": machine(),
            "workers_label": workers_label,
            "load_before": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "mix": run_mix(base_url, args, server_pid),
            "results": [],
        }
    run = {
        "machine": machine(),
        "workers_label": workers_label,
        "concurrency": args.concurrency,
        "processes": args.processes,
        "duration": args.duration,
        "warmup": args.warmup,
        "load_before": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "results": [],
    }
    for name, username, path in SCENARIOS:
        if args.only and not any(o in name for o in args.only.split(",")):
            continue
        cookie = cookie_for(username)
        for attempt in range(1, args.retries + 2):
            result = run_page(base_url, name, path, cookie, args, server_pid)
            result.attempt = attempt
            others = result.other_cores
            if others is None or others <= args.disturbed_cores or attempt > args.retries:
                break
            print(f"  {name}: other processes used {others:.2f} cores, measuring again", flush=True)
            time.sleep(args.pause)
        row = result.row()
        run["results"].append(row)
        print(
            f"{row['page']:<20} n={row['requests']:<6} err={row['errors']:<3} "
            f"p50={row['p50_ms']:>7} p95={row['p95_ms']:>7} p99={row['p99_ms']:>7} ms "
            f"{row['req_per_s']:>7} req/s {row['kb']:>6} KB  server {_fmt(row['server_cores'])}"
            f" others {_fmt(row['other_cores'])} cores",
            flush=True,
        )
        time.sleep(args.pause)

    if args.ratio_rounds and (not args.only or "ratio" in args.only):
        ping_cookie, lurah_cookie = cookie_for("lurah.rawabunga"), cookie_for("lurah.rawabunga")
        lurah_path = next(p for n, _u, p in SCENARIOS if n == LURAH)
        # Short rounds, many of them: the machine's other load changes by the second, and
        # both pages must see the same share of it.
        round_args = argparse.Namespace(
            **{**vars(args), "duration": args.ratio_seconds, "warmup": min(args.warmup, 0.5)}
        )
        per_round, pings, lurahs = [], [], []
        for i in range(args.ratio_rounds):
            # Alternate which goes first, so a drift in machine load favours neither.
            order = [("ping", "/ping/", ping_cookie), ("lurah", lurah_path, lurah_cookie)]
            if i % 2:
                order.reverse()
            got = {}
            for key, path, cookie in order:
                got[key] = run_page(base_url, key, path, cookie, round_args, server_pid)
            pings.append(got["ping"])
            lurahs.append(got["lurah"])
            per_round.append(got["lurah"].throughput / max(got["ping"].throughput, 1e-9))
            print(
                f"ratio round {i + 1}: lurah {got['lurah'].throughput:.1f} / ping "
                f"{got['ping'].throughput:.1f} req/s = {per_round[-1]:.2f}",
                flush=True,
            )
        ping_rps = sum(len(r.latencies) for r in pings) / sum(r.elapsed for r in pings)
        lurah_rps = sum(len(r.latencies) for r in lurahs) / sum(r.elapsed for r in lurahs)
        run["ratio"] = {
            "rounds": args.ratio_rounds,
            "round_s": args.ratio_seconds,
            "ping_rps": round(ping_rps, 1),
            "lurah_rps": round(lurah_rps, 1),
            "ratio": round(lurah_rps / ping_rps, 3) if ping_rps else 0.0,
            "median_round": round(statistics.median(per_round), 3),
            "per_round": [round(x, 3) for x in per_round],
            "errors": sum(r.errors for r in pings + lurahs),
        }
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--serve",
        metavar="WORKERS",
        help="start gunicorn with this many sync workers (a comma list runs each in turn)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for --serve (0: a free one)")
    parser.add_argument("--settings", help="DJANGO_SETTINGS_MODULE for --serve")
    parser.add_argument("--server-pid", type=int, help="gunicorn master pid (for CPU shares)")
    parser.add_argument(
        "--dbname",
        default=urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or None,
        help="database whose backends count as the server's (default: from DATABASE_URL)",
    )
    parser.add_argument(
        "--concurrency", type=int, help="concurrent clients (default 20; --mix: 50 users)"
    )
    parser.add_argument("--mix", action="store_true", help="distinct users over a mix of pages")
    parser.add_argument(
        "--think", type=float, default=0.0, help="--mix: mean seconds between pages"
    )
    parser.add_argument("--mix-users", help="--mix: JSON list from seed_load_users --json")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument(
        "--duration", type=float, help="seconds per page (default 30; --mix: 60 in all)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per page")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between pages")
    parser.add_argument("--ratio-rounds", type=int, default=10, help="0: no ratio phase")
    parser.add_argument("--ratio-seconds", type=float, default=4.0, help="per page and round")
    parser.add_argument("--retries", type=int, default=1, help="re-measure a disturbed page")
    parser.add_argument("--disturbed-cores", type=float, default=0.3)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--only", help="comma list: pages whose name contains one ('ratio' too)")
    parser.add_argument("--out", default=str(ROOT / "var" / "loadtest-results.md"))
    parser.add_argument("--json", action="store_true", help="print JSON at the end as well")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.concurrency is None:
        args.concurrency = 50 if args.mix else 20
    if args.duration is None:
        args.duration = 60.0 if args.mix else 30.0

    runs = []
    if args.serve:
        for workers in [int(w) for w in args.serve.split(",")]:
            server = Server(workers, args.port, args.settings)
            try:
                label = f"gunicorn, {workers} sync workers"
                print(f"== {label} at {server.url}", flush=True)
                runs.append(measure(args, server.url, label, server.pid))
            finally:
                server.stop()
            time.sleep(args.pause)
    else:
        runs.append(measure(args, args.base_url, f"server at {args.base_url}", args.server_pid))

    report = "\n".join(
        mix_markdown(run, run["workers_label"]) if "mix" in run else markdown(run) for run in runs
    )
    print()
    print(report)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%d %H:%M %Z")
        out.write_text(f"## Load test {stamp}\n\n{report}")
        print(f"written to {out}")
    if args.json:
        print(json.dumps(runs, indent=2))

    errors = any(r["errors"] for run in runs for r in run["results"]) or any(
        run["mix"]["server_errors"] or run["mix"]["failed_connections"]
        for run in runs
        if "mix" in run
    )
    missed = any(r["p95_ms"] >= P95_TARGET_MS for run in runs for r in run["results"]) or any(
        run.get("ratio", {}).get("ratio", 1.0) < RATIO_TARGET for run in runs
    )
    return 1 if errors or (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
