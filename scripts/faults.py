#!/usr/bin/env python3
"""Fault tests (`make faults`): the portal through a Redis outage, a killed worker and a
PostgreSQL restart, against throwaway instances it starts and removes itself.

Never touches the machine's own PostgreSQL or Redis: it creates a PostgreSQL 15 cluster
with PostGIS in var/faults/pg (port 5439), two redis-servers (broker 6389 and cache 6390,
so that each can fail on its own), a gunicorn with 2 workers (8790) and Celery workers,
loads the real Jakarta data with the demo users into it, and tears everything down at the
end (--keep leaves it running for a look).

1. Redis down during edits: the demo lurah saves links through the portal's forms while
   the broker, the cache or both are stopped. Every edit must be saved with no 5xx; pages
   must keep working; after Redis returns, the sweep (the beat's recompute_pending) brings
   the kawasan's stored score to the edited data, and the next edit is scored through the
   normal on-commit path (the web and worker processes reconnected by themselves).
2. A worker killed mid-recompute: a full parallel recompute (recompute_all, small chunks)
   of the Jakarta data plus a synthetic set, under a new policy version; the worker's
   process group gets SIGKILL while chunks are in flight. Every KawasanScore row must be
   whole (old policy and exactly the old values, or new policy and exactly the new ones),
   every chunk all-old or all-new, no row lost; a new worker then completes the next run.
3. PostgreSQL restart under load: threads of signed-in requests while the cluster
   restarts (pg_ctl restart -m fast, then a stop/hold/start outage). Errors must be the
   portal's own error page (503 with Retry-After, or 500), never a stack trace; the same
   gunicorn processes must serve 200 again without a restart.

Prints PASS/FAIL per check with the measured figures, writes var/faults-results.md (and
.json) and exits non-zero when a check fails.

    .venv/bin/python scripts/faults.py [--only 1,3] [--edits 8] [--keep]

One file on purpose, over the ~700-line limit: `make faults` runs it as a script (scripts/
is no package), and its three scenarios read top to bottom after the environment they
share (results, processes, a small browser, the environment, then scenarios 1, 2 and 3).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "faults"
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "kaltara-demo"  # noqa: S105 - the demo logins seed_demo creates
LURAH = "lurah.rawabunga"
PROVINSI = "provinsi"
SHARED_PORTS = {5432, 6379}  # the machine's own services: never ours
ERROR_MARKER = re.compile(r'<meta name="kaltara-error" content="(\d+)">')
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[faults {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


class Abort(Exception):
    """The fault environment could not be set up: nothing was measured."""


# --- results ------------------------------------------------------------------------


@dataclass
class Check:
    scenario: str
    check: str
    passed: bool
    figure: str


@dataclass
class Results:
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def add(self, scenario: str, check: str, passed: bool, figure: str) -> bool:
        self.checks.append(Check(scenario, check, bool(passed), figure))
        log(f"{'PASS' if passed else 'FAIL'}  {scenario}: {check} -- {figure}")
        return passed

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def markdown(self, env_line: str) -> str:
        lines = ["| scenario | check | result | measured |", "|---|---|---|---|"]
        for c in self.checks:
            figure = c.figure.replace("|", "/")
            lines.append(
                f"| {c.scenario} | {c.check} | {'PASS' if c.passed else 'FAIL'} | {figure} |"
            )
        lines.append("")
        lines.append(env_line)
        return "\n".join(lines) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f} s"


def wait_for(predicate, timeout: float, interval: float = 0.2):
    """Poll until predicate() is truthy; returns (value, seconds) or (None, None)."""
    started = time.monotonic()
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - a service coming back may fail a probe or two
            value = None
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None, None
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- processes we own -----------------------------------------------------------------


class Processes:
    """Every process this script starts, each in its own session so that it (and its
    children: gunicorn and Celery workers) can be signalled by its process group id."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: list = []

    def spawn(self, name: str, cmd: list[str], *, env: dict, log_name: str) -> subprocess.Popen:
        log_file = open(VAR / log_name, "a")  # noqa: SIM115 - closed in close()
        log_file.write(f"\n==== {datetime.now():%H:%M:%S} {' '.join(cmd)}\n")
        log_file.flush()
        self.logs.append(log_file)
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def signal(self, name: str, sig: int) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, sig)

    def stop(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Children left behind by a SIGKILLed parent (prefork pool) share its group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        for f in self.logs:
            f.close()


class Postgres:
    """A throwaway PostgreSQL cluster in var/faults/pg, TCP only, on its own port."""

    def __init__(self, bindir: Path, port: int):
        self.bindir = bindir
        self.port = port
        self.datadir = VAR / "pg"
        self.logfile = VAR / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        # PostgreSQL refuses to run as root: run its tools as the postgres user then.
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return [*prefix, *args]

    def _run(self, *args: str, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._cmd(*args), check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "stop", "-m",
                      "immediate", check=False)  # fmt: skip
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir.mkdir(parents=True)
        self.logfile.touch()
        if self.as_root:
            shutil.chown(self.datadir, "postgres", "postgres")
            shutil.chown(self.logfile, "postgres", "postgres")
        self.datadir.chmod(0o700)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        with open(self.datadir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# kaltara faults: throwaway, TCP only, fast\n"
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 100\n"
            )

    def start(self) -> float:
        started = time.monotonic()
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
                  str(self.logfile), "-w", "-t", "60", "start")  # fmt: skip
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        started = time.monotonic()
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60",
                  "-m", mode, "stop", check=False)  # fmt: skip
        return time.monotonic() - started

    def restart(self) -> float:
        started = time.monotonic()
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
                  str(self.logfile), "-w", "-t", "60", "-m", "fast", "restart")  # fmt: skip
        return time.monotonic() - started

    def psql(self, sql: str, db: str = "postgres") -> str:
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
             "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return result.stdout.strip()

    def destroy(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.datadir, ignore_errors=True)


