"""A plain HTTP client (urllib, nothing else) pulls Jakarta's whole public directory from the
live server through HSDS pagination and validates every object against the HSDS schemas;
the bulk files download in one request each.

The real data: every site of the import (tests/conftest.py `imported`), the facilities of
the official sources as registered, a few hundred of them verified. The live server answers
from its own thread, so the test is transactional; Django flushes the database after it and
`database_restored` puts back what later modules expect.
"""

import json
import time
import urllib.request

import pytest
from django.utils import timezone

from opendata.selectors import open_services, open_sites
from sites.models import ReviewState, Site
from tests.opendata.conftest import assert_page, assert_valid

PER_PAGE = 100
# "A few seconds at most" for the whole directory in one request; generous for a busy CI.
DOWNLOAD_LIMIT_S = 10.0


def fetch(url: str) -> tuple[bytes, float, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the live server
        assert response.status == 200, url
        body = response.read()
        headers = dict(response.headers)
    return body, time.perf_counter() - started, headers


def pull(base: str, path: str) -> tuple[list[dict], list[float]]:
    """Every object of a paginated HSDS list, page after page until last_page."""
    objects, times, page = [], [], 1
    while True:
        body, seconds, _h = fetch(f"{base}{path}&per_page={PER_PAGE}&page={page}")
        data = json.loads(body)
        assert_page(data)
        assert data["page_number"] == page
        objects += data["contents"]
        times.append(seconds)
        if data["last_page"]:
            assert len(objects) == data["total_items"]
            return objects, times
        page += 1


# serialized_rollback, as the browser journeys: the flush after the test then leaves the
# content types to `database_restored` instead of recreating them (post_migrate).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_plain_client_pulls_and_validates_the_whole_directory(
    database_restored, imported, live_server
):
    verified = list(Site.objects.order_by("pk").values_list("pk", flat=True)[::20])
    Site.objects.filter(pk__in=verified).update(
        review_state=ReviewState.VERIFIED, verified_at=timezone.now()
    )
    sites, services_total = open_sites().count(), open_services().count()
    assert sites > 5000  # all of Jakarta's imported facilities

    base = live_server.url + "/api/hsds"
    root = json.loads(fetch(base + "/")[0])
    assert root["version"] == "3.0"

    started = time.perf_counter()
    services, times = pull(base, "/services?full=true")
    pull_s = time.perf_counter() - started
    assert len(services) == services_total
    assert len({s["id"] for s in services}) == services_total
    locations = {sal["location"]["id"] for s in services for sal in s["service_at_locations"]}
    assert len(locations) == sites
    states = {a["taxonomy_term"]["code"] for s in services for a in s["attributes"]}
    assert {"terverifikasi", "terdaftar"} <= states

    started = time.perf_counter()
    for service in services:
        assert_valid("service", service)
    validate_s = time.perf_counter() - started
    for path, kind in (
        ("/organizations?full=true", "organization"),
        ("/taxonomies?x=1", "taxonomy"),
        ("/taxonomy_terms?x=1", "taxonomy_term"),
    ):
        objects, _times = pull(base, path)
        for obj in objects:
            assert_valid(kind, obj)

    downloads = {}
    for fmt in ("csv", "geojson", "xlsx"):
        body, seconds, headers = fetch(f"{live_server.url}/data-terbuka/situs.{fmt}")
        assert "attachment" in headers["Content-Disposition"]
        downloads[fmt] = (seconds, len(body))
        assert seconds < DOWNLOAD_LIMIT_S, (fmt, seconds)
    times.sort()
    print(
        f"\nHSDS pull: {len(services)} services at {sites} locations in {len(times)} pages of "
        f"{PER_PAGE} (full=true), {pull_s:.2f} s; page median {times[len(times) // 2] * 1000:.0f}"
        f" ms, max {times[-1] * 1000:.0f} ms; validated in {validate_s:.2f} s. Downloads: "
        + ", ".join(f"{f} {s:.2f} s {n / 1e6:.2f} MB" for f, (s, n) in downloads.items())
    )
