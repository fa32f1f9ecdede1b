"""The API docs page in a real browser: Swagger UI from our static files runs under the
portal's Content Security Policy (a violation is a console error, which fails the journey),
reads the OpenAPI document with the session and asks no other host."""

import leaflet
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.conftest import DEMO_PASSWORD, JOURNEY_MARKS, Journey, browser  # noqa: F401
from tests.conftest import make_user

pytestmark = JOURNEY_MARKS


def test_the_docs_page_runs_under_the_csp(
    database_restored,
    browser,  # noqa: F811
    live_server,
    settings,
    monkeypatch,
):
    # The dashboard after signing in draws vectors only: no tile request leaves the machine.
    settings.KALTARA_TILE_URL = ""
    monkeypatch.setitem(leaflet.app_settings, "TILES", [])
    user = make_user("provinsi.api", Role.PROVINSI, "31")
    user.set_password(DEMO_PASSWORD)
    user.save()
    journey = Journey(browser, live_server.url, "api-docs")
    try:
        page = journey.page("provinsi.api")
        page.goto("/api/v1/docs/")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("API baca Portal Kaltara")
        # The operations come from the schema the page fetched with the session.
        expect(page.locator("#operations-sites-sites_list")).to_be_visible()
        page.locator("#operations-sites-sites_list .opblock-summary").click()
        expect(page.locator("#operations-sites-sites_list .parameters")).to_contain_text("region")
        journey.finish(page)
    finally:
        journey.close()
