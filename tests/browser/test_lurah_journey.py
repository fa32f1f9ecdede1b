"""The lurah of Rawa Bunga adds a site by clicking the map, links it to the kawasan's RPTRA
(confirming on the preview of the kawasan's score), submits it, and sees the kawasan's score
and next steps change."""

import re

from django.contrib.gis.geos import Point

from kawasan.models import Kawasan
from scoring.models import KawasanScore
from sites.models import Site

from .conftest import JOURNEY_MARKS, expect
from .steps import SITE_FORM_MAP, map_position, spot_near

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"
NEW_SITE = "PATBM RW 03 Rawa Bunga (uji peramban)"


def _score(page) -> float:
    return float(page.locator("#kawasan-score").inner_text().replace(",", "."))


def _steps(page) -> list[str]:
    texts = page.locator("#next-steps li").all_inner_texts()
    return [re.sub(r"\s+", " ", t).strip() for t in texts]


def test_it_lets_a_lurah_add_link_and_submit_a_site_and_see_the_score_rise(journey):
    kawasan = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True)
    hub = kawasan.hub
    stored_before = KawasanScore.objects.get(kawasan=kawasan).total
    page = journey.page("lurah.rawabunga")

    # The dashboard: the base kawasan's score and next steps.
    expect(page.locator("h1")).to_contain_text("Rawa Bunga")
    page.locator("#kawasan-list tr", has_text=kawasan.name).get_by_role(
        "link", name="Rincian"
    ).click()
    expect(page.locator("#kawasan-detail h2")).to_contain_text(kawasan.name)
    score_before, steps_before = _score(page), _steps(page)
    assert any("PATBM" in s for s in steps_before), steps_before

    # The next step "add a PATBM site" opens the kawasan's page for the type: PATBM sites
    # already near the hub first (none yet), then the site form with PATBM chosen.
    page.locator("#next-steps a", has_text="PATBM").click()
    expect(page.locator("h1")).to_contain_text("PATBM")
    expect(page.locator("#near-hint")).to_contain_text("1000 m")
    page.get_by_label("Nama").fill(NEW_SITE)
    expect(page.get_by_label(re.compile(r"PATBM \(Perlindungan"))).to_be_checked()
    # A click on the map, about 150 m from the RPTRA, places the point.
    journey.wait_idle(page)  # the territory outline is drawn and the map fitted to it
    lat, lon = spot_near(hub, RAWA_BUNGA)
    page.locator("#id_location-map").click(position=map_position(page, SITE_FORM_MAP, lat, lon))
    assert abs(float(page.get_by_label("Lintang").input_value()) - lat) < 0.0002
    assert abs(float(page.get_by_label("Bujur").input_value()) - lon) < 0.0002
    page.get_by_role("button", name="Simpan").click()

    # Back on the kawasan's score, the new site a member; then its own page.
    expect(page.locator(".messages")).to_contain_text(f"Situs {NEW_SITE} disimpan")
    expect(page.locator("#members")).to_contain_text(NEW_SITE)
    page.goto(Site.objects.get(name=NEW_SITE).get_absolute_url())
    expect(page.locator("h1")).to_have_text(NEW_SITE)
    expect(page.locator("#review .state")).to_have_text("Draf")
    site = Site.objects.get(name=NEW_SITE)
    assert site.kelurahan_id == RAWA_BUNGA
    assert site.location.distance(Point(lon, lat, srid=4326)) < 0.0002

    # Linked to the kawasan's RPTRA, found by name.
    page.get_by_role("link", name="Hubungkan dengan situs lain").click()
    page.get_by_placeholder("Cari nama situs").fill(hub.name)
    page.get_by_role("button", name="Cari").click()
    page.locator("ul.candidates label", has_text=hub.name).first.click()
    page.get_by_label("Jenis keterhubungan").select_option(label="Program bersama")
    page.get_by_role("button", name="Simpan keterhubungan").click()
    # The confirmation: the kawasan's score before and after, nothing saved yet.
    expect(page.locator("h1")).to_contain_text(f"Hubungkan {NEW_SITE}")
    expect(page.locator(f'.score-change[data-kawasan="{kawasan.pk}"]')).to_contain_text(
        kawasan.name
    )
    page.get_by_role("button", name="Ya, simpan keterhubungan").click()
    expect(page.locator(".messages")).to_contain_text("Keterhubungan disimpan.")
    expect(page.locator("#links")).to_contain_text(hub.name)

    # The checklist answered, then submitted to the suku dinas.
    page.get_by_role("link", name="Isi daftar periksa").click()
    items = page.locator(".checklist-item")
    assert items.count() > 0
    for i in range(items.count()):
        items.nth(i).get_by_label("Terpenuhi", exact=True).check()
    page.get_by_role("button", name="Simpan dan ajukan untuk verifikasi").click()
    expect(page.locator("#review .state")).to_have_text("Diajukan")

    # The site is in the lurah's site list.
    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Situs layanan"
    ).click()
    page.locator("summary", has_text="Saring").click()
    page.get_by_label("Cari nama atau alamat").fill("uji peramban")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.locator(".site-table tbody tr")).to_have_count(1)
    expect(page.locator(".site-table")).to_contain_text(NEW_SITE)
    expect(page.locator(".site-table")).to_contain_text("Diajukan")

    # Back on the dashboard: a higher score, and next steps that follow the new site.
    page.get_by_role("link", name="Beranda").click()
    page.locator("#kawasan-list tr", has_text=kawasan.name).get_by_role(
        "link", name="Rincian"
    ).click()
    score_after, steps_after = _score(page), _steps(page)
    assert score_after > score_before, (score_before, score_after)
    assert steps_after != steps_before
    expect(page.locator("#pending-sites")).to_contain_text(NEW_SITE)
    # Scored at commit (tasks run inline): the stored score, which rankings use, follows.
    stored_after = KawasanScore.objects.get(kawasan=kawasan).total
    assert stored_after > stored_before
    row_score = page.locator("#kawasan-list tr", has_text=kawasan.name).locator("td.num").first
    expect(row_score).to_have_text(f"{stored_after:.1f}".replace(".", ","))  # Indonesian decimals
    journey.finish(page)