class Redis:
    """A redis-server without persistence on its own port (a restart comes back empty)."""

    def __init__(self, procs: Processes, name: str, port: int):
        self.procs = procs
        self.name = name
        self.port = port

    def start(self) -> float:
        started = time.monotonic()
        self.procs.spawn(
            self.name,
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(VAR)],
            env=dict(os.environ),
            log_name=f"{self.name}.log",
        )  # fmt: skip
        ok, _ = wait_for(self.ping, 20, 0.05)
        if not ok:
            raise Abort(f"{self.name} (redis-server on {self.port}) did not start")
        return time.monotonic() - started

    def stop(self) -> None:
        self.procs.stop(self.name)
        wait_for(lambda: not port_open(self.port), 10, 0.05)

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")


# --- a small browser -------------------------------------------------------------------


@dataclass
class Response:
    status: int  # 0: no HTTP response (connection refused or reset)
    body: str
    headers: dict
    seconds: float

    @property
    def error_marker(self) -> str | None:
        match = ERROR_MARKER.search(self.body)
        return match.group(1) if match else None

    @property
    def is_clear_error_page(self) -> bool:
        """The portal's own error page, with no stack trace or exception text."""
        return (
            self.status in (500, 503)
            and self.error_marker == str(self.status)
            and "Traceback" not in self.body
            and "Error" not in self.body.replace("kaltara-error", "")
        )


