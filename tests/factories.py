"""Test data for the site registry and everything above it: one SiteFactory (factory_boy).

    SiteFactory()                                    # a draft puskesmas inside Rawa Bunga
    SiteFactory(types=("sd", "rptra"), public=True)  # verified, open: visible to everyone
    SiteFactory(kelurahan_id=MENTENG, north_m=300)   # 300 m north of the scoring tests' point

make_site and make_link keep the call shape most tests were written with (name first);
tests/scoring/conftest.py's make_site (types first, near one fixed point) is the other
shape, also over SiteFactory.
"""

import datetime

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Sector
from regions.models import Region
from sites.models import OperatingStatus, ReviewState, ServiceType, Site, SiteLink

RAWA_BUNGA = "31.75.03.1004"
KAMPUNG_MELAYU = "31.75.03.1001"
MENTENG = "31.71.06.1001"
# Near Rawa Bunga's RPTRA: where the scoring tests measure distances from (north_m).
BASE_LAT, BASE_LON = -6.2170, 106.8690
M_PER_DEG_LAT = 111_195

# The sector a service type gets when a test needs one the catalogue migration did not make.
TYPE_SECTORS = {
    "puskesmas": "kesehatan",
    "posyandu": "kesehatan",
    "sd": "pendidikan",
    "smp": "pendidikan",
    "sma": "pendidikan",
    "perpustakaan": "pusip",
    "rptra": "ppapp",
}


def point_in(code: str, dx_m: float = 0.0, dy_m: float = 0.0) -> Point:
    """A point inside the region (near its centroid), moved by dx/dy metres."""
    region = Region.objects.only("centroid", "boundary").get(code=code)
    base = (
        region.centroid
        if region.boundary.contains(region.centroid)
        else region.boundary.point_on_surface
    )
    return Point(base.x + dx_m / 110_500, base.y + dy_m / 110_600, srid=4326)


class ServiceTypeFactory(DjangoModelFactory):
    """A service type by code; an existing one (the catalogue's) is taken as it is."""

    class Meta:
        model = ServiceType
        django_get_or_create = ("code",)

    code = "puskesmas"
    name = factory.LazyAttribute(lambda o: o.code.upper())
    sector = factory.LazyAttribute(
        lambda o: Sector.objects.get(code=TYPE_SECTORS.get(o.code, "ppapp"))
    )


def service_type(code: str) -> ServiceType:
    return ServiceTypeFactory(code=code)


def _location(o) -> Point:
    if o.north_m is not None:
        return Point(BASE_LON, BASE_LAT + o.north_m / M_PER_DEG_LAT, srid=4326)
    return point_in(o.kelurahan_id)


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site
        # The types are set after the row exists; no second save (it would bump `version`).
        skip_postgeneration_save = True

    class Params:
        # Verified and open: what every user may see.
        public = factory.Trait(
            review_state=ReviewState.VERIFIED,
            verified_at=factory.LazyFunction(timezone.now),
            operating_status=OperatingStatus.OPEN,
        )
        # Metres north of BASE_LAT/BASE_LON; None: a point inside the kelurahan.
        north_m = None

    name = "Puskesmas Rawa Bunga"
    kelurahan_id = RAWA_BUNGA
    location = factory.LazyAttribute(_location)
    review_state = ReviewState.DRAFT
    # A verified site must carry its verification time (a database constraint).
    verified_at = factory.LazyAttribute(
        lambda o: (
            timezone.now() - datetime.timedelta(days=10)
            if o.review_state == ReviewState.VERIFIED
            else None
        )
    )

    @factory.post_generation
    def types(self, create, extracted, **kwargs):
        """Service type codes (or ServiceType rows); default: a puskesmas."""
        codes = ("puskesmas",) if extracted is None else extracted
        self.types.set(
            [t if isinstance(t, ServiceType) else ServiceTypeFactory(code=t) for t in codes]
        )


def make_site(
    name="Puskesmas Rawa Bunga",
    kelurahan=RAWA_BUNGA,
    types=("puskesmas",),
    public=False,
    location=None,
    **kwargs,
) -> Site:
    if location is not None:
        kwargs["location"] = location
    return SiteFactory(name=name, kelurahan_id=kelurahan, types=types, public=public, **kwargs)


def make_link(a: Site, b: Site, kind="referral", **kwargs) -> SiteLink:
    a, b = (a, b) if a.pk < b.pk else (b, a)
    kwargs.setdefault("start_date", datetime.date(2024, 1, 1))
    return SiteLink.objects.create(site_a=a, site_b=b, kind=kind, **kwargs)
