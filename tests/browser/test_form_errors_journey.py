"""On a phone (390 x 844), a point outside the lurah's kelurahan is caught twice: the page says
so beside the map as soon as the point is tapped, and a save anyway is refused with an error
summary in the first screen (focused, each error a link to its field) and the map showing
the point and the kelurahan's outline together, with a metric scale bar that tells true."""

import re

from django.contrib.gis.geos import Point
from django.urls import reverse

from kawasan.models import Kawasan
from regions.models import Region
from regions.selectors import kelurahan_at
from sites.models import Site

from .conftest import JOURNEY_MARKS, expect
from .steps import SITE_FORM_MAP, assert_fits_width, map_position, spot_near

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
NEW_SITE = "Posyandu Kenanga (uji titik di luar)"
OUTSIDE = "Titik di luar Kelurahan Rawa Bunga: pilih titik di dalam garis batas."
INSIDE = "Titik di dalam Kelurahan Rawa Bunga."


def _spot_outside_on_screen(page) -> tuple[float, float]:
    """A point of the map's view, clear of its controls, in another kelurahan of Jakarta."""
    south, west, north, east = page.evaluate(
        f"""() => {{
            const b = window["{SITE_FORM_MAP}"].getBounds();
            return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()];
        }}"""
    )
    for fy in (0.3, 0.5, 0.7, 0.2, 0.8):
        for fx in (0.85, 0.7, 0.5, 0.35):
            lat, lon = south + fy * (north - south), west + fx * (east - west)
            region = kelurahan_at(Point(lon, lat, srid=4326))
            if region is not None and region.code != RAWA_BUNGA:
                return lat, lon
    raise AssertionError("no point of another kelurahan in the map's view")


def _wait_until_shown(page, point, extent):
    """The map's view holds the point and the whole extent (the outline's box), soon."""
    (lat, lon), (xmin, ymin, xmax, ymax) = point, extent
    page.wait_for_function(
        f"""([lat, lon, xmin, ymin, xmax, ymax]) => {{
            const b = window["{SITE_FORM_MAP}"].getBounds();
            return b.contains([lat, lon]) && b.contains([[ymin, xmin], [ymax, xmax]]);
        }}""",
        arg=[lat, lon, xmin, ymin, xmax, ymax],
    )


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_point_outside_the_kelurahan_is_said_at_once_and_a_save_is_refused_legibly(journey):
    hub = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True).hub
    xmin, ymin, xmax, ymax = Region.objects.get(code=RAWA_BUNGA).boundary.extent
    page = journey.page("lurah.rawabunga", phone=True)
    page.goto(reverse("services:site_create"))
    expect(page.locator("h1")).to_have_text("Tambah situs")
    journey.wait_idle(page)
    the_map = page.locator("#id_location-map")
    check = page.locator("#location-check")
    lat_input, lon_input = page.get_by_label("Lintang"), page.get_by_label("Bujur")

    page.get_by_label("Nama").fill(NEW_SITE)
    page.locator(".checks label", has_text=re.compile(r"^\s*Posyandu\s*$")).tap()

    # Typed coordinates (the keyboard way) move the marker and are checked at once.
    lat, lon = spot_near(hub, RAWA_BUNGA)
    lat_input.fill(f"{lat:.7f}")
    lon_input.fill(f"{lon:.7f}")
    lon_input.blur()  # leaving the field commits it ("change"), as a keyboard user does
    expect(check).to_have_text(INSIDE)
    expect(lat_input).not_to_have_attribute("aria-invalid", "true")
    marker = page.evaluate(
        """() => {
            const c = JSON.parse(document.getElementById("id_location").value).coordinates;
            return [c[1], c[0]];
        }"""
    )
    assert abs(marker[0] - lat) < 1e-6 and abs(marker[1] - lon) < 1e-6

    # Back to the whole kelurahan and around it, then a tap outside its outline: said
    # beside the map.
    page.evaluate(
        f"""([xmin, ymin, xmax, ymax]) => {{
            const map = window["{SITE_FORM_MAP}"];
            map.fitBounds([[ymin, xmin], [ymax, xmax]], {{ animate: false }});
            map.setZoom(map.getZoom() - 1, {{ animate: false }});
        }}""",
        [xmin, ymin, xmax, ymax],
    )
    out_lat, out_lon = _spot_outside_on_screen(page)
    the_map.tap(position=map_position(page, SITE_FORM_MAP, out_lat, out_lon))
    expect(check).to_have_text(OUTSIDE)
    expect(check).to_have_attribute("aria-live", "polite")
    for coordinate in (lat_input, lon_input):
        expect(coordinate).to_have_attribute("aria-invalid", "true")
        expect(coordinate).to_have_attribute("aria-describedby", re.compile(r"\blocation-check\b"))
    assert abs(float(lat_input.input_value()) - out_lat) < 0.0002

    # Saved anyway: refused by the server, which stays the authority.
    page.get_by_role("button", name="Simpan").tap()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("Periksa isian berikut")
    expect(summary).to_contain_text("Lokasi: titik berada di luar wilayah tugas Anda")
    assert _in_view(page, summary), "the error summary is not in the first screen"
    expect(summary).to_be_focused()
    assert not Site.objects.filter(name=NEW_SITE).exists()
    journey.wait_idle(page)
    assert_fits_width(page)

    # The map shows the point and the kelurahan's outline together; the check says outside.
    expect(check).to_have_text(OUTSIDE)
    _wait_until_shown(page, (out_lat, out_lon), (xmin, ymin, xmax, ymax))

    # One scale bar, metric only, and true: its bar is as long on the map as its label says.
    scale = the_map.locator(".leaflet-control-scale-line")
    expect(scale).to_have_count(1)
    label = scale.inner_text()
    match = re.fullmatch(r"(\d+) (m|km)", label.strip())
    assert match, f"not a metric scale: {label!r}"
    metres = int(match[1]) * (1000 if match[2] == "km" else 1)
    measured = scale.evaluate(
        f"""(el) => {{
            const map = window["{SITE_FORM_MAP}"];
            const w = el.getBoundingClientRect().width;
            const y = map.getSize().y / 2;
            return map.distance(map.containerPointToLatLng([0, y]),
                                map.containerPointToLatLng([w, y]));
        }}"""
    )
    assert abs(measured - metres) / metres < 0.1, f"the bar is {measured:.0f} m, says {label}"

    # The summary's link leads to the map, with the field in view.
    summary.get_by_role("link", name=re.compile("^Lokasi: ")).tap()
    expect(the_map).to_be_focused()
    assert _in_view(page, page.locator(".form-map label[for=id_location]"))
    expect(the_map).to_have_attribute("aria-describedby", re.compile(r"\bid_location_error\b"))

    # Editing a site: no summary, the point said inside, the map on the point and its outline.
    page.goto(reverse("services:site_edit", args=[hub.pk]))
    expect(page.locator("h1")).to_have_text("Ubah situs")
    expect(check).to_have_text(INSIDE)
    expect(page.locator("#error-summary")).to_have_count(0)
    _wait_until_shown(page, (hub.location.y, hub.location.x), (xmin, ymin, xmax, ymax))
    journey.finish(page)
