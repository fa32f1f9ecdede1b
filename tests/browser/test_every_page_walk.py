"""Every GET page of every role, in a browser, at 360 and 390 px and at desktop width.

The pages come from the URL resolver (tests/surfaces.py GET_PAGES, with the real ids of a
world built on the seeded Jakarta data), so a new page cannot be left out: a URL name that no
role reached fails the walk. Each role (anonymous and the five demo logins) first fetches
every path of every name with its session (no rendering): a server error fails, a response
that is not HTML (GeoJSON, CSV, .xlsx, JSON, the API) is counted as reached and not rendered.
Then, in one browser context per role and width, it opens each HTML page (and its 403 and
404 pages once each) and checks:

- no horizontal overflow: the document is no wider than the viewport;
- axe-core (node_modules/axe-core, installed from the npm registry by `npm ci`, never from a
  CDN) finds no WCAG 2.0/2.1 A/AA violation;
- no console error, no page error, no failed request;
- no request to another host (tiles are off: maps draw vectors only).

Every problem of every role, page and width is collected and reported together, so one run
tells all that is left. Screenshots of each role's main pages at 390 px are saved to
artifacts/screenshots/walk-<role>-<page>.png.
"""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.surfaces import GET_PAGES
from tests.visibility.conftest import World

from .conftest import DEMO_PASSWORD, JOURNEY_MARKS, ROOT, SCREENSHOTS, TIMEOUT_MS

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the `browser` fixture says so (skip, or fail where required)
    PlaywrightError = Exception  # type: ignore[assignment,misc]

pytestmark = JOURNEY_MARKS

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RAWA_BUNGA = "31.75.03.1004"
KAMPUNG_MELAYU = "31.75.03.1001"
MENTENG = "31.71.06.1001"
ANONYMOUS = "anonim"
ROLES = [
    ANONYMOUS,
    "lurah.rawabunga",
    "camat.jatinegara",
    "sudinkes.jaktim",
    "sudindik.jaktim",
    "provinsi",
]
# One phone context (390 px, then the same page narrowed to 360) and one desktop context
# per role, each signed in once (storage state).
PHONE_WIDTHS = [390, 360]
DESKTOP_WIDTH = 1366
PHONE = {"device_scale_factor": 1, "is_mobile": True, "has_touch": True}
CONTEXTS = {
    390: {"viewport": {"width": 390, "height": 844}, **PHONE},
    1366: {"viewport": {"width": 1366, "height": 900}},
}
# axe at 390 px and on the desktop, the overflow check at all three widths: axe at 360 too
# made the walk a third longer for what 390 already shows (timings in the README).
AXE_WIDTHS = {390, 1366}
# Paths rendered per URL name and role (the first ones, in GET_PAGES order: a verified, a
# submitted and a draft site; each fetched path is still checked for server errors).
RENDER_PER_NAME = 3
SHOT_WIDTH = 390
# Each role's main pages (URL names), photographed at 390 px.
MAIN_PAGES = [
    "home",
    "accounts:login",
    "kaltara:dashboard_area",
    "kaltara:dashboard_sector",
    "kaltara:province",
    "kaltara:rankings",
    "kaltara:choropleth",
    "services:site_list",
    "services:site_map",
    "services:site_detail",
    "services:site_create",
    "kawasan:list",
    "kawasan:detail",
    "kaltara:kawasan_report",
    "services:review_queue",
    "notifications:inbox",
    "opendata:index",
]
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Elements wider than the viewport (the first few), to say what overflows.
OVERFLOW = """(width) => {
    const doc = document.documentElement;
    const wide = [];
    if (doc.scrollWidth > width) {
        for (const el of document.body.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && r.width > 0) {
                let inScroller = false;
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                    const s = getComputedStyle(p);
                    if (/(auto|scroll|hidden|clip)/.test(s.overflowX)) { inScroller = true; break; }
                }
                // A positioned element escapes a scroller that is not positioned itself.
                const escapes = /(absolute|fixed)/.test(getComputedStyle(el).position);
                if (!inScroller || escapes) {
                    const id = el.id ? "#" + el.id : "";
                    const cls = typeof el.className === "string" && el.className
                        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
                    const name = el.tagName.toLowerCase() + id + cls;
                    wide.push(name + " (" + Math.round(r.right) + ")");
                }
            }
            if (wide.length >= 4) { break; }
        }
    }
    return [doc.scrollWidth, wide];
}"""

