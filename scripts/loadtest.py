#!/usr/bin/env python3
"""Load test: p50/p95/p99 and throughput of the dashboards, rankings and a trivial view.

A small threaded HTTP client (standard library only: nothing to install). It signs in as
the demo users (`make run` creates them; password kaltara-demo), then requests each page
with several threads over keep-alive connections and prints one line per page, with
/healthz (no session, no database) as the baseline of the server itself.

    python scripts/loadtest.py --base-url http://127.0.0.1:8000 --requests 200 --threads 8

Run it against a server started the way production runs (gunicorn with several workers,
DJANGO_DEBUG unset); runserver is single-process and measures Django's debug overhead.
It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

DEMO_PASSWORD = "kaltara-demo"  # noqa: S105 - the demo logins printed by `make run`

# name, demo login (None: signed out), path
SCENARIOS = [
    ("healthz (baseline)", None, "/healthz"),
    ("lurah dashboard", "lurah.rawabunga", "/"),
    ("camat dashboard", "camat.jatinegara", "/"),
    ("sudin dashboard", "sudinkes.jaktim", "/"),
    ("province overview", "provinsi", "/"),
    ("rankings kelurahan", "provinsi", "/peringkat/?tingkat=kelurahan"),
    ("rankings kecamatan", "provinsi", "/peringkat/?tingkat=kecamatan&urut=-perubahan"),
    ("choropleth data", "provinsi", "/peringkat/peta.geojson"),
]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    elapsed: float = 0.0
    bytes: int = 0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[k]

    def row(self) -> dict:
        n = len(self.latencies)
        return {
            "page": self.name,
            "requests": n,
            "errors": self.errors,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if n else None,
            "req_per_s": round(n / self.elapsed, 1) if self.elapsed else None,
            "kb": round(self.bytes / max(n, 1) / 1024, 1),
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
                return response, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


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
            "next": "/healthz",
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
    session = _cookies(response).get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(f"{username}: sign-in refused ({response.status}); run `make run` first?")
    return f"sessionid={session}; csrftoken={jar['csrftoken']}"


def run_scenario(base, name, cookie, path, *, requests, threads, timeout, warmup) -> Result:
    result = Result(name)
    lock = threading.Lock()
    local = threading.local()
    headers = {"Cookie": cookie} if cookie else {}

    def one(_i):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = Connection(base, timeout)
        start = time.perf_counter()
        try:
            response, body = conn.request("GET", path, headers=headers)
            ok = response.status == 200
        except OSError:
            ok, body = False, b""
        took = time.perf_counter() - start
        with lock:
            if ok:
                result.latencies.append(took)
                result.bytes += len(body)
            else:
                result.errors += 1

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(warmup)))
        result.latencies.clear()
        result.bytes = 0
        result.errors = 0
        started = time.perf_counter()
        list(pool.map(one, range(requests)))
        result.elapsed = time.perf_counter() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=200, help="per page (default 200)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--only", help="run only pages whose name contains this text")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    base = urllib.parse.urlsplit(args.base_url)
    sessions: dict[str, str] = {}
    rows = []
    for name, username, path in SCENARIOS:
        if args.only and args.only not in name:
            continue
        cookie = None
        if username:
            if username not in sessions:
                sessions[username] = login(base, username, args.password, args.timeout)
            cookie = sessions[username]
        result = run_scenario(
            base,
            name,
            cookie,
            path,
            requests=args.requests,
            threads=args.threads,
            timeout=args.timeout,
            warmup=args.warmup,
        )
        rows.append(result.row())
        if not args.json:
            r = rows[-1]
            print(
                f"{r['page']:<24} n={r['requests']:<5} err={r['errors']:<3} "
                f"p50={r['p50_ms']:>7} ms  p95={r['p95_ms']:>7} ms  p99={r['p99_ms']:>7} ms  "
                f"{r['req_per_s']:>7} req/s  {r['kb']:>6} KB",
                flush=True,
            )
    if args.json:
        print(json.dumps({"threads": args.threads, "results": rows}, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
