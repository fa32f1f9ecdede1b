"""On a 360 px phone, the lurah of Rawa Bunga links the base kawasan's hub to a member with an
evidence file, ends a link of the hub and closes a member site: each time the confirmation
page shows the kawasan's score before and after, fits the screen, and saves only when
confirmed (the evidence file chosen again on the confirmation page)."""

from django.db.models import Q

from kawasan.models import Kawasan
from sites.models import OperatingStatus, SiteLink

from .conftest import JOURNEY_MARKS, expect
from .steps import assert_fits_width, assert_tappable

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

pytestmark = JOURNEY_MARKS

RAWA_BUNGA = "31.75.03.1004"


def test_it_previews_ending_a_link_and_closing_a_site_on_a_small_phone(journey):
    kawasan = Kawasan.objects.select_related("hub").get(region_id=RAWA_BUNGA, is_base=True)
    hub = kawasan.hub
    link = SiteLink.objects.filter(end_date__isnull=True).filter(site_a=hub).first()
    link = link or SiteLink.objects.filter(end_date__isnull=True, site_b=hub).first()
    assert link is not None, "the base kawasan's hub has an active link"
    page = journey.page("lurah.rawabunga", phone=True)
    page.set_viewport_size({"width": 360, "height": 740})

    # A new joint programme of the hub with a member, its MoU attached.
    joined = SiteLink.objects.filter(kind="joint_programme").filter(Q(site_a=hub) | Q(site_b=hub))
    taken = {hub.pk} | {pk for pair in joined.values_list("site_a", "site_b") for pk in pair}
    partner = (
        kawasan.memberships.exclude(site__in=taken)
        .filter(site__operating_status=OperatingStatus.OPEN)
        .select_related("site")
        .first()
        .site
    )
    page.goto(hub.get_absolute_url())
    page.get_by_role("link", name="Hubungkan dengan situs lain").tap()
    page.get_by_placeholder("Cari nama situs").fill(partner.name)
    page.get_by_role("button", name="Cari").tap()
    page.locator("ul.candidates label", has_text=partner.name).first.tap()
    page.get_by_label("Jenis keterhubungan").select_option(label="Program bersama")
    page.get_by_label("Dokumen bukti (MoU, SK)").set_input_files(
        files=[{"name": "mou.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Simpan keterhubungan").tap()
    expect(page.locator(f'.score-change[data-kawasan="{kawasan.pk}"]')).to_contain_text(
        kawasan.name
    )
    expect(page.locator("#change-confirm")).to_contain_text("mou.pdf")
    assert_fits_width(page)
    assert not joined.filter(Q(site_a=partner) | Q(site_b=partner)).exists()
    page.locator("#id_evidence_again").set_input_files(
        files=[{"name": "mou.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Ya, simpan keterhubungan").tap()
    expect(page.locator(".messages")).to_contain_text("Keterhubungan disimpan.")
    made = joined.get(Q(site_a=partner) | Q(site_b=partner))
    assert made.evidence.name.endswith(".pdf")

    # Ending a link: the button opens the confirmation, nothing is ended yet.
    page.goto(hub.get_absolute_url())
    page.locator(f'form[action$="/tautan/{link.pk}/akhiri/pratinjau/"] button').tap()
    expect(page.locator("h1")).to_have_text("Akhiri keterhubungan ini?")
    expect(page.locator(f'.score-change[data-kawasan="{kawasan.pk}"]')).to_contain_text(
        kawasan.name
    )
    assert_fits_width(page)
    confirm = page.get_by_role("button", name="Ya, akhiri")
    assert_tappable(confirm)
    link.refresh_from_db()
    assert link.end_date is None
    confirm.tap()
    expect(page.locator(".messages")).to_contain_text("Keterhubungan diakhiri.")
    link.refresh_from_db()
    assert link.end_date is not None

    # Closing a member (not the hub): cancel first, then confirm.
    member = kawasan.memberships.exclude(site=hub).select_related("site").first().site
    page.goto(member.get_absolute_url())
    page.get_by_label("Alasan penutupan").fill("Gedung dibongkar (uji ponsel)")
    page.locator("#close").get_by_role("button", name="Tutup situs").tap()
    expect(page.locator("h1")).to_have_text(f"Tutup {member.name}?")
    expect(page.locator("#change")).to_contain_text("Gedung dibongkar (uji ponsel)")
    assert_fits_width(page)
    assert_tappable(page.get_by_role("button", name="Ya, tutup situs"))
    page.get_by_role("link", name="Batal").tap()
    expect(page.locator("h1")).to_have_text(member.name)
    member.refresh_from_db()
    assert member.operating_status != OperatingStatus.CLOSED
    page.get_by_label("Alasan penutupan").fill("Gedung dibongkar (uji ponsel)")
    page.locator("#close").get_by_role("button", name="Tutup situs").tap()
    page.get_by_role("button", name="Ya, tutup situs").tap()
    expect(page.locator(".messages")).to_contain_text(f"Situs {member.name} ditutup.")
    member.refresh_from_db()
    assert member.operating_status == OperatingStatus.CLOSED