# Beyond the WCAG 2.0/2.1 A and AA tags: empty table headers and skipped heading levels
# (axe's best practices) and WCAG 2.2's 24 x 24 px targets (2.5.8), which the portal keeps.
AXE_RULES = ["empty-table-header", "heading-order", "target-size"]
# Swagger UI (api:docs, drf-spectacular-sidecar's files) draws each operation's summary as a
# button holding the copy and lock buttons (nested controls) and its tags as h3 under its
# h1 title: its own markup, which the portal does not write. Its colours and target sizes
# are ours to set (static/css/api.css) and are checked.
AXE_OFF = {
    "api:docs": ["nested-interactive", "heading-order"],
}

MAPS_SETTLED = """() => !document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim")
    && Array.from(document.querySelectorAll("[data-kawasan-map]"))
        .every((el) => el.dataset.laidOut !== undefined)"""

AXE_RUN = """async ([tags, extra, off]) => {
    const rules = {};
    for (const id of extra) { rules[id] = {enabled: true}; }
    for (const id of off) { rules[id] = {enabled: false}; }
    const result = await window.axe.run(document, {
        runOnly: {type: "tag", values: tags},
        rules: rules,
        resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 6).map((n) => n.target.join(" ")),
        count: v.nodes.length,
    }));
}"""


@dataclass
class Fetched:
    name: str
    path: str
    status: int
    content_type: str
    url: str  # after redirects

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)  # URL names some role fetched
    rendered: dict[str, int] = field(default_factory=dict)  # role -> pages opened
    timings: dict[str, float] = field(default_factory=dict)

    def problem(self, role, width, path, text):
        where = f"{role} @{width}px {path}" if width else f"{role} {path}"
        self.problems.append(f"{where}: {text}")


def _dry_run_token(user) -> str:
    """A spreadsheet dry run of the lurah's own sites with one name changed (its confirm page
    shows the plan again on GET)."""
    from openpyxl import Workbook, load_workbook

    from sites.spreadsheet import fileformat

    client = Client()
    client.force_login(user)
    body = client.get(reverse("spreadsheet:export")).content
    rows = [list(r) for r in load_workbook(filename=_bytes_io(body)).active.values]
    rows[1][fileformat.HEADERS.index("nama")] = f"{rows[1][fileformat.HEADERS.index('nama')]} (uji)"
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = _bytes_io(b"")
    book.save(out)
    upload = SimpleUploadedFile("situs.xlsx", out.getvalue())
    response = client.post(reverse("spreadsheet:upload"), {"file": upload})
    token = response.context["token"]
    assert token is not None, "the dry run cannot be applied"
    return str(token)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


