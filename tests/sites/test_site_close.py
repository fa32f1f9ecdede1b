import pytest
from django.urls import reverse

from sites.models import Site, SiteChange
from tests.factories import make_link, make_site

pytestmark = pytest.mark.django_db


def test_it_closes_a_site_keeping_its_history_and_links(client, lurah):
    site = make_site()
    other = make_site("Posyandu Melati", types=("posyandu",))
    link = make_link(site, other)
    client.force_login(lurah)
    response = client.post(
        reverse("services:site_close", args=[site.pk]),
        {"reason": "Gedung dibongkar", "version": "1", "confirm": "1"},
    )
    assert response.status_code == 302 and response["Location"] == site.get_absolute_url()
    site.refresh_from_db()
    assert site.operating_status == "closed" and site.version == 2
    change = SiteChange.objects.get(site=site)
    assert change.action == "closed" and change.reason == "Gedung dibongkar"
    assert change.changes == {"operating_status": ["Buka", "Tutup"]}
    assert Site.objects.filter(pk=site.pk).exists()
    link.refresh_from_db()
    assert link.end_date is None
    # The lurah still sees the closed site and its history.
    html = client.get(site.get_absolute_url()).content.decode()
    assert "Gedung dibongkar" in html


def test_it_requires_a_reason(client, lurah):
    site = make_site()
    client.force_login(lurah)
    client.post(
        reverse("services:site_close", args=[site.pk]),
        {"reason": "", "version": "1", "confirm": "1"},
    )
    site.refresh_from_db()
    assert site.operating_status == "open"


def test_it_refuses_to_close_a_site_edited_since_the_page_was_opened(client, lurah):
    site = make_site()
    Site.objects.filter(pk=site.pk).update(version=2)
    client.force_login(lurah)
    response = client.post(
        reverse("services:site_close", args=[site.pk]),
        {"reason": "Pindah", "version": "1"},
        follow=True,
    )
    assert "sudah diubah orang lain" in response.content.decode()
    site.refresh_from_db()
    assert site.operating_status == "open"


def test_it_hides_a_closed_public_site_from_others(client, lurah, nobody):
    site = make_site(public=True)
    client.force_login(lurah)
    client.post(
        reverse("services:site_close", args=[site.pk]),
        {"reason": "Tutup", "version": "1", "confirm": "1"},
    )
    client.force_login(nobody)
    assert client.get(site.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("version", [None, "", "x"])
def test_a_close_without_its_version_is_refused_like_a_stale_one(client, lurah, version):
    site = make_site()
    client.force_login(lurah)
    data = {"reason": "Pindah"}
    if version is not None:
        data["version"] = version
    response = client.post(reverse("services:site_close", args=[site.pk]), data, follow=True)
    assert "sudah diubah orang lain" in response.content.decode()
    site.refresh_from_db()
    assert site.operating_status == "open" and site.version == 1
