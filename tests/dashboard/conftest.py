"""Fixtures for dashboard tests: the real import with its scores, and small kawasan."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from kawasan.models import Kawasan, Membership
from sites.models import ReviewState
from tests.factories import (
    KAMPUNG_MELAYU,
    MENTENG,
    RAWA_BUNGA,
    make_link,
    make_site,
    point_in,
)

JATINEGARA = "31.75.03"
JAKARTA_TIMUR = "31.75"


@pytest.fixture(scope="module")
def scored(imported, django_db_blocker):
    """The real sites and base kawasan with their stored scores, for one module."""
    from scoring.services import scores_recompute

    with django_db_blocker.unblock():
        scores_recompute()
    return imported


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """An empty private cache for each test: the dashboards cache fragments keyed by
    fingerprints of the data, and a test's rolled-back rows (or its direct UPDATEs, which
    no portal write does) must not meet another test's fragments. A shared Redis (CI's
    PostGIS run) must neither leak entries between tests nor be cleared."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kaltara-dashboard-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def small_kawasan(region=RAWA_BUNGA, *, name=None, public=False):
    """A kawasan of an RPTRA hub, a puskesmas and a posyandu, the RPTRA linked to the
    puskesmas; drafts unless public."""
    rptra = make_site(f"RPTRA {region}", region, types=("rptra",), public=public)
    puskesmas = make_site(
        f"Puskesmas {region}", region, public=public, location=point_in(region, dx_m=300)
    )
    posyandu = make_site(f"Posyandu {region}", region, types=("posyandu",), public=public)
    kawasan = Kawasan.objects.create(name=name or f"Kawasan {region}", region_id=region, hub=rptra)
    for site in (rptra, puskesmas, posyandu):
        Membership.objects.create(kawasan=kawasan, site=site)
    make_link(rptra, puskesmas)
    return kawasan


def submitted_site(name, kelurahan=RAWA_BUNGA, types=("puskesmas",), *, days_ago=0):
    """A site submitted for review `days_ago` days ago."""
    when = timezone.now() - timedelta(days=days_ago)
    return make_site(
        name, kelurahan, types=types, review_state=ReviewState.SUBMITTED, submitted_at=when
    )


__all__ = [
    "JAKARTA_TIMUR",
    "JATINEGARA",
    "KAMPUNG_MELAYU",
    "MENTENG",
    "RAWA_BUNGA",
    "small_kawasan",
]
