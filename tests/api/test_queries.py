"""Bounded queries per API page: a fixed number whatever the page size and the data behind it
(two page sizes over two amounts of data each, by session and by token; the cached site
pages both built and read from the cache)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import services
from kawasan.models import Kawasan, Membership
from scoring import services as scoring_services
from sites.models import Site, SiteLink
from tests.factories import RAWA_BUNGA, point_in, service_type
from web.fragments import LOCAL

pytestmark = pytest.mark.django_db

# What each page costs by token, once the worker knows the user's grants (accounts.scoping
# keeps them per process) and the connection is set up. A session costs one more: its
# session row and its user, where a token is one row joined with its user.
BUDGET = {
    # token+user, the sites' version, count, rows, their types (no filter asked: the
    # filterset is not built), when the page is built
    "sites": 5,
    # token+user, the sites' version, region choices of the filter, the type asked for,
    # count, rows, their types
    "sites_by_type": 7,
    # the same pages kept in the cache: token+user, the sites' version
    "sites (cached)": 2,
    "sites_by_type (cached)": 2,
    # token+user, the site, its types, checklist answers, documents, history (the site
    # page's read), the two sides of its links, which far ends are visible, its kawasan
    "site": 10,
    # token+user, count, rows (visible members counted in the same query)
    "kawasan": 3,
    # token+user, the kawasan, its member ids, the visible members, their types, the links
    "kawasan_detail": 6,
    # token+user, count, rows (with policy and region)
    "scores": 3,
    # token+user, count, rows (boundaries simplified and written as GeoJSON in SQL)
    "regions": 3,
    # token+user, policy, kota choices, the three reads of region_scores
    "rankings": 6,
}


def add_data(n: int, kawasan: Kawasan | None = None):
    """n more public sites with two types each, all members of one kawasan in Rawa Bunga
    (made if not given), linked in pairs, n // 10 more kawasan, everything scored. In bulk:
    the point is the count of queries, not the setup."""
    puskesmas, posyandu = service_type("puskesmas"), service_type("posyandu")
    point = point_in(RAWA_BUNGA)
    now = timezone.now()
    start = Site.objects.count()
    sites = Site.objects.bulk_create(
        Site(
            name=f"Situs {start + i:04d}",
            kelurahan_id=RAWA_BUNGA,
            location=point,
            review_state="verified",
            verified_at=now,
        )
        for i in range(n)
    )
    through = Site.types.through
    through.objects.bulk_create(
        [through(site_id=s.pk, servicetype_id=t.pk) for s in sites for t in (puskesmas, posyandu)]
    )
    if kawasan is None:
        kawasan = Kawasan.objects.create(name="Kawasan Besar", region_id=RAWA_BUNGA, hub=sites[0])
    Membership.objects.bulk_create(Membership(kawasan=kawasan, site=s) for s in sites)
    SiteLink.objects.bulk_create(
        SiteLink(site_a=a, site_b=b, kind="referral", start_date=now.date())
        for a, b in zip(sites[::2], sites[1::2], strict=False)
    )
    for i in range(n // 10):
        Kawasan.objects.create(name=f"Kawasan {start + i:04d}", region_id=RAWA_BUNGA)
    scoring_services.scores_recompute()
    return kawasan, sites[0]


def _count(client, path, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


def _pages(kawasan, site, size):
    q = f"?page_size={size}"
    return {
        "sites": reverse("api:site-list") + q,
        "sites_by_type": reverse("api:site-list") + q + f"&type={service_type('posyandu').pk}",
        "site": reverse("api:site-detail", args=[site.pk]),
        "kawasan": reverse("api:kawasan-list") + q,
        "kawasan_detail": reverse("api:kawasan-detail", args=[kawasan.pk]),
        "scores": reverse("api:score-list") + q,
        "regions": reverse("api:region-list") + q + "&level=kelurahan",
        "rankings": reverse("api:ranking-list") + q + "&tingkat=kelurahan",
    }


# Pages kept whole in the cache (api.views.SiteViewSet.list): measured built, from an empty
# cache, and then read again from it.
CACHED = {"sites", "sites_by_type"}


def _cold(client, path, **headers) -> int:
    cache.clear()
    LOCAL.clear()
    return _count(client, path, **headers)


def _measure(kawasan, site, api, bearer, session) -> dict:
    counts = {}
    for size in (10, 200):
        for name, path in _pages(kawasan, site, size).items():
            if name in CACHED:
                counts[(name, size)] = (_cold(api, path, **bearer), _cold(session, path))
                counts[(f"{name} (cached)", size)] = (
                    _count(api, path, **bearer),
                    _count(session, path),
                )
            else:
                counts[(name, size)] = (_count(api, path, **bearer), _count(session, path))
    return counts


def test_every_api_page_costs_a_fixed_number_of_queries(provinsi):
    kawasan, site = add_data(20)
    api = Client()
    bearer = {
        "HTTP_AUTHORIZATION": f"Bearer {services.token_create(user=provinsi, name='t').secret}"
    }
    session = Client()
    session.force_login(provinsi)
    _measure(kawasan, site, api, bearer, session)  # grants read, connection set up, token used
    small = _measure(kawasan, site, api, bearer, session)
    add_data(400, kawasan)
    large = _measure(kawasan, site, api, bearer, session)
    for (name, size), (by_token, by_session) in small.items():
        assert by_token <= BUDGET[name], (name, size, by_token)
        assert by_session <= BUDGET[name] + 1, (name, size, by_session)
        # Neither the page size nor the data behind it change the count.
        assert small[(name, 10)] == small[(name, 200)] == large[(name, 10)] == large[(name, 200)], (
            name,
            small,
            large,
        )
