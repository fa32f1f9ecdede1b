import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sites.models import Site
from tests.factories import (
    KAMPUNG_MELAYU,
    MENTENG,
    RAWA_BUNGA,
    make_site,
    point_in,
    service_type,
)

pytestmark = pytest.mark.django_db

URL = reverse("services:site_list")


def make_many(n, kelurahan=RAWA_BUNGA):
    """n sites with two types each, in bulk (the point is the query count, not the setup)."""
    puskesmas, posyandu = service_type("puskesmas"), service_type("posyandu")
    point = point_in(kelurahan)
    sites = Site.objects.bulk_create(
        Site(name=f"Situs {i:04d}", kelurahan_id=kelurahan, location=point) for i in range(n)
    )
    Through = Site.types.through
    Through.objects.bulk_create(
        [Through(site_id=s.pk, servicetype_id=t.pk) for s in sites for t in (puskesmas, posyandu)]
    )
    return sites


@pytest.mark.parametrize("n", [10, 500])
def test_it_lists_with_a_bounded_number_of_queries(client, camat, django_assert_max_num_queries, n):
    make_many(n)
    posyandu = service_type("posyandu").pk
    client.force_login(camat)
    # Session, user, grants, region choices, type/cluster/sector choices, count, rows, types.
    with django_assert_max_num_queries(11):
        response = client.get(URL, {"type": posyandu})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == n
    assert len(response.context["page"].object_list) == min(n, 50)


def test_it_paginates_by_fifty_and_keeps_the_filter(client, lurah):
    make_many(120)
    client.force_login(lurah)
    response = client.get(URL, {"q": "Situs", "page": 3})
    page = response.context["page"]
    assert page.number == 3 and page.paginator.num_pages == 3
    assert len(page.object_list) == 20
    assert "q=Situs&amp;page=2" in response.content.decode()


def test_it_shows_a_lurah_their_drafts_and_only_public_sites_elsewhere(client, lurah):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    make_site("Draf Kampung Melayu", KAMPUNG_MELAYU)
    make_site("Publik Menteng", MENTENG, public=True)
    client.force_login(lurah)
    names = [s.name for s in client.get(URL).context["page"].object_list]
    assert names == ["Draf Rawa Bunga", "Publik Menteng"]


def test_it_offers_only_regions_of_the_users_territory(client, lurah, camat, provinsi):
    client.force_login(lurah)
    codes = [c for c, _ in client.get(URL).context["filter"].form.fields["region"].choices if c]
    assert codes == [RAWA_BUNGA]
    client.force_login(camat)
    codes = [c for c, _ in client.get(URL).context["filter"].form.fields["region"].choices if c]
    assert codes[0] == "31.75.03" and RAWA_BUNGA in codes and KAMPUNG_MELAYU in codes
    assert all(c.startswith("31.75.03") for c in codes)
    client.force_login(provinsi)
    codes = [c for c, _ in client.get(URL).context["filter"].form.fields["region"].choices if c]
    assert len(codes) == 44 + 267


def test_it_refuses_a_region_outside_the_territory_instead_of_listing_it(client, lurah):
    make_site("Publik Menteng", MENTENG, public=True)
    client.force_login(lurah)
    response = client.get(URL, {"region": MENTENG})
    assert response.context["filter"].errors["region"]
    assert response.context["page"].paginator.count == 0


def test_it_filters_by_kecamatan_type_cluster_and_sector(client, camat):
    make_site("Puskesmas RB", RAWA_BUNGA)
    make_site("SD RB", RAWA_BUNGA, types=("sd",))
    make_site("SD KM", KAMPUNG_MELAYU, types=("sd", "smp"))
    make_site("SD Menteng", MENTENG, types=("sd",), public=True)
    client.force_login(camat)

    def names(**params):
        return sorted(s.name for s in client.get(URL, params).context["page"].object_list)

    assert names(region="31.75.03") == ["Puskesmas RB", "SD KM", "SD RB"]
    assert names(region=KAMPUNG_MELAYU) == ["SD KM"]
    assert names(type=service_type("sd").pk) == ["SD KM", "SD Menteng", "SD RB"]
    # Two types of one sector must not list the site twice.
    from accounts.models import Sector

    assert names(sector=Sector.objects.get(code="pendidikan").pk) == [
        "SD KM",
        "SD Menteng",
        "SD RB",
    ]
    assert names(q="menteng") == ["SD Menteng"]


def test_it_filters_by_cluster_without_duplicates(client, camat):
    from clusters.models import Cluster

    iv = Cluster.objects.get(code="IV")
    sd, smp = service_type("sd"), service_type("smp")
    sd.clusters.add(iv)
    smp.clusters.add(iv)
    make_site("SD SMP Satu Atap", RAWA_BUNGA, types=("sd", "smp"))
    make_site("Puskesmas RB", RAWA_BUNGA)
    client.force_login(camat)
    names = [s.name for s in client.get(URL, {"cluster": iv.pk}).context["page"].object_list]
    assert names == ["SD SMP Satu Atap"]


def test_it_filters_sites_not_verified_for_twelve_months(client, camat):
    now = timezone.now()
    fresh = make_site(
        "Baru diverifikasi", public=True, verified_at=now - datetime.timedelta(days=30)
    )
    make_site("Lama diverifikasi", public=True, verified_at=now - datetime.timedelta(days=400))
    old_draft = make_site("Draf lama")
    Site.objects.filter(pk=old_draft.pk).update(created_at=now - datetime.timedelta(days=500))
    make_site("Draf baru")
    client.force_login(camat)
    names = sorted(s.name for s in client.get(URL, {"stale": "on"}).context["page"].object_list)
    assert names == ["Draf lama", "Lama diverifikasi"]
    assert fresh.name not in names


def test_it_filters_by_review_and_operating_state(client, camat):
    make_site("Terverifikasi", public=True)
    make_site("Tutup", operating_status="closed")
    make_site("Draf")
    client.force_login(camat)
    got = client.get(URL, {"review_state": "verified"}).context["page"].object_list
    assert [s.name for s in got] == ["Terverifikasi"]
    got = client.get(URL, {"operating_status": "closed"}).context["page"].object_list
    assert [s.name for s in got] == ["Tutup"]