@pytest.fixture
def walk_world(jakarta, settings, tmp_path):
    """The surfaces' world on the real data: Rawa Bunga's demo sites (verified, submitted),
    a draft with a document and a link, a pending change with its document, a site of
    another kota, the base and demo kawasan of Rawa Bunga, each role's token and exports."""
    from accounts.models import User
    from api import services as api_services
    from demo.kawasan import DEMO_NAME
    from demo.sites import PUSKESMAS, RPTRA
    from kawasan.models import Kawasan
    from sites import services as site_services
    from sites.models import PendingChange, Site
    from sites.review import pending
    from tests.factories import make_link, make_site

    settings.MEDIA_ROOT = tmp_path
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    lurah = users["lurah.rawabunga"]
    puskesmas = Site.objects.get(source=PUSKESMAS[0], source_id=PUSKESMAS[1])
    rptra = Site.objects.get(source=RPTRA[0], source_id=RPTRA[1])
    near = Point(rptra.location.x + 0.0003, rptra.location.y, srid=4326)
    draft = make_site("Draf Posyandu Uji Jelajah", RAWA_BUNGA, types=("posyandu",), location=near)
    elsewhere = Site.objects.filter(kelurahan_id=MENTENG).order_by("pk").first()
    assert elsewhere is not None, "no imported site in Menteng"
    w = World(users=users)
    w.sites = [puskesmas, rptra, draft, elsewhere]
    site_services.site_update(
        user=lurah,
        site=puskesmas,
        data={"name": f"{puskesmas.name} (usulan)", "reason": "Uji jelajah halaman"},
        version=puskesmas.version,
    )
    w.pending_changes = list(PendingChange.objects.filter(site=puskesmas))
    puskesmas.refresh_from_db()
    w.documents = [
        pending.pending_change_document_add(
            user=lurah,
            site=puskesmas,
            kind="sk",
            title="Dokumen usulan",
            file=SimpleUploadedFile("usulan.pdf", PDF),
        ),
        site_services.site_document_add(
            user=lurah,
            site=draft,
            kind="sk",
            title="SK pembentukan",
            file=SimpleUploadedFile("sk.pdf", PDF),
        ),
    ]
    w.links = [make_link(draft, rptra)]
    base = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    demo = Kawasan.objects.get(name=DEMO_NAME)
    w.kawasans = [base, demo]
    w.kawasan = base
    w.area_codes = (RAWA_BUNGA, KAMPUNG_MELAYU, "31.75.03", MENTENG)
    w.tokens = [
        api_services.token_create(user=user, name=f"Token {name}").token
        for name, user in users.items()
    ]
    w.dry_runs = [_dry_run_token(lurah)]
    return w


def _exports_for(user):
    """The user's own exports (built inline: Celery runs eagerly in tests)."""
    from django.db import transaction

    from exports.queue import export_create

    if user is None:
        return []
    with transaction.atomic():
        exports = [export_create(user=user, kind="sites", fmt="csv", params={})]
    for export in exports:
        export.refresh_from_db()
        assert export.status == "done", export.error
    return exports


class Tab:
    """One watched page of a role at one width: console errors, page errors, failed
    requests, requests to other hosts and requests in flight."""

    def __init__(self, browser, base_url, width, storage_state):
        self.base = base_url.rstrip("/") + "/"
        self.context = browser.new_context(
            **CONTEXTS[width],
            base_url=base_url,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            storage_state=storage_state,
        )
        self.height = CONTEXTS[width]["viewport"]["height"]
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route(lambda url: not url.startswith(self.base), self._refuse)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.in_flight = 0
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("console", self._console)
        self.page.on("request", self._started)
        self.page.on("requestfinished", self._finished)
        self.page.on("requestfailed", self._failed)

    def _refuse(self, route):
        self.outside.append(route.request.url)
        route.abort("blockedbyclient")

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def _started(self, request):
        self.in_flight += 1

    def _finished(self, request):
        self.in_flight -= 1

    def _failed(self, request):
        self.in_flight -= 1
        if request.url.startswith(self.base) and request.failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def open(self, path):
        """Load the page and wait until its fetches (outlines, map data) are done."""
        self.errors, self.outside = [], []
        response = self.page.goto(path, wait_until="load")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        quiet = 0
        while time.monotonic() < deadline and quiet < 2:
            self.page.wait_for_timeout(60)
            quiet = quiet + 1 if self.in_flight <= 0 else 0
        # Maps settled: the kawasan maps have spread their markers apart (data-laid-out) and
        # no zoom or cluster animation runs, so axe measures the targets a user would tap.
        try:
            self.page.wait_for_function(MAPS_SETTLED, timeout=TIMEOUT_MS)
        except PlaywrightError:
            self.errors.append("the maps did not settle (markers not laid out or still moving)")
        return response

    def close(self):
        self.context.close()


def _login_state(browser, base_url, username):
    if username == ANONYMOUS:
        return None
    context = browser.new_context(base_url=base_url, locale="id-ID")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()
    context.close()
    return state


