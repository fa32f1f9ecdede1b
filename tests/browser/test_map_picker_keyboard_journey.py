"""The map picker's keyboard alternative: a lurah places a new site with the keyboard alone,
tabbing from the form's fields past the map to the labelled latitude and longitude fields,
typing the coordinates (the map's point follows them) and saving with Enter."""

import json
import re

from django.urls import reverse

from kawasan.models import Kawasan
from sites.models import Site

from .conftest import JOURNEY_MARKS, expect
from .steps import spot_near

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
NEW_SITE = "Posyandu Kenanga (uji papan ketik)"
FOCUSED_ID = "() => document.activeElement ? document.activeElement.id : ''"


def _tab_to(page, element_id: str, limit: int = 40) -> int:
    """Press Tab until the element with `element_id` has the focus; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_ID) == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached with {limit} presses of Tab")


def test_it_lets_a_lurah_place_a_site_by_typing_its_coordinates(journey):
    hub = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True).hub
    lat, lon = spot_near(hub, RAWA_BUNGA)
    page = journey.page("lurah.rawabunga")
    page.goto(reverse("services:site_create"))
    expect(page.locator("h1")).to_have_text("Tambah situs")
    journey.wait_idle(page)

    # The fields are labelled, and both are told that typing is the map's alternative.
    latitude, longitude = page.get_by_label("Lintang"), page.get_by_label("Bujur")
    for field in (latitude, longitude):
        expect(field).to_have_attribute("aria-describedby", "location-help")
    expect(page.locator("#location-help")).to_contain_text("isi lintang dan bujur")

    page.get_by_label("Nama").focus()
    page.keyboard.type(NEW_SITE)
    posyandu = page.get_by_label("Posyandu", exact=True)
    _tab_to(page, posyandu.get_attribute("id"))
    page.keyboard.press("Space")
    expect(posyandu).to_be_checked()

    # From the last field before the map, Tab leads past the map to the coordinates.
    page.get_by_label("Status operasional").focus()
    _tab_to(page, "id_latitude")
    page.keyboard.type(f"{lat:.6f}")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_ID) == "id_longitude"
    page.keyboard.type(f"{lon:.6f}")
    page.keyboard.press("Tab")  # "change": the map's point follows the fields

    point = json.loads(page.locator("#id_location").input_value())
    assert point["type"] == "Point"
    assert abs(point["coordinates"][0] - lon) < 1e-6 and abs(point["coordinates"][1] - lat) < 1e-6
    expect(page.locator("#id_location-map .leaflet-marker-icon")).to_have_count(1)

    longitude.focus()
    page.keyboard.press("Enter")  # submits the form, as Enter in a text field does
    expect(page.locator(".messages")).to_contain_text(f"Situs {NEW_SITE} disimpan.")
    expect(page.locator("h1")).to_have_text(NEW_SITE)
    site = Site.objects.get(name=NEW_SITE)
    assert abs(site.location.y - lat) < 1e-6 and abs(site.location.x - lon) < 1e-6
    assert [t.code for t in site.types.all()] == ["posyandu"]
    assert re.search(r"/situs/\d+/$", page.url)
    journey.finish(page)
