import datetime

import pytest
from django.urls import reverse

from sites.models import SiteChange
from tests.factories import MENTENG, make_link, make_site

pytestmark = pytest.mark.django_db


def test_it_ends_a_link_keeping_the_row_and_recording_both_ends(client, lurah):
    a = make_site("Puskesmas RB")
    b = make_site("RPTRA Menteng", MENTENG, types=("rptra",), public=True)
    link = make_link(a, b, start_date=datetime.date(2024, 1, 1))
    client.force_login(lurah)
    response = client.post(
        reverse("services:link_end", args=[link.pk]),
        {"end_date": "2025-03-01", "reason": "MoU habis", "version": link.version, "confirm": "1"},
    )
    assert response.status_code == 302 and response["Location"] == a.get_absolute_url()
    link.refresh_from_db()
    assert link.end_date == datetime.date(2025, 3, 1)
    rows = SiteChange.objects.filter(action="link_ended")
    assert {r.site_id for r in rows} == {a.pk, b.pk}
    assert all(r.reason == "MoU habis" and r.user == lurah for r in rows)


def test_it_refuses_an_end_before_the_start(client, lurah):
    link = make_link(make_site("A"), make_site("B"), start_date=datetime.date(2025, 1, 1))
    client.force_login(lurah)
    response = client.post(
        reverse("services:link_end", args=[link.pk]),
        {"end_date": "2024-12-31", "version": link.version},
        follow=True,
    )
    assert "tidak boleh sebelum tanggal mulai" in response.content.decode()
    link.refresh_from_db()
    assert link.end_date is None


def test_it_does_not_end_a_link_twice(client, lurah):
    link = make_link(make_site("A"), make_site("B"), end_date=datetime.date(2024, 6, 1))
    client.force_login(lurah)
    response = client.post(reverse("services:link_end", args=[link.pk]), {}, follow=True)
    assert "sudah berakhir" in response.content.decode()
    assert not SiteChange.objects.exists()


@pytest.mark.parametrize("version", [None, "", "7"])
def test_ending_a_link_without_its_current_version_is_refused(client, lurah, version):
    link = make_link(make_site("A"), make_site("B"), start_date=datetime.date(2024, 1, 1))
    client.force_login(lurah)
    data = {"end_date": "2025-01-01"} | ({} if version is None else {"version": version})
    response = client.post(reverse("services:link_end", args=[link.pk]), data, follow=True)
    assert "sudah berubah sejak halaman dibuka" in response.content.decode()
    link.refresh_from_db()
    assert link.end_date is None and link.version == 1
    assert not SiteChange.objects.exists()
