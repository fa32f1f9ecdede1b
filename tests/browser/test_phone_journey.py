"""On a phone (390 x 844, touch), the lurah's dashboard and site form are usable: nothing
scrolls sideways, the key controls are visible and big enough to tap, and a site can be
placed on the map with a tap and saved."""

import re

from kawasan.models import Kawasan
from sites.models import Site

from .conftest import JOURNEY_MARKS, expect
from .steps import (
    SITE_FORM_MAP,
    assert_fits_width,
    assert_tappable,
    map_position,
    open_menu,
    spot_near,
)

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
NEW_SITE = "Posyandu Melati RW 05 (uji ponsel)"


def test_it_lets_a_lurah_use_the_dashboard_and_site_form_on_a_phone(journey):
    hub = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True).hub
    page = journey.page("lurah.rawabunga", phone=True)

    # The dashboard: navigation (behind the menu button), the kawasan table, the score and
    # the next steps.
    expect(page.locator("h1")).to_contain_text("Rawa Bunga")
    journey.wait_idle(page)
    assert_fits_width(page)
    assert_tappable(page.get_by_role("link", name="Kotak masuk"))
    assert_tappable(page.get_by_role("button", name="Menu"))
    nav = open_menu(page)
    for name in ("Beranda", "Situs layanan", "Kawasan"):
        assert_tappable(nav.get_by_role("link", name=name))
    assert_tappable(page.get_by_role("button", name="Keluar"))
    page.get_by_role("button", name="Menu").tap()
    expect(nav).to_be_hidden()
    details = page.locator("#kawasan-list").get_by_role("link", name="Rincian")
    assert details.count() >= 2
    assert_tappable(details.first)
    expect(page.locator("#kawasan-score")).to_have_text(re.compile(r"^\d+,\d$"))
    assert_tappable(page.locator("#kawasan-score"))
    steps = page.locator("#next-steps a")
    assert steps.count() >= 1
    for i in range(steps.count()):
        assert_tappable(steps.nth(i))
    assert_tappable(page.locator("#dash-map"))

    # The site form, reached by taps.
    open_menu(page).get_by_role("link", name="Situs layanan").tap()
    expect(page.locator("h1")).to_have_text("Situs layanan")
    assert_fits_width(page)
    page.get_by_role("link", name="Tambah situs").tap()
    expect(page.locator("h1")).to_have_text("Tambah situs")
    journey.wait_idle(page)
    assert_fits_width(page)
    name_input = page.get_by_label("Nama")
    assert_tappable(name_input)
    name_input.fill(NEW_SITE)
    posyandu = page.locator(".checks label", has_text=re.compile(r"^\s*Posyandu\s*$"))
    assert_tappable(posyandu)
    posyandu.tap()
    expect(page.get_by_label("Posyandu", exact=True)).to_be_checked()
    the_map = page.locator("#id_location-map")
    assert_tappable(the_map)
    box = the_map.bounding_box()
    assert box["height"] >= 250, f"the map is too small to tap a point on: {box}"
    for label in ("Lintang", "Bujur"):
        assert_tappable(page.get_by_label(label))

    # A tap on the map places the point; the coordinates follow.
    lat, lon = spot_near(hub, RAWA_BUNGA)
    the_map.tap(position=map_position(page, SITE_FORM_MAP, lat, lon))
    expect(page.get_by_label("Lintang")).to_have_value(re.compile(r"^-6\.\d+$"))
    assert abs(float(page.get_by_label("Lintang").input_value()) - lat) < 0.0002
    assert abs(float(page.get_by_label("Bujur").input_value()) - lon) < 0.0002
    save = page.get_by_role("button", name="Simpan")
    assert_tappable(save)
    save.tap()

    expect(page.locator(".messages")).to_contain_text(f"Situs {NEW_SITE} disimpan.")
    expect(page.locator("h1")).to_have_text(NEW_SITE)
    assert Site.objects.filter(name=NEW_SITE, kelurahan_id=RAWA_BUNGA).exists()
    journey.wait_idle(page)
    assert_fits_width(page)
    assert_tappable(page.get_by_role("link", name="Isi daftar periksa"))
    journey.finish(page)
