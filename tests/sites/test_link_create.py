import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sites import services, signals
from sites.models import SiteChange, SiteLink
from tests.factories import KAMPUNG_MELAYU, MENTENG, make_site, point_in

pytestmark = pytest.mark.django_db


def post(client, site, other, **extra):
    # As the confirmation page posts it (the preview step: tests/scoring/test_change_previews.py).
    data = {
        "other": other.pk,
        "kind": "referral",
        "start_date": "2025-01-15",
        "note": "",
        "confirm": "1",
        **extra,
    }
    return client.post(reverse("services:link_create", args=[site.pk]), data)


def test_it_links_two_sites_as_an_ordered_pair_and_records_both_ends(client, lurah):
    first = make_site("Puskesmas RB")
    second = make_site("Posyandu Melati", types=("posyandu",))
    received = []
    signals.link_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t3")
    try:
        client.force_login(lurah)
        # Started from the higher pk: stored the other way round.
        response = post(client, second, first, note="Rujukan balita")
    finally:
        signals.link_changed.disconnect(dispatch_uid="t3")
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    link = SiteLink.objects.get()
    assert (link.site_a, link.site_b) == (first, second)
    assert link.start_date == datetime.date(2025, 1, 15) and link.created_by == lurah
    assert [kw["link"] for kw in received] == [link]
    changes = {c.site_id: c for c in SiteChange.objects.all()}
    assert changes[first.pk].changes == {"links": ["", "Rujukan: Posyandu Melati"]}
    assert changes[second.pk].changes == {"links": ["", "Rujukan: Puskesmas RB"]}


def test_it_refuses_a_second_active_link_of_the_same_kind(client, lurah):
    a, b = make_site("Puskesmas RB"), make_site("Posyandu Melati", types=("posyandu",))
    client.force_login(lurah)
    post(client, a, b)
    response = post(client, b, a)
    assert response.status_code == 200
    error = response.context["form"].errors["kind"][0]
    assert error.startswith("Jenis keterhubungan:") and "sudah terhubung sebagai Rujukan" in error
    assert SiteLink.objects.count() == 1
    # Another kind between the same pair is a different link.
    assert post(client, a, b, kind="joint_programme").status_code == 302
    assert SiteLink.objects.count() == 2


def test_it_allows_a_new_link_after_the_old_one_ended(client, lurah):
    a, b = make_site("Puskesmas RB"), make_site("Posyandu Melati", types=("posyandu",))
    client.force_login(lurah)
    post(client, a, b, start_date="2024-01-01")
    link = SiteLink.objects.get()
    services.link_end(
        user=lurah, link=link, version=link.version, end_date=datetime.date(2024, 6, 1)
    )
    assert post(client, a, b).status_code == 302
    assert SiteLink.objects.filter(end_date__isnull=True).count() == 1


def test_the_database_holds_one_active_link_per_pair_and_kind(lurah):
    a, b = make_site("Puskesmas RB"), make_site("Posyandu Melati", types=("posyandu",))
    SiteLink.objects.create(
        site_a=a, site_b=b, kind="referral", start_date=datetime.date(2025, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteLink.objects.create(
            site_a=a, site_b=b, kind="referral", start_date=datetime.date(2025, 2, 1)
        )


def test_it_links_to_a_public_site_in_another_area(client, lurah):
    mine = make_site("Puskesmas RB")
    theirs = make_site("RPTRA Menteng", MENTENG, types=("rptra",), public=True)
    client.force_login(lurah)
    assert post(client, mine, theirs).status_code == 302
    assert SiteLink.objects.get().site_b == theirs


def test_it_refuses_when_neither_end_is_the_users(lurah, lurah_other):
    a = make_site("Puskesmas Menteng", MENTENG, public=True)
    b = make_site("Posyandu Menteng", MENTENG, types=("posyandu",), public=True)
    with pytest.raises(PermissionDenied):
        services.link_create(user=lurah, site_a=a, site_b=b, kind="referral")
    own = make_site("Puskesmas KM", KAMPUNG_MELAYU)
    # The other end must be visible too: the lurah cannot reach another kelurahan's draft.
    with pytest.raises(PermissionDenied):
        services.link_create(
            user=lurah_other, site_a=own, site_b=make_site("Draf RB"), kind="referral"
        )
    assert not SiteLink.objects.exists()


def test_it_offers_only_visible_sites_nearest_first_and_rejects_others(client, lurah):
    site = make_site("Puskesmas RB")
    near = make_site(
        "Posyandu Dekat", types=("posyandu",), location=point_in("31.75.03.1004", dx_m=40)
    )
    far = make_site(
        "Posyandu Jauh", types=("posyandu",), location=point_in("31.75.03.1004", dx_m=400)
    )
    hidden = make_site("Draf Kampung Melayu", KAMPUNG_MELAYU)
    client.force_login(lurah)
    response = client.get(reverse("services:link_create", args=[site.pk]))
    assert [s for s, _ in response.context["candidates"]] == [near, far]
    assert "Draf Kampung Melayu" not in response.content.decode()
    response = client.get(reverse("services:link_create", args=[site.pk]), {"cari": "jauh"})
    assert [s for s, _ in response.context["candidates"]] == [far]
    response = post(client, site, hidden)
    assert response.context["form"].errors["other"]
    assert not SiteLink.objects.exists()


def test_it_refuses_linking_a_closed_site(lurah):
    a = make_site("Puskesmas RB")
    b = make_site("Posyandu Tutup", types=("posyandu",), operating_status="closed")
    with pytest.raises(ValidationError) as exc:
        services.link_create(user=lurah, site_a=a, site_b=b, kind="referral")
    assert "sudah tutup" in exc.value.message_dict["other"][0]
