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
# The most queries each page may make when it is built (asserted, and equal at both sizes);
# read again before the data changes, it costs its version query alone.
BOUNDS = {
    "/api/hsds/": 1,
    "/api/hsds/services?per_page={n}": 10,
    "/api/hsds/services?per_page={n}&full=true": 10,
    "/api/hsds/services?per_page={n}&page=2&search=a": 10,
    "/api/hsds/service_at_locations?per_page={n}&full=true": 10,
    "/api/hsds/organizations?per_page={n}&full_service=true": 11,
    "/api/hsds/taxonomies?per_page={n}": 1,
    "/api/hsds/taxonomy_terms?per_page={n}": 6,
    "/data-terbuka/situs.csv": 8,
    "/data-terbuka/situs.geojson": 8,
    "/data-terbuka/situs.xlsx": 8,
    "/data-terbuka/kawasan.csv": 6,
    "/data-terbuka/skor-wilayah.csv": 12,
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
    assert max(large_details) <= 9


def test_a_page_read_again_costs_one_query_until_the_data_changes(client):
    sites = add_sites(4)
    path = "/api/hsds/services?per_page=10&full=true"
    first = client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(path)
    assert len(ctx.captured_queries) == 1 and again.content == first.content
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    for fmt in ("csv", "xlsx"):
        client.get(f"/data-terbuka/situs.{fmt}")
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/data-terbuka/situs.{fmt}")
        assert len(ctx.captured_queries) == 1

    site = sites[1]
    site.name = "Situs Berganti Nama"
    site.save()
    changed = client.get(path)
    assert changed["ETag"] != first["ETag"]
    assert "Situs Berganti Nama" in changed.content.decode()
    assert "Situs Berganti Nama" in client.get("/data-terbuka/situs.csv").content.decode()
