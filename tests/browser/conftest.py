"""Browser journeys: Debian's headless Chromium, driven by Playwright, against the live server
with the real Jakarta data seeded as `make run` seeds it.

Each journey is a transactional test (the live server answers from its own connection on
PostGIS, so the data must be committed). Django flushes every table after such a test, so
each journey seeds its own database (about 4 s) and this folder's teardown puts back what
the other test modules rely on: the migrations' data and the regions.

No request leaves the machine: maps draw without tiles, and a request to any other host
fails the journey. So does a page error or a console error (a Content Security Policy
violation is one). Each journey saves a screenshot of its last page to
artifacts/screenshots/<journey>.png, and of every page it had open to
<journey>-failed-<n>.png when it fails.

Without Chromium the journeys skip, or fail where KALTARA_REQUIRE_BROWSER=1 (CI).
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture says so (skip, or fail where required)
    expect = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("KALTARA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "kaltara-demo"  # noqa: S105 - accounts.demo.DEMO_PASSWORD
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# Steps and expectations wait at most this long (the first score map of a run computes the
# outlines of all 267 kelurahan, which takes seconds on a busy machine).
TIMEOUT_MS = 20_000
if expect is not None:
    expect.set_options(timeout=TIMEOUT_MS)

# Every journey is transactional (see above) and selectable with -m browser.
JOURNEY_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _unavailable(reason: str):
    if os.environ.get("KALTARA_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"Browser journeys required (KALTARA_REQUIRE_BROWSER=1) but {reason}. Install "
            "Debian's chromium (bash scripts/system-deps.sh --browser) and playwright "
            "(pip install -e '.[dev]'), or set KALTARA_CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    pytest.skip(f"browser journeys skipped: {reason}")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one module's journeys (each journey opens fresh contexts).

    Playwright's sync API keeps an event loop marked as running in this thread while it is
    started. Django takes that for an async context: it refuses ORM calls, and it keeps
    this thread's database connections apart from those of sync code (asgiref's Local), so
    the tests, the test-case setup and its flush would use a second connection, one without
    the serialized data of serialized_rollback. So, while the browser is open, this thread
    keeps its own connections and may use them (the tests are plain synchronous code); the
    browser closes with the module, so later modules run with Django's check in force.
    """
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        own = {alias: connections[alias] for alias in connections}
        playwright = sync_playwright().start()
        for alias, wrapper in own.items():
            connections[alias] = wrapper  # stored where the "async" lookup finds it
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
            )
        except Error as exc:
            playwright.stop()
            reason = exc.message.splitlines()[0]
            _unavailable(f"Chromium at {CHROMIUM} did not start ({reason})")
        yield chromium
        chromium.close()
        playwright.stop()


@pytest.fixture
def jakarta(settings, monkeypatch):
    """The real Jakarta data as `make run` leaves it: regions, the imported sites and their
    base kawasan, the demo users, demo kawasan and demo reviews, and stored scores."""
    import leaflet

    from demo.kawasan import demo_kawasan_create
    from demo.sites import demo_reviews_create
    from demo.users import demo_users_create
    from regions.models import Region
    from scoring.services import DRAIN_SCHEDULED_KEY, scores_recompute
    from tests.realdata import real_sites_import

    # Maps draw vectors only: no tile request leaves the machine.
    settings.KALTARA_TILE_URL = ""
    monkeypatch.setitem(leaflet.app_settings, "TILES", [])

    # Left by another test in the cache (Redis in CI's PostGIS run), it would hold back the
    # recompute that scores a journey's change.
    cache.delete(DRAIN_SCHEDULED_KEY)
    if not Region.objects.exists():  # flushed by an earlier journey
        call_command("load_regions", str(settings.KALTARA_DATA_DIR), verbosity=0)
    real_sites_import()
    demo_users_create()
    demo_kawasan_create()
    demo_reviews_create()
    scores_recompute()
    yield
    cache.delete(DRAIN_SCHEDULED_KEY)


class Journey:
    """Pages for the demo personas, each logged in once through the login form (later pages
    of the same persona reuse its storage state), watched for errors and outside requests."""

    def __init__(self, browser, base_url: str, name: str):
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.contexts = []
        self.pages = []
        self._states: dict[str, dict] = {}

    def page(self, username: str, *, phone: bool = False):
        """A new page (own context) signed in as the demo user `username`."""
        page = self.blank_page(phone=phone, storage_state=self._states.get(username))
        if username not in self._states:
            self._login(page, username)
            self._states[username] = page.context.storage_state()
        return page

    def blank_page(self, *, phone: bool = False, storage_state=None):
        """A new watched page in its own context, signed in to nothing (or to storage_state)."""
        context = self.browser.new_context(
            **(PHONE if phone else DESKTOP),
            base_url=self.base_url,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            accept_downloads=True,
            storage_state=storage_state,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route(lambda url: not url.startswith(self.base_url + "/"), self._refuse)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: self._console(msg))
        page.on("requestfailed", lambda req: self._failed(req))
        page.on("response", lambda resp: self._response(resp))
        self.pages.append(page)
        return page

    def _login(self, page, username):
        page.goto("/accounts/login/")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # In the header's tools: folded behind the "Menu" button on a phone, so present, not
        # necessarily visible.
        assert page.locator(".who").count() == 1, f"{username} did not get signed in"

    def _refuse(self, route):
        self.outside.append(route.request.url)
        route.abort("blockedbyclient")

    def _console(self, msg):
        if msg.type == "error":
            where = msg.location.get("url", "")
            self.errors.append(f"console error: {msg.text} ({where})")

    def _failed(self, request):
        # ERR_ABORTED: the page went on (a link followed, a download started) before the
        # request finished, as browsers do.
        if request.url.startswith(self.base_url + "/") and request.failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 500:
            self.errors.append(f"server error {response.status}: {response.url}")

    def wait_idle(self, page):
        """The page and its fetches (outlines, map data) are done."""
        page.wait_for_load_state("networkidle")

    def finish(self, page):
        """Save the journey's last page and fail on any error seen along the way."""
        self.wait_idle(page)
        self.screenshot(page, self.name)
        self.assert_clean()

    def screenshot(self, page, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def assert_clean(self):
        assert not self.outside, f"requests to other hosts: {self.outside}"
        assert not self.errors, "errors in the browser:\n" + "\n".join(self.errors)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


@pytest.fixture
def journey(request, database_restored, browser, live_server, jakarta):
    """The journey of one test, named after its module (test_lurah_journey.py -> lurah)."""
    name = request.node.module.__name__.rsplit(".", 1)[-1]
    name = name.removeprefix("test_").removesuffix("_journey")
    for old in [SCREENSHOTS / f"{name}.png", *SCREENSHOTS.glob(f"{name}-failed-*.png")]:
        old.unlink(missing_ok=True)  # from an earlier run
    j = Journey(browser, live_server.url, name)
    yield j
    if getattr(request.node, "journey_failed", False):
        # Every page the journey had open, as it was when the test failed.
        for i, page in enumerate(j.pages, start=1):
            # A page that cannot be captured any more: the failure itself is what matters.
            with contextlib.suppress(Exception):
                j.screenshot(page, f"{name}-failed-{i}")
    j.close()
