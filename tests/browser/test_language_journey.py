"""An official's English-locale phone gets the Indonesian portal; choosing English is kept on
the account (another phone signs in to English); in Indonesian the map picker's toolbar and
the score map's numbers are Indonesian too; the reports print one A4 sheet per kawasan."""

import re

from .conftest import DEMO_PASSWORD, JOURNEY_MARKS, expect
from .steps import open_menu

pytestmark = JOURNEY_MARKS

ENGLISH_PHONE = {"Accept-Language": "en-US,en;q=0.9"}


def _sign_in(page, username):
    # By the inputs' ids: the labels are in the language the page happens to be in.
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button.primary").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_an_english_phone_gets_indonesian_until_the_user_chooses(journey):
    phone = journey.blank_page(phone=True)
    phone.set_extra_http_headers(ENGLISH_PHONE)

    # First visit: the login page and the dashboard in Indonesian.
    phone.goto("/accounts/login/")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    expect(phone.locator("h1")).to_have_text("Masuk ke Portal Kaltara")
    _sign_in(phone, "lurah.rawabunga")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    open_menu(phone)
    expect(phone.get_by_role("button", name="Keluar")).to_be_visible()

    # The site form's map picker speaks Indonesian; its default marker's image loads.
    phone.goto("/situs/baru/")
    journey.wait_idle(phone)
    expect(phone.locator(".leaflet-draw-draw-marker")).to_have_attribute(
        "title", "Tempatkan titik lokasi"
    )
    the_map = phone.locator("#id_location-map")
    the_map.scroll_into_view_if_needed()
    box = the_map.bounding_box()
    the_map.tap(position={"x": box["width"] / 2, "y": box["height"] / 2})
    marker = phone.locator("img.leaflet-marker-icon")
    expect(marker).to_have_count(1)
    assert marker.evaluate("img => img.complete && img.naturalWidth > 0")

    # The lurah chooses English (in the menu): kept on the account.
    open_menu(phone)
    phone.select_option("#lang-select", "en")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    open_menu(phone)
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    expect(phone.locator(".leaflet-draw-draw-marker")).to_have_attribute("title", "Draw a marker")

    # Another phone (Indonesian, no cookie): the login page is Indonesian, the portal English.
    other = journey.blank_page(phone=True)
    other.goto("/accounts/login/")
    expect(other.locator("html")).to_have_attribute("lang", "id")
    _sign_in(other, "lurah.rawabunga")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    open_menu(other)
    expect(other.get_by_role("button", name="Sign out")).to_be_visible()
    # Signed out, that phone's login page keeps the choice.
    other.get_by_role("button", name="Sign out").click()
    expect(other.locator("html")).to_have_attribute("lang", "en")
    journey.finish(other)


def test_the_score_map_and_the_reports_in_indonesian(journey):
    page = journey.page("provinsi")
    page.goto("/peringkat/peta/")
    journey.wait_idle(page)
    the_map = page.locator("#choropleth")
    box = the_map.bounding_box()
    tooltips = []
    for dx, dy in ((0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.4, 0.4), (0.6, 0.6)):
        page.mouse.move(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        page.wait_for_timeout(300)
        tip = page.locator(".leaflet-tooltip")
        if tip.count():
            tooltips.append(tip.first.inner_text())
    scored = [t for t in tooltips if "Skor" in t]
    assert scored, f"no score tooltip under the mouse: {tooltips}"
    assert all(re.search(r"Skor \d+,\d ", t) for t in scored), scored

    # The reports of a kecamatan: one A4 sheet per kawasan, without the portal's header, and
    # the sheet that explains the score (components, weights, bands) at the end.
    page.goto("/laporan/wilayah/31.75.03/")
    journey.wait_idle(page)
    kawasan = page.locator(".report-page").count()
    assert kawasan >= 2
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    sheets = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    explained = page.locator("#report-explained").count()
    assert explained == 1
    assert sheets == kawasan + explained, f"{sheets} A4 sheets for {kawasan} kawasan"
    page.emulate_media(media="screen")

    # No 404 for the icon browsers ask for on their own.
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml"), icon.status
    journey.finish(page)
