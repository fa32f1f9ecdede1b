import datetime

import pytest
from django.urls import reverse

from sites.models import (
    ChecklistAnswer,
    ChecklistItem,
    Site,
    SiteChange,
    SiteDocument,
    SiteLink,
)
from tests.factories import KAMPUNG_MELAYU, MENTENG, make_link, make_site, service_type

pytestmark = pytest.mark.django_db


def _rich_site(n_links):
    """A site with n links, n history rows, n documents and checklist answers."""
    site = make_site("RPTRA Rawa Bunga", types=("rptra", "posyandu"))
    others = Site.objects.bulk_create(
        Site(name=f"Posyandu {i}", kelurahan_id=site.kelurahan_id, location=site.location)
        for i in range(n_links)
    )
    SiteLink.objects.bulk_create(
        SiteLink(
            site_a=site,
            site_b=other,
            kind="referral",
            start_date=datetime.date(2024, 1, 1),
            end_date=None if i % 2 else datetime.date(2024, 6, 1),
        )
        for i, other in enumerate(others)
    )
    items = [
        ChecklistItem.objects.get_or_create(
            service_type=service_type("rptra"), code=f"c{i}", defaults={"text": f"Kriteria {i}"}
        )[0]
        for i in range(n_links)
    ]
    ChecklistAnswer.objects.bulk_create(
        ChecklistAnswer(site=site, item=item, answer=True) for item in items
    )
    SiteDocument.objects.bulk_create(
        SiteDocument(site=site, kind="photo", title=f"Foto {i}", file=f"sites/x{i}.jpg")
        for i in range(n_links)
    )
    SiteChange.objects.bulk_create(
        SiteChange(site=site, action="updated", changes={"name": ["a", "b"]})
        for _ in range(n_links)
    )
    return site


@pytest.mark.parametrize("n", [10, 500])
def test_it_shows_a_site_with_a_bounded_number_of_queries(
    client, lurah, django_assert_max_num_queries, n
):
    site = _rich_site(n)
    client.force_login(lurah)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("services:site_detail", args=[site.pk]))
    assert response.status_code == 200
    assert len(response.context["link_rows"]) == n


def test_it_shows_types_links_checklist_documents_and_history(client, camat):
    site = make_site("RPTRA Rawa Bunga", types=("rptra",))
    other = make_site("Puskesmas Kampung Melayu", KAMPUNG_MELAYU)
    make_link(site, other, kind="joint_programme", note="Kelas ibu")
    item = ChecklistItem.objects.create(
        service_type=service_type("rptra"), code="laktasi-x", text="Ada ruang laktasi"
    )
    ChecklistAnswer.objects.create(site=site, item=item, answer=True, note="Lantai 1")
    SiteDocument.objects.create(site=site, kind="sk", title="SK Pengelola", file="sites/sk.pdf")
    SiteChange.objects.create(
        site=site,
        user=camat,
        action="updated",
        changes={"name": ["RPTRA Lama", "RPTRA Rawa Bunga"]},
    )
    client.force_login(camat)
    html = client.get(reverse("services:site_detail", args=[site.pk])).content.decode()
    for text in (
        "RPTRA Rawa Bunga",
        "Puskesmas Kampung Melayu",
        "Kelas ibu",
        "Ada ruang laktasi",
        "Lantai 1",
        "SK Pengelola",
        "RPTRA Lama",
        "camat",
        reverse("services:site_edit", args=[site.pk]),
    ):
        assert text in html, text


def test_it_hides_change_actions_from_a_reader(client, sudinkes):
    site = make_site()
    client.force_login(sudinkes)
    html = client.get(reverse("services:site_detail", args=[site.pk])).content.decode()
    assert reverse("services:site_edit", args=[site.pk]) not in html
    assert reverse("services:site_close", args=[site.pk]) not in html


def test_it_shows_only_links_the_user_may_see(client, lurah, lurah_other, nobody):
    # Drafts in Rawa Bunga and Menteng link to a public site in Kampung Melayu. A link shows
    # where one end is in the user's own area or both ends are public; a draft elsewhere is
    # neither named nor linked (issue 12: private work is never named outside its scope).
    draft = make_site("Posyandu Draf")
    public = make_site("Puskesmas Kampung Melayu", KAMPUNG_MELAYU, public=True)
    far_draft = make_site("Posyandu Draf Menteng", MENTENG)
    link = make_link(draft, public)
    far_link = make_link(far_draft, public)
    url = reverse("services:site_detail", args=[public.pk])

    client.force_login(lurah)
    rows = client.get(url).context["link_rows"]
    assert [(r.link.pk, r.other.pk, r.other_visible) for r in rows] == [(link.pk, draft.pk, True)]

    client.force_login(lurah_other)
    response = client.get(url)
    got = sorted((r.link.pk, r.other_visible) for r in response.context["link_rows"])
    assert got == [(link.pk, False), (far_link.pk, False)]
    html = response.content.decode()
    assert "Posyandu Draf Menteng" not in html and far_draft.get_absolute_url() not in html
    assert "situs lain (tidak dapat ditampilkan)" in html

    client.force_login(nobody)
    assert client.get(url).context["link_rows"] == []
