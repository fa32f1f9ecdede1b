"""Verification is a decision: the camat of Jatinegara submits the Puskesmas Kecamatan
Jatinegara with one checklist item answered "belum terpenuhi". The Sudin Kesehatan officer of
Jakarta Timur finds it flagged in the queue; a bulk verify asks again about it and leaves it
out. On its review page nothing is ticked, the item is flagged; verifying with it confirmed is
refused where the officer decides, nothing written; then the officer verifies with the met
items confirmed ("Konfirmasi semua butir yang terpenuhi"), and only those read "dikonfirmasi"."""

from sites.importing.readers import SOURCE_PUSKESMAS
from sites.models import ChecklistAnswer, ReviewState, Site
from sites.review import selectors

from .conftest import JOURNEY_MARKS, expect

pytestmark = JOURNEY_MARKS

PUSKESMAS_KECAMATAN = (SOURCE_PUSKESMAS, "140")  # Puskesmas Kecamatan Jatinegara


def _submit_with_one_unmet(page, site):
    """The camat answers every item "Terpenuhi" but the first, then submits."""
    page.goto(site.get_absolute_url())
    page.get_by_role("link", name="Isi daftar periksa").click()
    items = page.locator(".checklist-item")
    assert items.count() > 1
    items.nth(0).get_by_label("Belum terpenuhi", exact=True).check()
    for i in range(1, items.count()):
        items.nth(i).get_by_label("Terpenuhi", exact=True).check()
    page.get_by_role("button", name="Simpan dan ajukan untuk verifikasi").click()
    expect(page.locator("#review .state")).to_have_text("Diajukan")


def _queue(page):
    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Tinjauan"
    ).click()
    expect(page.locator("h1")).to_have_text("Antrean tinjauan")


def test_an_officer_cannot_verify_an_unmet_item_by_accident(journey):
    site = Site.objects.get(source=PUSKESMAS_KECAMATAN[0], source_id=PUSKESMAS_KECAMATAN[1])
    unmet, *met = selectors.checklist_items(site)
    camat = journey.page("camat.jatinegara")
    officer = journey.page("sudinkes.jaktim")

    _submit_with_one_unmet(camat, site)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED

    # The queue flags the row; a bulk verify of it asks again, and leaves it out unticked.
    _queue(officer)
    row = officer.locator("table.queue tbody tr", has_text=site.name)
    expect(row).to_contain_text("1 butir belum terpenuhi")
    row.get_by_role("checkbox").check()
    officer.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(officer.locator("h1")).to_have_text("Periksa lagi sebelum memverifikasi")
    asked = officer.locator(f"#unmet-{site.pk}")
    expect(asked).to_contain_text(unmet.text)
    expect(asked.get_by_role("checkbox")).not_to_be_checked()
    officer.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(officer.locator("h1")).to_have_text("Antrean tinjauan")
    expect(officer.locator(".messages")).to_contain_text(f"{site.name} dilewati")
    expect(officer.locator(".messages")).to_contain_text("tidak Anda sertakan")
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED

    # The review page: nothing ticked, the unmet item flagged.
    row = officer.locator("table.queue tbody tr", has_text=site.name)
    row.get_by_role("link", name="Tinjau").click()
    expect(officer.locator("h1")).to_contain_text(site.name)
    boxes = officer.locator("#verify-form input[type=checkbox]")
    assert boxes.count() == len(met) + 2  # the items and "confirm all"
    for i in range(boxes.count()):
        expect(boxes.nth(i)).not_to_be_checked()
    expect(officer.locator("#not-met")).to_contain_text(unmet.text)
    expect(officer.locator(f"#item-{unmet.pk}")).to_contain_text("belum terpenuhi")

    # Confirm all met items, and the unmet one too: refused in view, nothing written.
    officer.get_by_label("Konfirmasi semua butir yang terpenuhi").check()
    for item in met:
        expect(officer.locator(f"#item-{item.pk} input")).to_be_checked()
    expect(officer.locator(f"#item-{unmet.pk} input")).not_to_be_checked()
    officer.locator(f"#item-{unmet.pk} input").check()
    officer.get_by_role("button", name="Verifikasi", exact=True).click()
    refusal = officer.locator("#verify-refused")
    expect(refusal).to_contain_text("tidak ada yang diubah")
    expect(refusal).to_contain_text(unmet.text)
    expect(officer.locator(f"#item-{unmet.pk}")).to_contain_text("tidak bisa dikonfirmasi")
    expect(officer.locator(f"#item-{unmet.pk} input")).to_be_checked()  # the ticks kept
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED
    assert not ChecklistAnswer.objects.filter(site=site, confirmed=True).exists()

    # Unticked, verified: the met items confirmed, the unmet one not.
    officer.locator(f"#item-{unmet.pk} input").uncheck()
    expect(officer.get_by_label("Konfirmasi semua butir yang terpenuhi")).to_be_checked()
    officer.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(officer.locator(".messages")).to_contain_text(f"Situs {site.name} diverifikasi.")
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED
    confirmed = dict(ChecklistAnswer.objects.filter(site=site).values_list("item_id", "confirmed"))
    assert confirmed == {unmet.pk: False, **{i.pk: True for i in met}}
    officer.goto(site.get_absolute_url())
    expect(officer.locator("#checklist .state-verified")).to_have_count(len(met))
    journey.finish(officer)