def _fetch_all(context, world, walk, role) -> list[Fetched]:
    """Every path of every GET page, fetched with the role's session (no rendering).

    Once a name answers with data (JSON, GeoJSON, CSV, .xlsx), its other paths are left to
    the visibility matrix (tests/visibility), which fetches every one for eight personas:
    they are the same view with other ids or filters, and the open data's full lists are
    the slowest responses of the portal."""
    fetched = []
    for name, paths in GET_PAGES.items():
        for path in paths(world):
            walk.reached.add(name)
            response = context.request.get(path, headers={"Accept": HTML_ACCEPT})
            f = Fetched(
                name=name,
                path=path,
                status=response.status,
                content_type=response.headers.get("content-type", ""),
                url=response.url,
            )
            response.dispose()
            if f.status >= 500:
                walk.problem(role, None, path, f"server error {f.status}")
            fetched.append(f)
            if f.status == 200 and not f.is_html:
                break
    return fetched


def _to_render(fetched: list[Fetched], base_url: str) -> list[Fetched]:
    """The HTML pages, each final page once (the login page that anonymous users are sent
    to stands for every page that sends them there), the 403 and the 404 page once each."""
    pages, seen, statuses, per_name = [], set(), set(), {}
    for f in fetched:
        if not f.is_html or f.status >= 500:
            continue
        if f.status < 400 and per_name.get(f.name, 0) >= RENDER_PER_NAME:
            continue
        if f.status >= 400:
            if f.status in statuses:
                continue
            statuses.add(f.status)
        final = urlsplit(f.url)
        key = final.path if final.path.startswith("/accounts/login/") else f.url
        if key in seen:
            continue
        seen.add(key)
        if f.status < 400:
            per_name[f.name] = per_name.get(f.name, 0) + 1
        # Open the page where the redirects led (the login page with its ?next=).
        path = f.url.removeprefix(base_url.rstrip("/")) or "/"
        pages.append(Fetched(f.name, path, f.status, f.content_type, f.url))
    return pages


def _expected_console(text: str, status: int) -> bool:
    """The browser's own line about a 403/404 page that was asked for as such."""
    return status >= 400 and f"status of {status}" in text and "Failed to load resource" in text


