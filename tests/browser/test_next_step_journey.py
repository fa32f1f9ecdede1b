"""The lurah of Rawa Bunga follows a next step from the dashboard to its end: "add a PATBM
site near the hub" opens the kawasan's page for the type, which first offers the PATBM
already registered within walking distance (in the next kelurahan, so not a member yet);
one tap, its score preview, and the lurah lands back on the kawasan's score with what it
gained ("+x poin: a → b", the numbers recomputed here around the action)."""

import re

from django.contrib.gis.geos import Point
from django.utils import timezone

from kawasan.models import Kawasan, Membership
from regions.selectors import kelurahan_at
from scoring import explain
from scoring import selectors as scoring_selectors
from sites.models import OperatingStatus, ReviewState, ServiceType, Site

from .conftest import JOURNEY_MARKS, expect
from .steps import assert_fits_width, assert_tappable

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
NEIGHBOUR_PATBM = "PATBM RW 01 (tetangga, uji peramban)"
GAIN = re.compile(r"^\+\d+(,\d)? poin: \d+(,\d)? → \d+(,\d)?$")


def _live_total(kawasan) -> float:
    return scoring_selectors.kawasan_explanation(kawasan)[0].total


def _neighbour_patbm(hub) -> Site:
    """A verified PATBM about 700 m from the hub, in the next kelurahan: not a member."""
    for dlat, dlon in [(0.0063, 0.0), (-0.0063, 0.0), (0.0, 0.0063), (0.0, -0.0063)]:
        point = Point(hub.location.x + dlon, hub.location.y + dlat, srid=4326)
        kelurahan = kelurahan_at(point)
        if kelurahan is not None and kelurahan.code != RAWA_BUNGA:
            site = Site.objects.create(
                name=NEIGHBOUR_PATBM,
                kelurahan=kelurahan,
                location=point,
                review_state=ReviewState.VERIFIED,
                verified_at=timezone.now(),
                operating_status=OperatingStatus.OPEN,
            )
            site.types.set([ServiceType.objects.get(code="patbm")])
            return site
    raise AssertionError("no neighbouring kelurahan within walking distance of the hub")


def test_a_lurah_adds_a_nearby_site_from_a_next_step_and_sees_the_gain(journey):
    kawasan = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True)
    patbm = _neighbour_patbm(kawasan.hub)
    page = journey.page("lurah.rawabunga")

    # Home: the kawasan's card and its next steps.
    page.locator("#kawasan-list tr", has_text=kawasan.name).get_by_role(
        "link", name="Rincian"
    ).click()
    before = _live_total(kawasan)
    expect(page.locator("#kawasan-score")).to_have_text(f"{before:.1f}".replace(".", ","))
    page.locator("#next-steps a", has_text="PATBM").click()

    # The kawasan's page for the type: what "near the hub" means, the PATBM nearby first.
    expect(page.locator("h1")).to_contain_text("PATBM")
    expect(page.locator("#near-hint")).to_contain_text("1000 m")
    row = page.locator("#nearby-existing li", has_text=NEIGHBOUR_PATBM)
    expect(row).to_contain_text(re.compile(r"\d+ m dari pusat"))
    expect(page.locator("#site-form")).to_be_visible()  # a new one can still be registered
    journey.screenshot(page, "next_step-add_type")
    # The same page on a phone: no sideways scroll, the one-tap add easy to hit.
    phone = journey.page("lurah.rawabunga", phone=True)
    phone.goto(page.url)
    expect(phone.locator("#nearby-existing li", has_text=NEIGHBOUR_PATBM)).to_be_visible()
    journey.wait_idle(phone)
    assert_fits_width(phone)
    assert_tappable(phone.get_by_role("link", name="Tambahkan ke kawasan"))
    journey.screenshot(phone, "next_step-add_type-phone")
    row.get_by_role("link", name="Tambahkan ke kawasan").click()

    # The member-add preview, then the confirmation.
    expect(page.locator("#preview-table")).to_be_visible()
    page.get_by_role("button", name="Ya, tambahkan").click()

    # Back on the kawasan's score, with what the new member changed.
    expect(page).to_have_url(re.compile(rf"/kawasan/{kawasan.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(f"{NEIGHBOUR_PATBM} ditambahkan ke kawasan.")
    assert Membership.objects.filter(kawasan=kawasan, site=patbm).exists()
    after = _live_total(kawasan)
    assert after > before
    gain = page.locator(".messages li", has_text=re.compile(r" poin: "))
    expect(gain).to_have_text(GAIN)
    expect(gain).to_have_text(
        f"+{explain.number(after - before)} poin: {explain.number(before)} → "
        f"{explain.number(after)}"
    )
    expect(page.locator("#kawasan-score")).to_have_text(f"{after:.1f}".replace(".", ","))
    journey.finish(page)
