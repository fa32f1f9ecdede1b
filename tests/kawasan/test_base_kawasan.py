"""Base kawasan: one per kelurahan from the real import, hub nearest the centroid, follow-ups."""

import pytest
from django.contrib.gis.geos import Point
from django.db.models import F

from kawasan.models import Kawasan, Membership
from kawasan.services import base_kawasan_ensure_all
from regions.models import Region
from sites.importing.readers import SOURCE_RPTRA
from sites.models import OperatingStatus, ServiceType, Site
from sites.signals import site_created

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("imported")]

RAWA_BUNGA = "31.75.03.1004"


def _new_site(kelurahan, type_code, dx=0.0, status=OperatingStatus.OPEN):
    region = Region.objects.get(code=kelurahan)
    centroid = region.centroid
    site = Site.objects.create(
        name=f"Situs uji {type_code}",
        kelurahan=region,
        location=Point(centroid.x + dx, centroid.y, srid=4326),
        operating_status=status,
    )
    site.types.add(ServiceType.objects.get(code=type_code))
    return site


def test_it_gives_every_kelurahan_one_base_kawasan():
    base = Kawasan.objects.filter(is_base=True)
    assert base.count() == 267
    assert set(base.values_list("region__level", flat=True)) == {"kelurahan"}
    rawa_bunga = base.get(region_id=RAWA_BUNGA)
    assert rawa_bunga.name == "Kawasan Rawa Bunga"


def test_it_takes_the_active_sites_of_the_kelurahan_as_members():
    kawasan = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    members = set(kawasan.members.values_list("pk", flat=True))
    assert members == set(Site.objects.filter(kelurahan_id=RAWA_BUNGA).values_list("pk", flat=True))
    # Every imported site is in exactly one base kawasan: its own kelurahan's.
    assert Membership.objects.filter(kawasan__is_base=True).count() == Site.objects.count()
    assert (
        not Membership.objects.filter(kawasan__is_base=True)
        .exclude(kawasan__region_id=F("site__kelurahan_id"))
        .exists()
    )


def test_it_makes_the_rptra_nearest_the_centroid_the_hub():
    rows = Site.objects.filter(types__code="rptra").values_list("pk", "kelurahan_id", "location")
    nearest = {}
    for pk, kelurahan, location in rows:
        nearest.setdefault(kelurahan, []).append((pk, location))
    centroids = dict(Region.objects.filter(code__in=nearest).values_list("code", "centroid"))
    expected = {
        kel: min(sites, key=lambda s: (s[1].distance(centroids[kel]), s[0]))[0]
        for kel, sites in nearest.items()
    }
    hubs = dict(
        Kawasan.objects.filter(is_base=True, hub__isnull=False).values_list("region_id", "hub_id")
    )
    assert hubs == expected
    assert Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA).hub.source_id == "267"
    # Kelurahan without an RPTRA have no hub rather than some other site.
    assert Kawasan.objects.filter(is_base=True, hub__isnull=True).count() == 267 - len(expected)


def test_it_adds_nothing_on_a_second_run(django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        report = base_kawasan_ensure_all()
    assert (report.created, report.members_added, report.hubs_set) == (0, 0, 0)


def test_it_never_readds_a_member_a_user_removed():
    kawasan = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    site = kawasan.members.exclude(pk=kawasan.hub_id).first()
    Membership.objects.filter(kawasan=kawasan, site=site).delete()
    report = base_kawasan_ensure_all()
    assert report.members_added == 0
    assert not kawasan.members.filter(pk=site.pk).exists()


def test_it_adds_new_sites_but_not_closed_ones():
    open_site = _new_site(RAWA_BUNGA, "posyandu")
    closed_site = _new_site(RAWA_BUNGA, "sd", status=OperatingStatus.CLOSED)
    report = base_kawasan_ensure_all(new_site_ids=[open_site.pk, closed_site.pk])
    assert report.members_added == 1
    kawasan = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    assert kawasan.members.filter(pk=open_site.pk).exists()
    assert not kawasan.members.filter(pk=closed_site.pk).exists()


def test_it_adds_a_created_site_to_its_base_kawasan_via_the_signal():
    site = _new_site(RAWA_BUNGA, "posyandu")
    site_created.send(sender=Site, site=site, user=None)
    kawasan = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    assert kawasan.members.filter(pk=site.pk).exists()
    assert kawasan.hub.source_id == "267"  # the hub stays


def test_it_makes_a_new_rptra_the_hub_where_there_was_none():
    kawasan = Kawasan.objects.filter(is_base=True, hub__isnull=True).first()
    site = _new_site(kawasan.region_id, "rptra")
    site_created.send(sender=Site, site=site, user=None)
    kawasan.refresh_from_db()
    assert kawasan.hub == site


def test_it_creates_a_missing_base_kawasan_with_all_active_sites():
    Kawasan.objects.filter(is_base=True, region_id=RAWA_BUNGA).delete()
    existing = set(Site.objects.filter(kelurahan_id=RAWA_BUNGA).values_list("pk", flat=True))
    site = _new_site(RAWA_BUNGA, "posyandu")
    site_created.send(sender=Site, site=site, user=None)
    kawasan = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    assert set(kawasan.members.values_list("pk", flat=True)) == existing | {site.pk}
    assert kawasan.hub == Site.objects.get(source=SOURCE_RPTRA, source_id="267")
