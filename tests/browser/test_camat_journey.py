"""The camat of Jatinegara sorts the kelurahan comparison on the home page, opens the kawasan
list on the kecamatan, opens Rawa Bunga's base kawasan (score, band, next steps, legible
markers), previews and confirms adding the nearest candidate, then removes it and takes the
removal back."""

import re

from kawasan.models import Kawasan
from scoring.models import KawasanScore
from sites.models import Site

from .conftest import JOURNEY_MARKS, expect
from .steps import assert_fits_width, assert_tappable

pytestmark = JOURNEY_MARKS

JATINEGARA = "31.75.03"
RAWA_BUNGA = "31.75.03.1004"

# Every marker's label fits inside its circle and no two markers overlap, at the zoom the
# map opened at.
MARKERS_LEGIBLE = """(el) => {
    const markers = Array.from(el.querySelectorAll(".site-marker"));
    const bad = [];
    const boxes = markers.map((m) => m.getBoundingClientRect());
    markers.forEach((m, i) => {
        if (m.scrollWidth > m.clientWidth + 1 || m.scrollHeight > m.clientHeight + 1) {
            bad.push("label outside circle: " + m.textContent);
        }
    });
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            const dx = (a.x + a.width / 2) - (b.x + b.width / 2);
            const dy = (a.y + a.height / 2) - (b.y + b.height / 2);
            if (Math.hypot(dx, dy) < (a.width + b.width) / 2 - 0.5) {
                bad.push("overlap: " + markers[i].textContent + " / " + markers[j].textContent);
            }
        }
    }
    return [markers.length, bad];
}"""


def _number(text: str) -> float:
    return float(text.strip().replace(".", "").replace(",", "."))


def _score(page) -> float:
    return _number(page.locator("#kawasan-score").inner_text())


def _preview_totals(page) -> tuple[float, float]:
    cells = page.locator("#preview-total td[data-value]")
    before, after = (float(cells.nth(i).get_attribute("data-value")) for i in (0, 1))
    return before, after


def test_it_lets_a_camat_preview_confirm_and_undo_kawasan_changes(journey):
    kawasan = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    page = journey.page("camat.jatinegara")

    # Home: the kelurahan comparison near the top, sorted by score on request.
    comparison = page.locator("#kelurahan-comparison")
    expect(comparison).to_be_visible()
    comparison.locator("thead").get_by_role("link", name="Skor").click()
    expect(page).to_have_url(re.compile(r"urut=-skor"))
    expect(comparison.locator("thead")).to_contain_text("Skor ▼")
    scores = [_number(t) for t in comparison.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True), scores

    # The kawasan list opens on the kecamatan.
    nav = page.get_by_role("navigation", name="Navigasi utama")
    nav.get_by_role("link", name="Kawasan").click()
    expect(page.locator("#own-territory")).to_be_visible()
    codes = page.locator("#kawasan-table tbody td:nth-child(2) .code").all_inner_texts()
    assert codes and all(c.strip().startswith(JATINEGARA) for c in codes), codes
    page.locator("#kawasan-table").get_by_role("link", name=kawasan.name, exact=True).click()

    # The kawasan page: score, band, next steps; every marker legible at the first zoom.
    expect(page.locator("h1")).to_contain_text(kawasan.name)
    score_before = _score(page)
    expect(page.locator("#kawasan-band")).not_to_be_empty()
    assert page.locator("#next-steps li").count() >= 1
    the_map = page.locator("#kawasan-map")
    expect(the_map).to_have_attribute("data-laid-out", re.compile(r"\d"))
    count, problems = the_map.evaluate(MARKERS_LEGIBLE)
    assert count >= 2 and not problems, problems

    # Candidates, the nearest to the hub first, each with its distance.
    candidates = page.locator("#member-candidates li")
    distances = [
        _number(re.sub(r"[^\d.,]", "", t))
        for t in page.locator("#member-add .distance").all_text_contents()
    ]
    assert len(distances) >= 2 and distances == sorted(distances), distances
    first = candidates.first
    href = first.get_by_role("link", name="Tambahkan").get_attribute("href")
    site_id = int(re.search(r"site=(\d+)", href).group(1))
    name = Site.objects.get(pk=site_id).name
    expect(first.locator(".candidate")).to_contain_text(name)

    # Preview: the score before and after; nothing is saved until confirmed.
    first.get_by_role("link", name="Tambahkan").click()
    expect(page.locator("h1")).to_contain_text("Tambahkan")
    before, after = _preview_totals(page)
    assert before == score_before
    assert not kawasan.memberships.filter(site_id=site_id).exists()
    page.get_by_role("button", name="Ya, tambahkan").click()
    expect(page.locator(".messages")).to_contain_text("ditambahkan ke kawasan")
    assert kawasan.memberships.filter(site_id=site_id).exists()
    # The page's live score, and the stored one (recomputed at commit), are the preview's.
    assert _score(page) == after
    assert KawasanScore.objects.get(kawasan=kawasan).total == after

    # Remove it again: previewed, confirmed, then taken back.
    row = page.locator("#member-table tbody tr", has_text=name)
    row.get_by_role("link", name="Keluarkan").click()
    expect(page.locator("h1")).to_contain_text("Keluarkan")
    removed_before, removed_after = _preview_totals(page)
    assert removed_before == after
    page.get_by_role("button", name="Ya, keluarkan").click()
    expect(page.locator(".messages")).to_contain_text("dikeluarkan dari kawasan")
    assert not kawasan.memberships.filter(site_id=site_id).exists()
    assert _score(page) == removed_after
    undo = page.locator("#undo-removal")
    expect(undo).to_contain_text(name)
    undo.get_by_role("button", name="Urungkan").click()
    expect(page.locator(".messages")).to_contain_text("kembali menjadi anggota")
    expect(page.locator("#undo-removal")).to_have_count(0)
    assert kawasan.memberships.filter(site_id=site_id).exists()
    assert _score(page) == after

    # On a phone: the kawasan page and a preview fit the width, their actions tappable.
    phone = journey.page("camat.jatinegara", phone=True)
    phone.goto(kawasan.get_absolute_url())
    journey.wait_idle(phone)
    assert_fits_width(phone)
    assert_tappable(phone.locator("#member-candidates").get_by_role("link", name="Tambahkan").first)
    phone.locator("#member-table").get_by_role("link", name="Keluarkan").first.click()
    expect(phone.locator("#preview-table")).to_be_visible()
    assert_fits_width(phone)
    assert_tappable(phone.get_by_role("button", name="Ya, keluarkan"))
    journey.finish(page)