class Browser:
    """One signed-in user over one keep-alive connection, cookies kept like a browser's."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError) as exc:
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return Response(0, str(exc), {}, time.monotonic() - started)
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""') or "max-age=0" in rest.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            if response.headers.get("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return Response(
                response.status, data, dict(response.headers.items()), time.monotonic() - started
            )
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Response:
        # The cookie's secret is a valid form token for Django's CSRF check.
        return self.request(
            "POST", path, {"csrfmiddlewaretoken": self.cookies["csrftoken"], **form}
        )

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        if page.status != 200 or "csrftoken" not in self.cookies:
            raise Abort(f"login page: HTTP {page.status}")
        response = self.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        if response.status != 302 or "sessionid" not in self.cookies:
            raise Abort(f"{username}: sign-in refused (HTTP {response.status})")


# --- the environment ------------------------------------------------------------------


class Environment:
    def __init__(self, args):
        self.args = args
        self.procs = Processes()
        self.pg = Postgres(Path(args.pg_bin), args.pg_port)
        self.broker = Redis(self.procs, "redis-broker", args.broker_port)
        self.cache = Redis(self.procs, "redis-cache", args.cache_port)
        self.db_name = "kaltara_faults"
        self.worker_seq = 0
        self.worker_name: str | None = None

    @property
    def database_url(self) -> str:
        return f"postgis://postgres@127.0.0.1:{self.args.pg_port}/{self.db_name}"

    def portal_env(self, *, inline: bool = False) -> dict:
        """The portal's environment against our instances; inline: no broker, memory cache
        (seeding: the import's recomputes then run in the importing process)."""
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="kaltara.settings",
            DATABASE_URL=self.database_url,
            # As in production: persistent connections, checked before reuse.
            DATABASE_CONN_MAX_AGE="60",
            DJANGO_DEBUG="0",
            DJANGO_LOG_LEVEL="WARNING",
            KALTARA_DATA_DIR=str(self.args.data_dir),
            KALTARA_TILE_URL="",
            CELERY_BROKER_URL="" if inline else f"redis://127.0.0.1:{self.args.broker_port}/0",
            CACHE_URL="locmemcache://faults"
            if inline
            else f"redis://127.0.0.1:{self.args.cache_port}/1",
        )
        env.pop("DJANGO_DEBUG_TOOLBAR", None)
        return env

    def check_ports(self) -> None:
        a = self.args
        ports = {"PostgreSQL": a.pg_port, "broker": a.broker_port, "cache": a.cache_port,
                 "gunicorn": a.http_port}  # fmt: skip
        for name, port in ports.items():
            if port in SHARED_PORTS:
                raise Abort(f"{name} port {port} is a shared service's port: pick another")
            if port_open(port):
                raise Abort(
                    f"{name} port {port} is in use (a run killed before its teardown?): "
                    "stop that process or pass another port"
                )

    def manage(self, *args: str, inline: bool = True) -> float:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.portal_env(inline=inline),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        with open(VAR / "manage.log", "a") as f:
            f.write(f"\n==== manage.py {' '.join(args)}\n{result.stdout}{result.stderr}")
        if result.returncode:
            raise Abort(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
        return time.monotonic() - started

    def setup(self) -> dict:
        VAR.mkdir(parents=True, exist_ok=True)
        for old in VAR.glob("*.log"):
            old.unlink()
        if (self.pg.datadir / "postmaster.pid").exists():
            log("stopping the cluster an interrupted run left in var/faults/pg")
            self.pg.stop("immediate")
        self.check_ports()
        timings = {}
        log(f"PostgreSQL cluster in {self.pg.datadir} on port {self.args.pg_port}")
        self.pg.init()
        timings["pg_start_s"] = self.pg.start()
        self.pg.psql(f"CREATE DATABASE {self.db_name}")
        self.pg.psql("CREATE EXTENSION postgis", db=self.db_name)
        log(f"redis-server: broker on {self.args.broker_port}, cache on {self.args.cache_port}")
        self.broker.start()
        self.cache.start()
        log("migrate, load_regions, import_sites, seed_demo (real Jakarta data)")
        started = time.monotonic()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_regions")
        self.manage("import_sites")
        self.manage("seed_demo")
        self.manage("recompute_scores")
        timings["seed_s"] = time.monotonic() - started
        return timings

    def start_gunicorn(self) -> None:
        self.procs.spawn(
            "gunicorn",
            [str(BIN / "gunicorn"), "kaltara.wsgi:application",
             "--bind", f"127.0.0.1:{self.args.http_port}", "--workers", "2",
             "--timeout", "60", "--graceful-timeout", "5",
             "--access-logfile", str(VAR / "gunicorn-access.log")],
            env=self.portal_env(),
            log_name="gunicorn.log",
        )  # fmt: skip
        ok, _ = wait_for(
            lambda: Browser(self.args.http_port, 5).get("/healthz").status == 200, 60, 0.2
        )
        if not ok:
            raise Abort("gunicorn did not answer /healthz: see var/faults/gunicorn.log")

    def gunicorn_pids(self) -> list[int]:
        """The master and its workers (to show that nothing was restarted)."""
        proc = self.procs.procs["gunicorn"]
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        kids = sorted(int(p) for p in children.read_text().split()) if children.exists() else []
        return [proc.pid, *kids]

    def start_worker(self) -> float:
        """A Celery worker (prefork, 2 processes, as docker-compose runs it); seconds to ready."""
        self.worker_seq += 1
        self.worker_name = f"faults{self.worker_seq}@{platform.node()}"
        started = time.monotonic()
        self.procs.spawn(
            "worker",
            [str(BIN / "celery"), "-A", "kaltara", "worker", "--pool", "prefork",
             "--concurrency", "2", "--loglevel", "info", "-n", self.worker_name,
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.portal_env(),
            log_name="worker.log",
        )  # fmt: skip
        ok, _ = wait_for(self.worker_ready, 90, 0.3)
        if not ok:
            raise Abort("the Celery worker did not start: see var/faults/worker.log")
        return time.monotonic() - started

    def worker_ready(self) -> bool:
        from kaltara.celery import app

        replies = app.control.ping(destination=[self.worker_name], timeout=0.5)
        return bool(replies)

    def teardown(self) -> None:
        self.procs.close()
        self.pg.destroy()


# --- shared checks ---------------------------------------------------------------------


_COMPARED = ("total", "band", "coverage", "connectivity", "proximity", "freshness",
             "coverage_by_cluster", "details", "member_count", "confidence")  # fmt: skip


def _normal(value):
    if isinstance(value, float):
        return round(value, 9)
    return json.loads(json.dumps(value))


def expected_rows(kawasan_ids, policy_row) -> dict:
    """What a recompute stores for each kawasan now (computed in this process)."""
    from django.utils import timezone

    from scoring import core, selectors, services

    policy = policy_row.as_policy()
    inputs = selectors.kawasan_inputs(
        list(kawasan_ids), today=timezone.localdate(), type_clusters=selectors.type_clusters_map()
    )
    now = timezone.now()
    return {
        pk: services._score_row(pk, core.score_kawasan(inp, policy), policy_row, None, now)
        for pk, inp in inputs.items()
    }


def row_values(row) -> tuple:
    return tuple(_normal(getattr(row, name)) for name in _COMPARED)


def score_is_current(kawasan_id: int, *, after) -> bool:
    """The stored score was computed after `after` and equals a fresh computation."""
    from scoring import selectors
    from scoring.models import KawasanScore, RecomputeRequest

    row = KawasanScore.objects.filter(kawasan_id=kawasan_id).first()
    if row is None or row.computed_at <= after:
        return False
    if RecomputeRequest.objects.filter(kawasan_id=kawasan_id).exists():
        return False
    fresh = expected_rows([kawasan_id], selectors.policy_active())[kawasan_id]
    return row_values(row) == row_values(fresh)


# --- 1. Redis down during edits --------------------------------------------------------


REDIS_PHASES = [
    # name, stop the broker, stop the cache
    ("broker and cache down (one Redis, as in docker-compose)", True, True),
    ("broker down, cache up", True, False),
    ("cache down, broker up", False, True),
]


class LinkEdits:
    """Link edits the lurah can make on the demo kawasan: the hub with each member, one kind
    after the other (a member's first link to the hub raises the hub-linked share)."""

    def __init__(self, kawasan, username: str):
        from accounts.models import User
        from sites import selectors
        from sites.models import LinkKind, OperatingStatus

        self.kawasan = kawasan
        self.hub_id = kawasan.hub_id
        # The sites the link form offers the user (the same scoped selector as the view).
        members = (
            selectors.Site.objects.visible_to(User.objects.get(username=username))
            .filter(memberships__kawasan=kawasan)
            .exclude(pk=self.hub_id)
            .exclude(operating_status=OperatingStatus.CLOSED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.pending = [(pk, kind) for kind in LinkKind.values for pk in members]

    def __next__(self):
        from sites.models import SiteLink

        while self.pending:
            other, kind = self.pending.pop(0)
            a, b = sorted([self.hub_id, other])
            if not SiteLink.objects.filter(
                site_a_id=a, site_b_id=b, kind=kind, end_date__isnull=True
            ).exists():
                return other, kind
        raise Abort("no more link edits available in the demo kawasan")

    def saved(self, other: int, kind: str) -> bool:
        from sites.models import SiteLink

        a, b = sorted([self.hub_id, other])
        return SiteLink.objects.filter(
            site_a_id=a, site_b_id=b, kind=kind, end_date__isnull=True
        ).exists()


def form_errors(body: str) -> str:
    """The error texts of a re-displayed form (to say why an edit was refused)."""
    found = re.findall(r'class="(?:errorlist|msg-error)[^"]*"[^>]*>(.*?)</(?:ul|li)>', body, re.S)
    text = " ".join(" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found)
    return text[:300]


def edit_link(browser: Browser, hub_id: int, other: int, kind: str, note: str) -> list[Response]:
    """Open the link form, then submit it: what the lurah does in the browser."""
    from django.utils import timezone

    form = browser.get(f"/situs/{hub_id}/hubungkan/")
    saved = browser.post(
        f"/situs/{hub_id}/hubungkan/",
        {"other": other, "kind": kind, "start_date": timezone.localdate().isoformat(),
         "note": note},
    )  # fmt: skip
    return [form, saved]


def scenario_redis(env: Environment, results: Results) -> None:
    from django.utils import timezone

    from demo.kawasan import DEMO_NAME
    from kawasan.models import Kawasan
    from scoring import tasks
    from scoring.models import KawasanScore, RecomputeRequest

    name = "1 Redis down during edits"
    kawasan = Kawasan.objects.get(name=DEMO_NAME, is_demo=True)
    edits = LinkEdits(kawasan, LURAH)
    lurah = Browser(env.args.http_port)
    lurah.login(LURAH)
    provinsi = Browser(env.args.http_port)
    provinsi.login(PROVINSI)
    pages = [
        (lurah, "lurah dashboard", "/"),
        (lurah, "site list", "/situs/"),
        (lurah, "site detail (hub)", f"/situs/{kawasan.hub_id}/"),
        (lurah, "kawasan detail", f"/kawasan/{kawasan.pk}/"),
        (lurah, "inbox", "/kotak-masuk/"),
        (provinsi, "province overview", "/"),
        (provinsi, "rankings", "/peringkat/?tingkat=kelurahan"),
        (provinsi, "choropleth data", "/peringkat/peta.geojson"),
    ]
    # Warm every page once while Redis is up (the geometry cache fills, as in production).
    for browser, _label, path in pages:
        browser.get(path)
    figures = results.figures.setdefault("redis", [])

    for phase, stop_broker, stop_cache in REDIS_PHASES:
        down = [r for r, stop in ((env.broker, stop_broker), (env.cache, stop_cache)) if stop]
        before = KawasanScore.objects.get(kawasan=kawasan)
        for redis in down:
            redis.stop()
        log(f"[1] {phase}: stopped {', '.join(r.name for r in down)}")

        signin = Browser(env.args.http_port)
        try:
            signin.login(LURAH)
            signin_status = "ok"
        except Abort as exc:
            signin_status = str(exc)
        page_results = [(label, browser.get(path)) for browser, label, path in pages]

        attempted = saved = 0
        refused: list[str] = []
        statuses: list[int] = []
        latencies: list[float] = []
        for i in range(env.args.edits):
            other, kind = next(edits)
            form, post = edit_link(lurah, kawasan.hub_id, other, kind, f"faults: {phase} #{i + 1}")
            attempted += 1
            statuses += [form.status, post.status]
            latencies.append(post.seconds)
            if post.status == 302 and edits.saved(other, kind):
                saved += 1
            else:
                refused.append(f"site {other} {kind}: HTTP {post.status} {form_errors(post.body)}")
        last_edit_at = timezone.now()
        queued = RecomputeRequest.objects.filter(kawasan=kawasan).exists()
        during = KawasanScore.objects.get(kawasan=kawasan)

        bad_pages = [f"{label} {r.status}" for label, r in page_results if r.status != 200]
        results.add(
            name,
            f"{phase}: edits saved through the forms, no 5xx",
            saved == attempted and not any(s >= 500 or s == 0 for s in statuses),
            f"{saved}/{attempted} saved; form and submit statuses "
            f"{sorted(set(statuses))}; submit p50 {ms(statistics.median(latencies))}, "
            f"max {ms(max(latencies))}; kawasan queued for the sweep: "
            f"{'yes' if queued else 'no'}; score recomputed meanwhile: "
            f"{'yes' if during.computed_at != before.computed_at else 'no'}"
            + (f"; refused: {'; '.join(refused)}" if refused else ""),
        )
        results.add(
            name,
            f"{phase}: pages and sign-in work",
            not bad_pages and signin_status == "ok",
            f"{len(page_results) - len(bad_pages)}/{len(page_results)} pages 200"
            + (f" (failed: {', '.join(bad_pages)})" if bad_pages else "")
            + f"; sign-in {signin_status}",
        )

        if not stop_broker:
            # The beat's sweep during a cache outage: the queue is in the database.
            tasks.recompute_pending.delay()
            _, sweep_down_s = wait_for(
                lambda after=last_edit_at: score_is_current(kawasan.pk, after=after), 60, 0.2
            )
            results.add(
                name,
                f"{phase}: the sweep drains the queue during the outage",
                sweep_down_s is not None,
                f"stored score current {secs(sweep_down_s)} after the sweep was sent",
            )

        # Redis returns (empty: no persistence), then the beat's sweep catches up.
        back = time.monotonic()
        for redis in down:
            redis.start()
        _, reconnect_s = wait_for(env.worker_ready, 120, 0.5)
        reconnect_s = None if reconnect_s is None else time.monotonic() - back
        tasks.recompute_pending.delay()
        _, sweep_s = wait_for(
            lambda after=last_edit_at: score_is_current(kawasan.pk, after=after), 120, 0.2
        )
        catch_up_s = None if sweep_s is None else time.monotonic() - back
        after = KawasanScore.objects.get(kawasan=kawasan)
        results.add(
            name,
            f"{phase}: scores caught up after Redis returned",
            catch_up_s is not None,
            f"worker answering again after {secs(reconnect_s)}; score current "
            f"{secs(catch_up_s)} after Redis returned (sweep sent when the worker answered); "
            f"total {before.total:.1f} -> {after.total:.1f}",
        )
        # The next edit goes the normal way: web process -> broker -> drain task.
        other, kind = next(edits)
        started_at = timezone.now()
        t0 = time.monotonic()
        _form, post = edit_link(lurah, kawasan.hub_id, other, kind, f"faults: after {phase}")
        _, normal_s = wait_for(
            lambda after=started_at: score_is_current(kawasan.pk, after=after), 60, 0.2
        )
        normal_total = None if normal_s is None else time.monotonic() - t0
        results.add(
            name,
            f"{phase}: next edit scored through the on-commit drain (no sweep)",
            post.status == 302 and normal_total is not None,
            f"HTTP {post.status}; stored score current {secs(normal_total)} after the submit",
        )
        figures.append(
            {
                "phase": phase,
                "attempted": attempted,
                "saved": saved,
                "statuses": sorted(set(statuses)),
                "submit_p50_s": statistics.median(latencies),
                "submit_max_s": max(latencies),
                "pages": {label: r.status for label, r in page_results},
                "signin": signin_status,
                "worker_reconnect_s": reconnect_s,
                "catch_up_s": catch_up_s,
                "normal_path_s": normal_total,
                "total_before": before.total,
                "total_after": after.total,
            }
        )


# --- 2. worker killed mid-recompute ---------------------------------------------------


def scenario_worker_kill(env: Environment, results: Results) -> None:
    from django.db import connection, transaction

    from kawasan.models import Kawasan
    from scoring import selectors, services, tasks
    from scoring.models import KawasanScore, RunStatus, ScoreRun, ScoringPolicy

    name = "2 worker killed mid-recompute"
    args = env.args
    figures = results.figures.setdefault("worker_kill", {})
    synthetic = (ROOT / "scoring" / "management" / "commands" / "generate_synthetic.py").exists()
    if args.synthetic_kawasan and not synthetic:
        log("[2] no generate_synthetic command: Jakarta only, chunks of 5")
        args.chunk_size = min(args.chunk_size, 5)
    if args.synthetic_kawasan and synthetic:
        log(f"[2] generate_synthetic: {args.synthetic_kawasan} synthetic kawasan")
        figures["generate_s"] = env.manage(
            "generate_synthetic", "--limit-kawasan", str(args.synthetic_kawasan),
            "--sites", str(12 * args.synthetic_kawasan),
            "--links", str(24 * args.synthetic_kawasan), "--reset", "-v0",
        )  # fmt: skip
    kawasan_total = Kawasan.objects.count()
    log(f"[2] baseline: full recompute of {kawasan_total} kawasan in this process")
    t0 = time.monotonic()
    services.scores_recompute()
    figures["baseline_s"] = time.monotonic() - t0
    old_policy = selectors.policy_active()
    old = {row.kawasan_id: row for row in KawasanScore.objects.all()}

    # A new policy version (a different connectivity split): every new row differs from the
    # old one, so each row shows which run wrote it. Activated without the automatic
    # recompute: the run is started below, with small chunks.
    params = dict(old_policy.params)
    params["connectivity_edge_share"] = 0.5 if params.get("connectivity_edge_share") != 0.5 else 0.7
    new_policy = services.policy_create(
        version=f"faults-{int(time.time())}", name="Uji gangguan", params=params
    )
    with transaction.atomic():
        ScoringPolicy.objects.filter(is_active=True).update(is_active=False)
        ScoringPolicy.objects.filter(pk=new_policy.pk).update(is_active=True)

    env.procs.stop("worker")
    env.start_worker()
    chunks = list(services.kawasan_id_chunks(chunk_size=args.chunk_size))
    started = time.monotonic()
    tasks.recompute_all.delay(chunk_size=args.chunk_size)
    run, _ = wait_for(
        lambda: (
            ScoreRun.objects.filter(policy=new_policy, chunk_total__gt=0).order_by("pk").first()
        ),
        30,
        0.05,
    )
    if run is None:
        results.add(name, "the full run started", False, "no ScoreRun within 30 s")
        return
    target = max(1, int(len(chunks) * args.kill_at))

    def chunks_done():
        return len(ScoreRun.objects.get(pk=run.pk).chunks_done) >= target

    wait_for(chunks_done, 300, 0.02)
    # Transactions open in the worker right now (a chunk being written).
    open_tx = int(
        env.pg.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid() "
            "AND query NOT ILIKE '%pg_stat_activity%'",
            db=env.db_name,
        )
    )
    env.procs.signal("worker", signal.SIGKILL)
    killed_after = time.monotonic() - started
    env.procs.stop("worker")
    log(f"[2] SIGKILL after {killed_after:.1f} s; {open_tx} transaction(s) were open")
    # PostgreSQL rolls back the dead client's transactions once it notices the closed socket.
    wait_for(
        lambda: (
            env.pg.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()",
                db=env.db_name,
            )
            == "0"
        ),
        30,
        0.1,
    )

    killed_run = ScoreRun.objects.get(pk=run.pk)
    rows = {row.kawasan_id: row for row in KawasanScore.objects.all()}
    fresh = {}
    new_ids = [pk for pk, row in rows.items() if row.policy_id == new_policy.pk]
    for start in range(0, len(new_ids), 2000):
        fresh.update(expected_rows(new_ids[start : start + 2000], new_policy))
    broken = []
    for pk, row in rows.items():
        if row.policy_id == old_policy.pk:
            whole = row_values(row) == row_values(old[pk])
            whole = whole and row.computed_at == old[pk].computed_at
        else:
            whole = row.policy_id == new_policy.pk and row.run_id == run.pk
            whole = whole and row_values(row) == row_values(fresh[pk])
        if not whole:
            broken.append(pk)
    chunk_state = []
    for ids in chunks:
        new = sum(1 for pk in ids if rows.get(pk) and rows[pk].policy_id == new_policy.pk)
        chunk_state.append("new" if new == len(ids) else "old" if new == 0 else "half")
    half = chunk_state.count("half")
    new_chunks = chunk_state.count("new")
    missing = len(old) - len(rows)
    results.add(
        name,
        "every score row intact after SIGKILL (old or new, whole chunks, none lost)",
        not broken and half == 0 and missing == 0 and len(rows) == kawasan_total,
        f"{kawasan_total} kawasan in {len(chunks)} chunks of {args.chunk_size}; killed "
        f"{killed_after:.1f} s into the run with {open_tx} chunk transaction(s) open; "
        f"{new_chunks} chunks new, {chunk_state.count('old')} old, {half} half-written; "
        f"{len(broken)} rows differing from both; {missing} rows lost",
    )

    # A new worker: the rest of the killed run's queue, then the next full run.
    ready_s = env.start_worker()
    t1 = time.monotonic()
    tasks.recompute_all.delay(chunk_size=args.chunk_size)
    run2, _ = wait_for(
        lambda: (
            ScoreRun.objects.filter(policy=new_policy, pk__gt=run.pk, chunk_total__gt=0)
            .order_by("pk")
            .first()
        ),
        60,
        0.1,
    )
    done, _ = wait_for(
        lambda: (
            run2
            and ScoreRun.objects.filter(
                pk=run2.pk, status__in=[RunStatus.DONE, RunStatus.FAILED]
            ).first()
        ),
        600,
        0.2,
    )
    run_s = time.monotonic() - t1
    rows = {row.kawasan_id: row for row in KawasanScore.objects.all()}
    fresh = {}
    ids = sorted(rows)
    for start in range(0, len(ids), 2000):
        fresh.update(expected_rows(ids[start : start + 2000], new_policy))
    wrong = [
        pk
        for pk, row in rows.items()
        if row.policy_id != new_policy.pk or row_values(row) != row_values(fresh[pk])
    ]
    killed_run.refresh_from_db()
    results.add(
        name,
        "a new worker completes the next full run",
        done is not None
        and done.status == RunStatus.DONE
        and not wrong
        and len(rows) == kawasan_total,
        f"new worker ready in {secs(ready_s)}; next run "
        f"{done.status if done else 'not finished'} in {run_s:.1f} s "
        f"({done.kawasan_count if done else 0} kawasan, {done.error_count if done else 0} "
        f"errors); {len(wrong)} rows not equal to the new policy's scores; killed run left "
        f"{killed_run.status} with {len(killed_run.chunks_done)}/{killed_run.chunk_total} "
        "chunks reported (its in-flight chunks wait for the broker's visibility timeout)",
    )
    figures.update(
        kawasan=kawasan_total,
        chunks=len(chunks),
        chunk_size=args.chunk_size,
        killed_after_s=killed_after,
        open_transactions=open_tx,
        chunks_new=new_chunks,
        chunks_half=half,
        rows_broken=len(broken),
        rows_lost=missing,
        worker_ready_s=ready_s,
        next_run_s=run_s,
        next_run_status=done.status if done else None,
        killed_run_status=killed_run.status,
        killed_run_chunks=f"{len(killed_run.chunks_done)}/{killed_run.chunk_total}",
    )
    connection.close()


# --- 3. PostgreSQL restart under load -------------------------------------------------


@dataclass
class Hit:
    at: float
    path: str
    status: int
    seconds: float
    clear: bool
    db: bool  # the page needs the database (all but /healthz)


def load_threads(env: Environment, paths: list[str], threads: int, stop: threading.Event):
    hits: list[Hit] = []
    lock = threading.Lock()
    sessions = []
    for _ in range(threads):
        b = Browser(env.args.http_port, timeout=30)
        b.login(LURAH)
        sessions.append(b)

    def run(browser: Browser, offset: int):
        # /healthz as a load balancer asks it: without a session. With a session cookie
        # Django's LoginRequiredMiddleware reads request.user (the database) first.
        probe = Browser(env.args.http_port, timeout=30)
        i = offset
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            r = (probe if path == "/healthz" else browser).get(path)
            hit = Hit(
                time.monotonic(),
                path,
                r.status,
                r.seconds,
                r.status == 200
                or (r.is_clear_error_page and (r.status != 503 or "Retry-After" in r.headers)),
                path != "/healthz",
            )
            with lock:
                hits.append(hit)
            time.sleep(0.02)

    workers = [
        threading.Thread(target=run, args=(b, n), daemon=True) for n, b in enumerate(sessions)
    ]
    for t in workers:
        t.start()
    return hits, workers


def scenario_pg_restart(env: Environment, results: Results) -> None:
    from django.db import connections

    from demo.kawasan import DEMO_NAME
    from kawasan.models import Kawasan

    name = "3 PostgreSQL restart under load"
    kawasan = Kawasan.objects.get(name=DEMO_NAME, is_demo=True)
    paths = ["/", "/situs/", f"/situs/{kawasan.hub_id}/", f"/kawasan/{kawasan.pk}/", "/healthz"]
    connections.close_all()
    figures = results.figures.setdefault("pg_restart", [])
    rounds = [
        ("pg_ctl restart -m fast", None),
        (f"stop -m fast, {env.args.pg_down_s:g} s down, start", env.args.pg_down_s),
    ]
    for label, hold in rounds:
        pids_before = env.gunicorn_pids()
        stop = threading.Event()
        hits, workers = load_threads(env, paths, env.args.threads, stop)
        time.sleep(3)
        down_at = time.monotonic()
        if hold is None:
            env.pg.restart()
        else:
            env.pg.stop("fast")
            time.sleep(hold)
            env.pg.start()
        up_at = time.monotonic()
        log(f"[3] {label}: PostgreSQL back after {up_at - down_at:.1f} s")
        # Keep the load on until every page has been 200 for a while (or give up).
        deadline = up_at + 60

        def settled(hits=hits, up_at=up_at):
            recent = [h for h in hits if h.at > up_at and h.db]
            return len(recent) >= 40 and all(h.status == 200 for h in recent[-40:])

        while time.monotonic() < deadline and not settled():
            time.sleep(0.2)
        time.sleep(2)
        stop.set()
        for t in workers:
            t.join(timeout=60)
        pids_after = env.gunicorn_pids()

        db_hits = [h for h in hits if h.db]
        errors = [h for h in db_hits if h.status != 200]
        unclear = [h for h in hits if not h.clear]
        health_errors = [h for h in hits if not h.db and h.status != 200]
        by_status: dict[int, int] = {}
        for h in errors:
            by_status[h.status] = by_status.get(h.status, 0) + 1
        last_error = max((h.at for h in errors), default=None)
        first_error = min((h.at for h in errors), default=None)
        after_up = [h for h in db_hits if h.at > up_at]
        recovered = bool(after_up) and settled()
        recovery_s = max(0.0, (last_error - up_at)) if last_error is not None and recovered else 0.0
        window = (last_error - first_error) if errors else 0.0
        slowest_error = max((h.seconds for h in errors), default=0.0)
        note = ""
        if by_status.get(500):
            note = " (500, not 503: kaltara/urls.py lacks handler500 = web.errors.server_error)"
        results.add(
            name,
            f"{label}: errors are the portal's own error pages",
            not unclear and not health_errors,
            f"{len(hits)} requests, {len(errors)} errors "
            f"({', '.join(f'{n}x HTTP {s}' for s, n in sorted(by_status.items())) or 'none'})"
            f"{note}, {len(unclear)} without the portal's error page or with a stack trace; "
            f"/healthz (no session) errors {len(health_errors)}; slowest error response "
            f"{ms(slowest_error)}",
        )
        results.add(
            name,
            f"{label}: same gunicorn processes serve 200 again",
            recovered and pids_before == pids_after,
            f"database down {up_at - down_at:.1f} s; errors over {window:.1f} s; "
            f"all pages 200 again {recovery_s:.1f} s after PostgreSQL accepted connections; "
            f"gunicorn pids {'unchanged' if pids_before == pids_after else 'CHANGED'} "
            f"({len(pids_after)} processes)",
        )
        figures.append(
            {
                "round": label,
                "requests": len(hits),
                "errors": len(errors),
                "errors_by_status": by_status,
                "unclear": len(unclear),
                "db_down_s": up_at - down_at,
                "error_window_s": window,
                "recovery_s": recovery_s,
                "recovered": recovered,
                "pids_unchanged": pids_before == pids_after,
            }
        )
    connections.close_all()


# --- main -----------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="1,2,3", help="scenarios to run, e.g. 1,3")
    parser.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    parser.add_argument("--pg-port", type=int, default=5439)
    parser.add_argument("--broker-port", type=int, default=6389)
    parser.add_argument("--cache-port", type=int, default=6390)
    parser.add_argument("--http-port", type=int, default=8790)
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("KALTARA_DATA_DIR") or str(ROOT.parent / "shared" / "data"),
    )
    parser.add_argument("--edits", type=int, default=8, help="edits per Redis outage")
    parser.add_argument(
        "--synthetic-kawasan",
        type=int,
        default=5000,
        help="synthetic kawasan added for scenario 2 (0: Jakarta only)",
    )
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4,
        help="SIGKILL once this share of the chunks has reported",
    )
    parser.add_argument("--threads", type=int, default=4, help="scenario 3 client threads")
    parser.add_argument("--pg-down-s", type=float, default=5.0)
    parser.add_argument("--keep", action="store_true", help="leave the instances running")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",")}

    env = Environment(args)
    results = Results()
    # `make` interrupted or a CI timeout: still tear down what was started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        timings = env.setup()
        os.environ.update(env.portal_env())
        import django

        django.setup()
        env.start_gunicorn()
        env.start_worker()
        log(f"ready: seed {timings['seed_s']:.0f} s; gunicorn and a Celery worker running")
        scenarios = [("1", scenario_redis), ("2", scenario_worker_kill), ("3", scenario_pg_restart)]
        for key, scenario in scenarios:
            if key not in only:
                continue
            try:
                scenario(env, results)
            except Exception as exc:  # noqa: BLE001 - report and go on with the next one
                traceback.print_exc()
                results.add(
                    scenario.__name__, "ran to the end", False, f"{type(exc).__name__}: {exc}"
                )
    except Abort as exc:
        log(f"setup failed: {exc}")
        results.add("setup", "fault environment", False, str(exc))
    finally:
        if args.keep:
            log(f"--keep: left running; {env.database_url}, gunicorn :{args.http_port}")
        else:
            env.teardown()

    cpus = os.cpu_count()
    env_line = (
        f"Measured by `make faults` on {cpus} CPU, Python {platform.python_version()}, "
        f"PostgreSQL 15 (throwaway cluster), redis-server, gunicorn 2 workers, Celery prefork 2; "
        f"{datetime.now():%Y-%m-%d %H:%M}."
    )
    table = results.markdown(env_line)
    VAR.parent.mkdir(exist_ok=True)
    (ROOT / "var" / "faults-results.md").write_text(table)
    (ROOT / "var" / "faults-results.json").write_text(
        json.dumps(
            {"checks": [c.__dict__ for c in results.checks], "figures": results.figures},
            indent=2,
            default=str,
        )
    )
    print()
    print(table)
    if results.failed:
        print(f"{len(results.failed)} check(s) FAILED; logs in var/faults/", file=sys.stderr)
        return 1
    print("All fault checks passed.")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
