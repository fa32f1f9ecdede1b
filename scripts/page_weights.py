#!/usr/bin/env python3
"""Page weight: the bytes each role's main pages transfer, first view and repeat view.

Headless Chromium (Debian's, driven by Playwright) opens each page in a fresh context (empty
cache: the first view), waits until its fetches are done, then opens it again in the same
context (the repeat view: what the browser cache keeps is not fetched again). The bytes are
Chromium's own count of what came over the wire (DevTools Network.loadingFinished
encodedDataLength: headers and compressed bodies), the figure DevTools shows as
"transferred". Tiles are off (as in the tests): maps draw vectors only, and no request
leaves the machine.

The server must serve static files as production does (hashed names, compressed copies,
far-future caching): --serve starts gunicorn with KALTARA_COLLECTED_STATIC=1 on the
database of the environment (`make setup` first: real Jakarta data and the demo users).

    python scripts/page_weights.py --serve                  # gunicorn on a free port
    python scripts/page_weights.py --base-url http://127.0.0.1:8000

Writes a Markdown table to --out (artifacts/page-weights.md). Not part of the test suite.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("KALTARA_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "kaltara-demo"  # noqa: S105 - accounts.demo.DEMO_PASSWORD
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _main_pages() -> dict[str, list[tuple[str, str]]]:
    """(label, path) of each role's main pages, with the ids of the database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaltara.settings")
    django.setup()
    from django.urls import reverse

    from demo.kawasan import DEMO_NAME
    from demo.sites import PUSKESMAS
    from kawasan.models import Kawasan
    from sites.models import Site

    puskesmas = Site.objects.get(source=PUSKESMAS[0], source_id=PUSKESMAS[1])
    demo = Kawasan.objects.get(name=DEMO_NAME)
    common = [("Beranda (dasbor)", reverse("home"))]
    return {
        "anonim": [
            ("Masuk", reverse("accounts:login")),
            ("Data terbuka", reverse("opendata:index")),
        ],
        "lurah.rawabunga": [
            *common,
            ("Situs layanan", reverse("services:site_list")),
            ("Peta situs", reverse("services:site_map")),
            ("Situs (puskesmas)", reverse("services:site_detail", args=[puskesmas.pk])),
            ("Tambah situs", reverse("services:site_create")),
            ("Kawasan demo", reverse("kawasan:detail", args=[demo.pk])),
            ("Laporan kawasan", reverse("kaltara:kawasan_report", args=[demo.pk])),
        ],
        "camat.jatinegara": [*common, ("Kawasan", reverse("kawasan:list"))],
        "sudinkes.jaktim": [*common, ("Antrean peninjauan", reverse("services:review_queue"))],
        "sudindik.jaktim": [*common, ("Antrean peninjauan", reverse("services:review_queue"))],
        "provinsi": [
            *common,
            ("Peringkat kelurahan", reverse("kaltara:rankings")),
            ("Peta skor", reverse("kaltara:choropleth")),
        ],
    }


class Meter:
    """Bytes over the wire and requests of one page view, from DevTools' network events."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.requests = 0
        self.cached = 0
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.requestServedFromCache", self._cached)

    def reset(self):
        self.bytes = self.requests = self.cached = 0

    def _finished(self, event):
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1

    def _cached(self, _event):
        self.cached += 1


def _view(page, meter, path) -> tuple[int, int, int]:
    meter.reset()
    page.goto(path, wait_until="networkidle")
    page.wait_for_timeout(300)  # the last loadingFinished events
    return meter.bytes, meter.requests, meter.cached


def _login(browser, base_url, username):
    context = browser.new_context(base_url=base_url, locale="id-ID")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()
    context.close()
    return state


def measure(base_url: str) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows, outside = [], []
    pages = _main_pages()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for role, main in pages.items():
            state = None if role == "anonim" else _login(browser, base_url, role)
            for label, path in main:
                # A fresh context per page: its cache is empty for the first view.
                context = browser.new_context(
                    **PHONE, base_url=base_url, locale="id-ID", storage_state=state
                )
                # No context.route() here: Playwright turns the HTTP cache off for routed
                # contexts, and the repeat view is about that cache. Requests to other hosts
                # are watched instead (none is expected: tiles are off).
                page = context.new_page()
                page.on("request", lambda req: _outside(req, base_url, outside))
                meter = Meter(page)
                first = _view(page, meter, path)
                repeat = _view(page, meter, path)
                context.close()
                rows.append(
                    {"role": role, "page": label, "path": path, "first": first, "repeat": repeat}
                )
                print(f"{role:18} {label:24} first {first[0]:>9,} B  repeat {repeat[0]:>9,} B")
        browser.close()
    if outside:
        raise SystemExit(f"requests to other hosts: {sorted(set(outside))}")
    return rows


def _outside(request, base_url: str, seen: list) -> None:
    if not request.url.startswith(base_url + "/") and not request.url.startswith("data:"):
        seen.append(request.url)


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f}"


def table(rows: list[dict]) -> str:
    lines = [
        "| Role | Page | First view: kB (requests) | Repeat view: kB (requests) |",
        "| --- | --- | ---: | ---: |",
    ]
    for r in rows:
        (fb, fr, _fc), (rb, rr, rc) = r["first"], r["repeat"]
        repeat = f"{_kb(rb)} ({rr - rc} over the network, {rc} from cache)"
        lines.append(f"| {r['role']} | {r['page']} (`{r['path']}`) | {_kb(fb)} ({fr}) | {repeat} |")
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "KALTARA_COLLECTED_STATIC": "1", "KALTARA_TILE_URL": ""}
    env.pop("DJANGO_DEBUG", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "kaltara.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            # Our own server on the loopback, http only.
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running server (else --serve)")
    parser.add_argument("--serve", action="store_true", help="start gunicorn on a free port")
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "page-weights.md"))
    args = parser.parse_args()
    if not args.base_url and not args.serve:
        parser.error("give --base-url or --serve")
    proc = None
    if args.serve:
        # The server's settings too: no tiles, static files as collected for production.
        os.environ["KALTARA_TILE_URL"] = ""
        proc, base_url = _serve()
    else:
        base_url = args.base_url.rstrip("/")
    try:
        rows = measure(base_url)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table(rows), encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
