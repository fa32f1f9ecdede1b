"""The API's pages in a real browser (headless Chromium, as tests/browser): the docs page's
Swagger UI from our static files runs under the portal's Content Security Policy (a violation
is a console error, which fails the journey) and reads the schema with the session; the token
page works on a phone: a token made, its secret shown once, used, revoked. No other host."""

import re

import leaflet
import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from regions.models import Region
from tests.browser.conftest import (  # noqa: F401  (browser: the module's Chromium)
    DEMO_PASSWORD,
    JOURNEY_MARKS,
    PHONE,
    Journey,
    browser,
)
from tests.browser.steps import assert_fits_width
from tests.conftest import make_user

pytestmark = JOURNEY_MARKS


@pytest.fixture
def journey(request, database_restored, browser, live_server, settings, monkeypatch):  # noqa: F811
    # The dashboard after signing in draws vectors only: no tile request leaves the machine.
    settings.KALTARA_TILE_URL = ""
    monkeypatch.setitem(leaflet.app_settings, "TILES", [])
    if not Region.objects.exists():  # flushed by the journey before
        call_command("load_regions", str(settings.KALTARA_DATA_DIR), verbosity=0)
    user = make_user("provinsi.api", Role.PROVINSI, "31")
    user.set_password(DEMO_PASSWORD)
    user.save()
    # Screenshots: artifacts/screenshots/api-<test>.png
    j = Journey(browser, live_server.url, "api-" + request.node.name.removeprefix("test_"))
    yield j
    j.close()


def test_the_docs_page_runs_under_the_csp(journey):
    page = journey.page("provinsi.api")
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API baca Portal Kaltara")
    # The operations come from the schema the page fetched with the session.
    expect(page.locator("#operations-sites-sites_list")).to_be_visible()
    page.locator("#operations-sites-sites_list .opblock-summary").click()
    expect(page.locator("#operations-sites-sites_list .parameters")).to_contain_text("region")
    journey.finish(page)


def test_a_token_is_made_used_and_revoked_on_a_phone(journey, live_server):
    page = journey.page("provinsi.api", phone=True)
    page.goto("/akun/token/")
    page.get_by_label("Nama token").fill("Skrip laporan")
    page.get_by_role("button", name="Buat token").click()
    secret = page.locator("#token-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", secret)
    assert_fits_width(page)  # the secret wraps: no sideways scroll at phone width
    api = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert api.get("/api/v1/sites/", **bearer).status_code == 200
    page.goto("/akun/token/")
    expect(page.locator("#token-secret")).to_have_count(0)  # shown once only
    page.get_by_role("link", name="Cabut").click()
    page.get_by_role("button", name="Ya, cabut token").click()
    expect(page.locator(".messages")).to_contain_text("dicabut")
    assert_fits_width(page)
    assert api.get("/api/v1/sites/", **bearer).status_code == 401
    journey.finish(page)
