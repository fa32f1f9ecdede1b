"""The lurah of Rawa Bunga follows a next step from the dashboard to its end: the link form
opens with the other end chosen and a kind suggested, and saving it lands back on the
kawasan's score with what it gained ("+x poin: a → b", the numbers recomputed here)."""

import re

from kawasan.models import Kawasan
from scoring import explain
from scoring import selectors as scoring_selectors
from sites.models import Site, SiteLink

from .conftest import JOURNEY_MARKS, expect

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
GAIN = re.compile(r"\+\d+(,\d)? poin: \d+(,\d)? → \d+(,\d)?")


def _live_total(kawasan) -> float:
    return scoring_selectors.kawasan_explanation(kawasan)[0].total


def test_a_lurah_follows_a_link_step_and_sees_the_gain_on_the_score(journey):
    kawasan = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    page = journey.page("lurah.rawabunga")

    # Home: the kawasan's card, its next steps.
    page.locator("#kawasan-list tr", has_text=kawasan.name).get_by_role(
        "link", name="Rincian"
    ).click()
    step = page.locator("#next-steps a", has_text=re.compile(r"^Hubungkan ")).first
    expect(step).to_be_visible()
    before = _live_total(kawasan)
    links_before = SiteLink.objects.count()
    step.click()

    # The link form: the other end already chosen, a kind suggested, the way back carried.
    expect(page.locator("h1")).to_contain_text("Hubungkan")
    assert "kembali=" in page.url and "dengan=" in page.url
    chosen = page.locator("ul.candidates input[name=other]:checked")
    expect(chosen).to_have_count(1)
    other = Site.objects.get(pk=int(chosen.get_attribute("value")))
    assert page.url.split("dengan=")[1].split("&")[0] == str(other.pk)
    expect(page.get_by_label("Jenis keterhubungan")).not_to_have_value("")
    page.get_by_role("button", name="Simpan keterhubungan").click()

    # Back on the kawasan's score, with what the link changed.
    expect(page.locator(".messages")).to_contain_text("Keterhubungan disimpan.")
    assert SiteLink.objects.count() == links_before + 1
    after = _live_total(kawasan)
    assert after > before
    expect(page).to_have_url(re.compile(rf"/kawasan/{kawasan.pk}/$"))
    message = page.locator(".messages li", has_text=GAIN)
    expect(message).to_have_count(1)
    expected = (
        f"+{explain.number(after - before)} poin: {explain.number(before)} → "
        f"{explain.number(after)}"
    ).replace(".", ",")
    expect(message).to_have_text(expected)
    expect(page.locator("#kawasan-score")).to_have_text(f"{after:.1f}".replace(".", ","))
    journey.finish(page)
