"""Steps shared by the journeys: where to click on a map, and what "usable on a phone" means."""

from django.contrib.gis.geos import Point

from regions.selectors import kelurahan_at

# The site form's map, as django-leaflet exposes it (LEAFLET_CONFIG NO_GLOBALS False).
SITE_FORM_MAP = "leafletmapid_location-map"


def spot_near(site, kelurahan_code: str) -> tuple[float, float]:
    """A point about 150 m from `site`, inside the kelurahan (where the lurah may add sites)."""
    for dlat, dlon in [(0.0013, 0.0), (-0.0013, 0.0), (0.0, 0.0013), (0.0, -0.0013)]:
        lat, lon = site.location.y + dlat, site.location.x + dlon
        region = kelurahan_at(Point(lon, lat, srid=4326))
        if region is not None and region.code == kelurahan_code:
            return lat, lon
    raise AssertionError(f"no spot inside {kelurahan_code} near {site.name}")


def map_position(page, map_global: str, lat: float, lon: float) -> dict:
    """Where (lat, lon) is on the map's element, for click(position=...) or tap(position=...)."""
    x, y = page.evaluate(
        """([name, lat, lon]) => {
            const p = window[name].latLngToContainerPoint([lat, lon]);
            return [p.x, p.y];
        }""",
        [map_global, lat, lon],
    )
    return {"x": x, "y": y}


def open_menu(page):
    """On a phone the navigation and tools fold behind the header's "Menu" button: open it.

    After the page's load event: a click before static/js/menu.js has run does nothing (the
    language journey failed so once in CI, clicking just after the page came back in English).
    """
    page.wait_for_load_state("load")
    button = page.locator(".menu-toggle")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    return page.get_by_role("navigation", name="Navigasi utama")


def assert_fits_width(page):
    """Nothing makes the page scroll sideways (wide tables scroll inside their own box).

    Measured against the width the page was given: on a phone (is_mobile) Chromium widens
    the layout viewport, and so window.innerWidth, to a page that is too wide.

    After the page's load event: a layout read before its stylesheets arrive measures the
    page unstyled (the token page's table, not yet in its scrolling box, failed so about
    one run in three)."""
    page.wait_for_load_state("load")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    width = page.viewport_size["width"]
    assert scroll <= width, f"{page.url}: {scroll} px wide in a {width} px viewport"


# WCAG 2.2 success criterion 2.5.8 on one target: at least 24 x 24, or, when smaller, a
# 24 px circle centred on it touches no other target (and no other small target's circle).
TARGET_SIZE_OK = """(el) => {
    const R = 12;
    const rect = el.getBoundingClientRect();
    const centre = (r) => [r.x + r.width / 2, r.y + r.height / 2];
    const small = (r) => r.width < 2 * R || r.height < 2 * R;
    if (!small(rect)) { return true; }
    const [cx, cy] = centre(rect);
    const others = document.querySelectorAll(
        "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]");
    for (const other of others) {
        if (other === el || other.contains(el) || el.contains(other)) { continue; }
        if (el.control === other || other.control === el) { continue; }
        for (const r of other.getClientRects()) {
            if (r.width === 0 || r.height === 0) { continue; }
            const dx = Math.max(r.x - cx, 0, cx - (r.x + r.width));
            const dy = Math.max(r.y - cy, 0, cy - (r.y + r.height));
            if (Math.hypot(dx, dy) < R) { return false; }
            const [ox, oy] = centre(r);
            if (small(r) && Math.hypot(ox - cx, oy - cy) < 2 * R) { return false; }
        }
    }
    return true;
}"""

# Nothing else is drawn over the middle of the target.
ON_TOP = """(el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return hit !== null && (el === hit || el.contains(hit) || hit.contains(el)
        || (el.control !== undefined && el.control === hit));
}"""


def assert_tappable(locator):
    """Visible, inside the viewport's width, big or spaced enough for a finger, not covered."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    width = locator.page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{locator} is off screen: {box}"
    assert locator.evaluate(TARGET_SIZE_OK), f"{locator} is too small to tap: {box}"
    assert locator.evaluate(ON_TOP), f"{locator} is covered by another element"
