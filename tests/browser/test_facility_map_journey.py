"""The provincial officer opens the facility map: the first view loads the province as
clusters counted on the server (well under 300 KB with the page), a click on a cluster
zooms in, and close up the sites themselves come, each with its page a click away."""

import json
import re

from sites.models import Site

from .conftest import JOURNEY_MARKS, SCREENSHOTS, expect

pytestmark = JOURNEY_MARKS

FIRST_VIEW_MAX_BYTES = 300_000


def _record(page):
    """Bytes of every answer from the portal: the page, its data requests, static files."""
    seen: list[tuple[str, str, int]] = []

    def on_response(response):
        if response.status == 304:  # nothing but headers
            seen.append((response.request.resource_type, response.url, 0))
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - an aborted request has no body: nothing came
            return
        seen.append((response.request.resource_type, response.url, len(body)))

    page.on("response", on_response)
    return seen


def _largest_cluster(page) -> int:
    """The index of the cluster with the most sites among those inside the map's frame (the
    padded view also draws some just outside it, hidden by the map's edge)."""
    return page.evaluate(
        """() => {
            const frame = document.getElementById("site-map").getBoundingClientRect();
            let best = -1, most = -1;
            document.querySelectorAll("#site-map .site-cluster").forEach((el, i) => {
                const r = el.getBoundingClientRect();
                const inside = r.left >= frame.left && r.right <= frame.right
                    && r.top >= frame.top && r.bottom <= frame.bottom;
                const n = parseInt(el.textContent.replace(/\\D/g, ""), 10);
                if (inside && n > most) { best = i; most = n; }
            });
            return best;
        }"""
    )


def _settled(page):
    page.wait_for_function(
        """() => { const el = document.getElementById("site-map");
                   return el.dataset.mode && !el.dataset.loading; }"""
    )
    page.wait_for_timeout(400)  # the debounce of a last moveend
    page.wait_for_function("() => !document.getElementById('site-map').dataset.loading")


def test_the_facility_map_loads_only_what_its_view_shows(journey):
    page = journey.page("provinsi")
    seen = _record(page)
    page.goto("/situs/peta/")
    the_map = page.locator("#site-map")
    expect(the_map).to_have_attribute("data-mode", "clusters")
    journey.wait_idle(page)

    # The first view: every site the officer may see, counted in clusters, not sent.
    visible = Site.objects.count()  # the provincial officer sees every site
    assert visible > 5_000
    expect(the_map).to_have_attribute("data-loaded", str(visible))
    first = [(kind, url, size) for kind, url, size in seen if kind in ("document", "fetch")]
    data = [size for _kind, url, size in first if "/situs/peta.geojson" in url]
    first_view = sum(size for _k, _u, size in first)
    with_static = sum(size for _k, _u, size in seen)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "facility-map-bytes.json").write_text(
        json.dumps(
            {"first_view": first_view, "with_static": with_static, "requests": first}, indent=1
        )
    )
    assert len(data) == 1, first
    assert first_view < FIRST_VIEW_MAX_BYTES, first
    journey.screenshot(page, "facility_map-first-view")

    # Clusters are labelled targets of at least 24 px, reachable by keyboard.
    clusters = page.locator("#site-map .site-cluster")
    assert clusters.count() >= 2
    box = clusters.first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    icon = page.locator("#site-map .leaflet-marker-icon", has=page.locator(".site-cluster"))
    expect(icon.first).to_have_attribute("tabindex", "0")
    expect(icon.first).to_have_attribute("title", re.compile(r"^\d+ situs"))
    expect(page.locator("#site-map-count")).to_contain_text("Situs di peta:")

    # A click on the largest cluster zooms in, until the sites themselves come.
    the_map.scroll_into_view_if_needed()
    for _ in range(8):
        if the_map.get_attribute("data-mode") == "points":
            break
        zoom = float(the_map.get_attribute("data-zoom"))
        largest = _largest_cluster(page)
        assert largest >= 0, "no cluster inside the map's frame"
        clusters.nth(largest).click()
        page.wait_for_function(
            "(before) => parseFloat(document.getElementById('site-map').dataset.zoom) > before",
            arg=zoom,
        )
        _settled(page)
    expect(the_map).to_have_attribute("data-mode", "points")
    expect(page.locator("#site-map .site-marker").first).to_be_visible()
    # A site on top of the others (sites of one campus overlap) inside the frame.
    index = page.evaluate(
        """() => Array.from(document.querySelectorAll("#site-map .site-marker")).findIndex((el) => {
            const r = el.getBoundingClientRect();
            const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return top !== null && (top === el || el.contains(top));
        })"""
    )
    assert index >= 0, "no site marker clear to click"
    page.locator("#site-map .site-marker").nth(index).click()
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_attribute("href", re.compile(r"^/situs/\d+/$"))
    journey.finish(page)
