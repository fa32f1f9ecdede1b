"""The Sudin Kesehatan officer of Jakarta Timur opens the review queue, reads a pending
change's diff, returns it with a reason (which reaches the lurah's inbox), and approves the
lurah's corrected resubmission."""

from sites.importing.readers import SOURCE_PUSKESMAS
from sites.models import ReviewState, Site

from .conftest import JOURNEY_MARKS, expect

pytestmark = JOURNEY_MARKS

# The demo verified it (services/demo.py): Puskesmas Kelurahan Rawabunga.
PUSKESMAS = (SOURCE_PUSKESMAS, "399")
FIRST_TRY = "Puskesmas Rawa Bunga"
REASON = "Nama harus sesuai SK penetapan: Puskesmas Kelurahan Rawa Bunga."
SECOND_TRY = "Puskesmas Kelurahan Rawa Bunga"


def _propose_name(page, site, name):
    """The lurah renames the verified site: a pending change, not a live edit."""
    page.goto(site.get_absolute_url())
    page.get_by_role("link", name="Ubah", exact=True).click()
    page.get_by_label("Nama").fill(name)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".messages")).to_contain_text("diajukan ke suku dinas")
    expect(page.locator("h1")).to_contain_text("Usulan perubahan")
    expect(page.locator("#diff")).to_contain_text(name)


def _open_pending_change(page, site_name):
    """From the officer's navigation to the queue, then to the change of `site_name`."""
    page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "link", name="Tinjauan"
    ).click()
    expect(page.locator("h1")).to_have_text("Antrean tinjauan")
    row = page.locator("table.queue tbody tr", has_text=site_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Usulan perubahan")
    row.get_by_role("link", name="Lihat perubahan").click()
    expect(page.locator("h1")).to_contain_text("Usulan perubahan")


def _diff_row(page, label):
    return [
        c.strip()
        for c in page.locator("#diff tbody tr", has_text=label)
        .first.locator("td")
        .all_inner_texts()
    ]


def test_it_lets_a_sudin_officer_return_a_change_and_approve_the_resubmission(journey):
    site = Site.objects.get(source=PUSKESMAS[0], source_id=PUSKESMAS[1])
    assert site.review_state == ReviewState.VERIFIED
    original = site.name
    lurah = journey.page("lurah.rawabunga")
    officer = journey.page("sudinkes.jaktim")

    _propose_name(lurah, site, FIRST_TRY)

    # The officer sees the diff: the name in force and the proposed one.
    _open_pending_change(officer, original)
    assert _diff_row(officer, "Nama") == ["Nama", original, FIRST_TRY]
    officer.get_by_label("Alasan").fill(REASON)
    officer.get_by_role("button", name="Kembalikan usulan").click()
    returned = f"Usulan perubahan {original} dikembalikan."
    expect(officer.locator(".messages")).to_contain_text(returned)
    # Back to the queue, where the change no longer waits.
    expect(officer.locator("h1")).to_have_text("Antrean tinjauan")
    expect(officer.locator("table.queue tr", has_text=original)).to_have_count(0)
    site.refresh_from_db()
    assert site.name == original  # nothing applied

    # The reason reaches the lurah's inbox, which leads back to the change to fix.
    lurah.goto("/")
    expect(lurah.locator("a.inbox .badge")).to_have_text("1")
    lurah.get_by_role("link", name="Kotak masuk").click()
    note = lurah.locator(".inbox-list li").first
    expect(note).to_contain_text(REASON)
    note.get_by_role("button", name="Buka").click()
    expect(lurah.locator("body")).to_contain_text(REASON)
    lurah.get_by_role("link", name="Perbaiki usulan").click()
    expect(lurah.locator("#review-note")).to_contain_text(REASON)
    lurah.get_by_label("Nama").fill(SECOND_TRY)
    lurah.get_by_role("button", name="Simpan").click()
    expect(lurah.locator(".messages")).to_contain_text("diajukan ke suku dinas")
    expect(lurah.locator("#diff")).to_contain_text(SECOND_TRY)

    # The officer approves the resubmission: the site takes the new name, still verified.
    _open_pending_change(officer, original)
    assert _diff_row(officer, "Nama") == ["Nama", original, SECOND_TRY]
    officer.get_by_role("button", name="Setujui perubahan").click()
    expect(officer.locator(".messages")).to_be_visible()
    site.refresh_from_db()
    assert (site.name, site.review_state) == (SECOND_TRY, ReviewState.VERIFIED)
    officer.goto(site.get_absolute_url())
    expect(officer.locator("h1")).to_have_text(SECOND_TRY)
    expect(officer.locator("#review .state").first).to_have_text("Terverifikasi")
    expect(officer.locator("#history")).to_contain_text(REASON)
    journey.finish(officer)
