"""Provincial staff draft a scoring policy in the portal (fields, not JSON), read its effect
on today's data, activate it, and see the rankings follow; the same login reaches the
catalogue in the admin. The form and the preview fit a 360 px phone."""

import re

from regions.models import Level
from scoring import selectors
from scoring.models import KawasanScore, ScoringPolicy
from scoring.preview import policy_preview

from .conftest import JOURNEY_MARKS, expect
from .steps import assert_fits_width

pytestmark = JOURNEY_MARKS


def test_it_lets_provincial_staff_draft_preview_and_activate_a_policy(journey):
    page = journey.page("provinsi")
    nav = page.get_by_role("navigation", name="Navigasi utama")

    # The versions: the active one, who activated it.
    nav.get_by_role("link", name="Kebijakan skor").click()
    expect(page.locator("h1")).to_have_text("Kebijakan skor")
    expect(page.locator('tr[data-version="kaltara-1"]')).to_contain_text("Aktif")

    # A draft from the active version: the form holds its values, one field each.
    page.get_by_role("link", name="Draf baru dari versi aktif").click()
    expect(page.locator("h1")).to_have_text("Draf kebijakan baru")
    expect(page.get_by_label("Cakupan")).to_have_value("0,45")
    expect(page.get_by_label("Posyandu", exact=True)).to_have_value("2")
    expect(page.get_by_label("Jarak jalan kaki ke pusat (meter)")).to_have_value("1000")
    page.get_by_label("Nama versi").fill("Kaltara 2 (uji peramban)")
    # Freshness weighs more, coverage less: first with weights that do not add up to 1.
    page.get_by_label("Cakupan").fill("0,30")
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.locator(".errbox")).to_contain_text("Jumlah keempat bobot harus 1 (sekarang 0,850)")
    assert not ScoringPolicy.objects.filter(name="Kaltara 2 (uji peramban)").exists()
    page.get_by_label("Kebaruan").fill("0,25")
    page.get_by_label("Masa berlaku verifikasi (hari)").fill("730")
    page.get_by_role("button", name="Simpan draf").click()

    # The preview: the parameters side by side, then the effect on today's data.
    expect(page.locator(".messages")).to_contain_text("Draf kaltara-2 disimpan")
    draft = ScoringPolicy.objects.get(version="kaltara-2")
    assert draft.created_by.username == "provinsi" and draft.is_draft
    expect(page.locator("#policy-parameters tr.changed")).to_have_count(3)
    expected = policy_preview(draft.as_policy())
    expect(page.locator("#kpi-band-changes b")).to_have_text(str(len(expected.band_changes)))
    assert expected.risers, "freshness weighing more lifts the verified kawasan"
    risers = page.locator("#risers tbody tr")
    expect(risers).to_have_count(len(expected.risers))
    expect(risers.first).to_have_attribute("data-code", expected.risers[0].code)
    kota = page.locator("#kota-order tbody tr")
    expect(kota).to_have_count(6)
    shown = [kota.nth(i).get_attribute("data-code") for i in range(6)]
    assert shown == [m.code for m in expected.kota]
    assert KawasanScore.objects.exclude(policy__version="kaltara-1").count() == 0  # read only
    journey.screenshot(page, "policy-preview")

    # Activation: confirmed, then every kawasan is recomputed with the new version.
    # Without the confirmation ticked the browser does not send it (the server refuses it too).
    page.get_by_role("button", name="Aktifkan").click()
    expect(page).to_have_url(re.compile(r"/kebijakan-skor/\d+/pratinjau/$"))
    draft.refresh_from_db()
    assert not draft.is_active
    page.get_by_label("Saya sudah membaca pratinjau ini").check()
    page.get_by_role("button", name="Aktifkan").click()
    expect(page.locator(".messages")).to_contain_text("Versi kaltara-2 aktif")
    row = page.locator('tr[data-version="kaltara-2"]')
    expect(row).to_contain_text("Aktif")
    expect(row).to_contain_text("Staf Dinas PPAPP DKI")
    expect(page.locator('tr[data-version="kaltara-1"]')).to_contain_text("Pernah aktif")
    draft.refresh_from_db()
    assert draft.is_active and draft.activated_by.username == "provinsi"
    # The recompute ran (eagerly here): the rankings now say what the preview said.
    assert set(KawasanScore.objects.values_list("policy__version", flat=True)) == {"kaltara-2"}
    after = {m.code: m.after for m in expected.kelurahan}
    ranked = {r.code: r.score for r in selectors.region_scores(Level.KELURAHAN) if not r.no_kawasan}
    assert ranked == after
    top = expected.risers[0]
    nav.get_by_role("link", name="Peringkat").click()
    expect(page.locator(f'#ranking-table tr[data-code="{top.code}"]')).to_contain_text(
        f"{top.after:.1f}".replace(".", ",")
    )

    # The same login reaches the catalogue it owns in the admin, the policy read-only there.
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Jenis layanan", exact=True)).to_be_visible()
    page.get_by_role("link", name="Jenis layanan", exact=True).click()
    expect(page.get_by_role("link", name=re.compile("Posyandu"))).to_be_visible()
    journey.finish(page)


def test_it_fits_the_policy_pages_on_a_360_px_phone(journey):
    page = journey.page("provinsi", phone=True)
    page.set_viewport_size({"width": 360, "height": 780})
    draft_of = ScoringPolicy.objects.get(is_active=True)
    page.goto("/kebijakan-skor/")
    assert_fits_width(page)
    page.get_by_role("link", name="Draf baru dari versi aktif").tap()
    expect(page.locator("h1")).to_have_text("Draf kebijakan baru")
    assert_fits_width(page)
    journey.screenshot(page, "policy-phone-form")
    page.get_by_label("Kedekatan").fill("0,10")
    page.get_by_label("Keterhubungan").fill("0,35")
    page.get_by_role("button", name="Simpan draf").tap()
    expect(page.locator("#policy-preview")).to_be_visible()
    assert_fits_width(page)
    journey.screenshot(page, "policy-phone-preview")
    assert ScoringPolicy.objects.filter(is_active=True).get() == draft_of  # not activated
    journey.finish(page)
