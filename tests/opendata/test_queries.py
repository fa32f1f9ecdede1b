"""Bounded queries: every open-data page costs the same number of queries whatever its page
size and however many sites there are (measured at two sizes of each)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kawasan.models import Kawasan, Membership
from opendata import hsds
from scoring.services import scores_recompute
from sites.importing.readers import SOURCE_SCHOOLS
from sites.models import ReviewState
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, make_site

pytestmark = pytest.mark.django_db

KELURAHAN = [RAWA_BUNGA, KAMPUNG_MELAYU, MENTENG, "31.74.01.1001", "31.73.01.1001"]
TYPES = [("sd",), ("puskesmas",), ("rptra", "posyandu"), ("smp",), ("perpustakaan", "sd")]
# The most queries each page may make (asserted, and equal at both sizes).
BOUNDS = {
    "/api/hsds/": 0,
    "/api/hsds/services?per_page={n}": 9,
    "/api/hsds/services?per_page={n}&full=true": 9,
    "/api/hsds/services?per_page={n}&page=2&search=a": 9,
    "/api/hsds/service_at_locations?per_page={n}&full=true": 9,
    "/api/hsds/organizations?per_page={n}&full_service=true": 10,
    "/api/hsds/taxonomies?per_page={n}": 0,
    "/api/hsds/taxonomy_terms?per_page={n}": 5,
    "/data-terbuka/situs.csv": 7,
    "/data-terbuka/situs.geojson": 7,
    "/data-terbuka/situs.xlsx": 7,
    "/data-terbuka/kawasan.csv": 4,
    "/data-terbuka/skor-wilayah.csv": 10,
    "/data-terbuka/": 1,
}


def add_sites(n: int, start: int = 0) -> list:
    sites = []
    for i in range(start, start + n):
        extra = {}
        if i % 3 == 0:  # a third are registered facilities of an official source
            extra = {"review_state": ReviewState.REGISTERED, "source": SOURCE_SCHOOLS}
            extra["source_id"] = f"9{i:07d}"
        sites.append(
            make_site(
                f"Situs {i}",
                KELURAHAN[i % len(KELURAHAN)],
                types=TYPES[i % len(TYPES)],
                public=not extra,
                **extra,
            )
        )
    kawasan = Kawasan.objects.create(name=f"Kawasan {start}", region_id=RAWA_BUNGA)
    for site in sites:
        Membership.objects.create(kawasan=kawasan, site=site)
    kawasan.hub = sites[0]
    kawasan.save()
    scores_recompute()
    return sites


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def detail_paths(client) -> list[str]:
    """Detail pages of the first service and organization (their ids from the lists)."""
    service = client.get("/api/hsds/services").json()["contents"][0]
    return [
        f"/api/hsds/services/{service['id']}",
        f"/api/hsds/service_at_locations/{client.get('/api/hsds/service_at_locations').json()['contents'][0]['id']}",
        f"/api/hsds/organizations/{service['organization_id']}?full_service=true",
        f"/api/hsds/taxonomy_terms/{hsds.term_id(hsds.TYPES, 1)}",
    ]


def test_queries_do_not_grow_with_page_size_or_data(client, django_assert_max_num_queries):
    add_sites(4)
    small = {p: queries(client, p.format(n=2)) for p in BOUNDS}
    small_details = [queries(client, p) for p in detail_paths(client)]
    add_sites(40, start=100)
    large = {p: queries(client, p.format(n=50)) for p in BOUNDS}
    large_details = [queries(client, p) for p in detail_paths(client)]
    assert large == small
    assert large_details == small_details
    for path, bound in BOUNDS.items():
        with django_assert_max_num_queries(bound):
            client.get(path.format(n=20))
    assert max(large_details) <= 8
