"""Small factories for the site registry tests: service types, sites and links."""

import datetime

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Sector
from regions.models import Region
from sites.models import OperatingStatus, ReviewState, ServiceType, Site, SiteLink

RAWA_BUNGA = "31.75.03.1004"
KAMPUNG_MELAYU = "31.75.03.1001"
MENTENG = "31.71.06.1001"

TYPE_SECTORS = {
    "puskesmas": "kesehatan",
    "posyandu": "kesehatan",
    "sd": "pendidikan",
    "smp": "pendidikan",
    "rptra": "ppapp",
}


def service_type(code: str) -> ServiceType:
    # get_or_create: the catalogue migration may or may not have made it already.
    st, _ = ServiceType.objects.get_or_create(
        code=code,
        defaults={
            "name": code.upper(),
            "sector": Sector.objects.get(code=TYPE_SECTORS.get(code, "ppapp")),
        },
    )
    return st


def point_in(code: str, dx_m: float = 0.0, dy_m: float = 0.0) -> Point:
    """A point inside the region (near its centroid), moved by dx/dy metres."""
    region = Region.objects.only("centroid", "boundary").get(code=code)
    base = (
        region.centroid
        if region.boundary.contains(region.centroid)
        else region.boundary.point_on_surface
    )
    return Point(base.x + dx_m / 110_500, base.y + dy_m / 110_600, srid=4326)


def make_site(
    name="Puskesmas Rawa Bunga",
    kelurahan=RAWA_BUNGA,
    types=("puskesmas",),
    public=False,
    location=None,
    **kwargs,
) -> Site:
    if public:
        kwargs.setdefault("review_state", ReviewState.VERIFIED)
        kwargs.setdefault("verified_at", timezone.now())
        kwargs.setdefault("operating_status", OperatingStatus.OPEN)
    site = Site.objects.create(
        name=name,
        kelurahan_id=kelurahan,
        location=location or point_in(kelurahan),
        **kwargs,
    )
    site.types.set([service_type(c) for c in types])
    return site


def make_link(a: Site, b: Site, kind="referral", **kwargs) -> SiteLink:
    a, b = (a, b) if a.pk < b.pk else (b, a)
    kwargs.setdefault("start_date", datetime.date(2024, 1, 1))
    return SiteLink.objects.create(site_a=a, site_b=b, kind=kind, **kwargs)
