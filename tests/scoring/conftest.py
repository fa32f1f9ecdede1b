"""Factories for scoring tests: service types, sites, kawasan, links, made with the ORM.

Service types come from get_or_create by code with the catalogue's clusters, so the tests
do not depend on the catalogue migration's details.
"""

from datetime import date, datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache

from clusters.models import Cluster
from kawasan.models import Kawasan, Membership
from scoring.services import DRAIN_SCHEDULED_KEY
from sites.models import ServiceType, Site, SiteLink
from tests.factories import BASE_LAT, BASE_LON, ServiceTypeFactory, SiteFactory

RAWA_BUNGA = "31.75.03.1004"
KAMPUNG_MELAYU = "31.75.03.1001"
JATINEGARA = "31.75.03"
JAKARTA_TIMUR = "31.75"

# code -> clusters, as in the catalogue (domain.md); the sectors are tests.factories.TYPE_SECTORS.
TYPES = {
    "rptra": ["II", "IV"],
    "puskesmas": ["III"],
    "posyandu": ["III"],
    "sd": ["IV"],
    "smp": ["IV"],
    "sma": ["IV"],
    "perpustakaan": ["I", "IV"],
    "forum-anak": ["I"],
    "puspaga": ["II"],
    "pos-pengaduan": ["V"],
}


@pytest.fixture(autouse=True)
def _drain_flag_cleared():
    # The flag lives in the cache (Redis in CI's PostGIS run), outside the test transaction.
    cache.delete(DRAIN_SCHEDULED_KEY)
    yield
    cache.delete(DRAIN_SCHEDULED_KEY)


def service_type(code: str) -> ServiceType:
    """The type with the catalogue's clusters (set here: the score reads them)."""
    stype = ServiceTypeFactory(code=code)
    stype.clusters.set(Cluster.objects.filter(code__in=TYPES[code]))
    return stype


def make_site(
    *types: str,
    kelurahan: str = RAWA_BUNGA,
    north_m: float = 0.0,
    review_state: str = "registered",
    verified_at: datetime | None = None,
    operating_status: str = "open",
    name: str = "",
) -> Site:
    """A site `north_m` metres north of BASE_LAT/BASE_LON (whatever the kelurahan), so that
    distances between the sites of a test are exact; verified 10 days ago by default."""
    extra = {"verified_at": verified_at} if verified_at is not None else {}
    return SiteFactory(
        name=name or "-".join(types) or "situs",
        kelurahan_id=kelurahan,
        north_m=north_m,
        review_state=review_state,
        operating_status=operating_status,
        types=[service_type(code) for code in types],
        **extra,
    )


def make_kawasan(sites=(), *, hub=None, region: str = RAWA_BUNGA, name: str = "") -> Kawasan:
    kawasan = Kawasan.objects.create(name=name or f"Kawasan {region}", region_id=region, hub=hub)
    Membership.objects.bulk_create([Membership(kawasan=kawasan, site=s) for s in sites])
    return kawasan


def make_link(a: Site, b: Site, *, start: date | None = None, end: date | None = None) -> SiteLink:
    a, b = sorted([a, b], key=lambda s: s.pk)
    return SiteLink.objects.create(
        site_a=a,
        site_b=b,
        kind="referral",
        start_date=start or date(2024, 1, 1),
        end_date=end,
    )


def make_many_kawasan(count: int, *, region: str = RAWA_BUNGA) -> list[Kawasan]:
    """`count` kawasan of three sites each (an RPTRA hub, a puskesmas, an SD) with two links,
    made in bulk so that a 200-kawasan test stays fast."""
    rptra, puskesmas, sd = service_type("rptra"), service_type("puskesmas"), service_type("sd")
    kinds = [rptra, puskesmas, sd]
    sites = Site.objects.bulk_create(
        [
            Site(
                name=f"situs {i}",
                kelurahan_id=region,
                location=Point(BASE_LON, BASE_LAT + (i % 3) * 0.002, srid=4326),
                review_state="registered",
            )
            for i in range(3 * count)
        ]
    )
    Site.types.through.objects.bulk_create(
        [
            Site.types.through(site_id=site.pk, servicetype_id=kinds[i % 3].pk)
            for i, site in enumerate(sites)
        ]
    )
    kawasan = Kawasan.objects.bulk_create(
        [
            Kawasan(name=f"Kawasan {i}", region_id=region, hub_id=sites[3 * i].pk)
            for i in range(count)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(kawasan=k, site_id=sites[3 * i + j].pk)
            for i, k in enumerate(kawasan)
            for j in range(3)
        ]
    )
    SiteLink.objects.bulk_create(
        [
            SiteLink(
                site_a_id=sites[3 * i].pk,
                site_b_id=sites[3 * i + j].pk,
                kind="referral",
                start_date=date(2024, 1, 1),
            )
            for i in range(count)
            for j in (1, 2)
        ]
    )
    return kawasan