def _cpu_seconds() -> float:
    """CPU time of this process and every process under it (the browser, its renderers, the
    Playwright driver): what the walk costs whatever else the machine is doing."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent, spent = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        spent[pid] = (int(fields[11]) + int(fields[12])) / ticks
    tree, total = {os.getpid()}, 0.0
    for pid in sorted(parent):
        p, chain = pid, []
        while p in parent and p not in tree and p > 1:
            chain.append(p)
            p = parent[p]
        if p in tree:
            tree.update(chain)
    for pid in tree:
        total += spent.get(pid, 0.0)
    return round(total, 1)


class Timer:
    """Seconds spent per phase of the walk (printed with the result: the budget is ~5 min)."""

    def __init__(self):
        self.spent: dict[str, float] = {}

    def __call__(self, phase, fn, *args):
        t0 = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.spent[phase] = self.spent.get(phase, 0.0) + time.monotonic() - t0


def _inspect(tab, page: Fetched, width, role, walk, axe_source, timer):
    """Overflow and axe on the page as it is now shown at `width`."""
    scroll, wide = timer("overflow", tab.page.evaluate, OVERFLOW, width)
    if scroll > width:
        walk.problem(role, width, page.path, f"{scroll} px wide (overflow: {', '.join(wide)})")
    if width not in AXE_WIDTHS:
        return
    # page.add_script_tag() would add an inline <script>, which the portal's CSP refuses
    # (script-src 'self' plus the request's nonce): the source is evaluated through the
    # DevTools protocol instead, which the page's CSP does not govern. Nothing is fetched.
    if not tab.page.evaluate("() => typeof window.axe === 'object'"):
        timer("axe-inject", tab.page.evaluate, axe_source)
    off = AXE_OFF.get(page.name, [])
    for v in timer("axe", tab.page.evaluate, AXE_RUN, [AXE_TAGS, AXE_RULES, off]):
        targets = "; ".join(v["targets"])
        walk.problem(
            role,
            width,
            page.path,
            f"axe {v['id']} ({v['impact']}, {v['count']}x): {v['help']} [{targets}]",
        )


def _visit(tab, page: Fetched, widths, role, walk, axe_source, timer, shoot=False):
    """Open the page at the tab's first width, then narrow the same page to the next ones
    (the layout answers a resize as it answers a load: media queries, Leaflet's invalidate),
    and report what its watchers saw."""
    if tab.page.viewport_size["width"] != widths[0]:
        tab.page.set_viewport_size({"width": widths[0], "height": tab.height})
    response = timer("load", tab.open, page.path)
    status = response.status if response is not None else 0
    if status != page.status:
        walk.problem(role, widths[0], page.path, f"answered {status}, fetched {page.status}")
    for i, width in enumerate(widths):
        if i:
            tab.page.set_viewport_size({"width": width, "height": tab.height})
            tab.page.wait_for_timeout(150)  # portal.js re-checks the scrolling tables
        _inspect(tab, page, width, role, walk, axe_source, timer)
        if shoot and width == SHOT_WIDTH:
            timer("screenshot", _screenshot, tab, role, page)
    for error in tab.errors:
        if not _expected_console(error, page.status):
            walk.problem(role, widths[0], page.path, error)
    for url in tab.outside:
        walk.problem(role, widths[0], page.path, f"request to another host: {url}")


def _screenshot(tab, role, page: Fetched):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = page.name.replace(":", "-").replace("kaltara-", "").replace("services-", "")
    tab.page.screenshot(path=str(SCREENSHOTS / f"walk-{role}-{name}.png"), full_page=True)


@pytest.fixture
def axe_source():
    if not AXE.is_file():
        reason = f"no {AXE.relative_to(ROOT)} (npm ci --no-audit --no-fund installs it)"
        if os.environ.get("KALTARA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"The page walk needs axe-core: {reason}.", pytrace=False)
        pytest.skip(f"page walk skipped: {reason}")
    return AXE.read_text(encoding="utf-8")


def test_every_page_of_every_role_fits_and_passes_axe(
    database_restored, browser, live_server, walk_world, axe_source
):
    base_url = live_server.url
    walk = Walk()
    started = time.monotonic()
    timer = Timer()
    for role in ROLES:
        t0 = time.monotonic()
        user = walk_world.users.get(role)
        walk_world.exports = _exports_for(user)
        state = _login_state(browser, base_url, role)
        phone = Tab(browser, base_url, PHONE_WIDTHS[0], state)
        desktop = Tab(browser, base_url, DESKTOP_WIDTH, state)
        try:
            fetched = timer("fetch", _fetch_all, desktop.context, walk_world, walk, role)
            pages = _to_render(fetched, base_url)
            walk.rendered[role] = len(pages)
            shot = set()
            for page in pages:
                shoot = page.name in MAIN_PAGES and page.status == 200 and page.name not in shot
                if shoot:
                    shot.add(page.name)
                _visit(phone, page, PHONE_WIDTHS, role, walk, axe_source, timer, shoot)
                _visit(desktop, page, [DESKTOP_WIDTH], role, walk, axe_source, timer)
        finally:
            phone.close()
            desktop.close()
        walk.timings[role] = round(time.monotonic() - t0, 1)
    walk.timings.update({k: round(v, 1) for k, v in timer.spent.items()})
    walk.timings["cpu"] = _cpu_seconds()
    walk.timings["total"] = round(time.monotonic() - started, 1)
    print(f"\npage walk: {json.dumps(walk.rendered)} pages, seconds {json.dumps(walk.timings)}")

    unreached = sorted(n for n in GET_PAGES if n not in walk.reached)
    assert not unreached, f"URL names that no role reached (give them real paths): {unreached}"
    assert all(walk.rendered.values()), walk.rendered
    assert not walk.problems, f"{len(walk.problems)} problems:\n" + "\n".join(walk.problems)
