"""The API's HTTP behaviour: throttling, conditional requests, caching headers, bounded pages,
the OpenAPI document and the docs page under the portal's CSP."""

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from api import pagination, services
from tests.factories import RAWA_BUNGA, make_site

pytestmark = pytest.mark.django_db

SITES = reverse("api:site-list")


@pytest.fixture
def bearer(provinsi):
    return {"HTTP_AUTHORIZATION": f"Bearer {services.token_create(user=provinsi, name='t').secret}"}


@override_settings(KALTARA_API_RATE="3/hour")
def test_too_many_requests_are_refused_with_429(bearer, provinsi):
    api = Client()
    assert [api.get(SITES, **bearer).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(SITES, **bearer)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # The session of the same user shares the budget: the same user, the same limit.
    session = Client()
    session.force_login(provinsi)
    assert session.get(SITES).status_code == 429


@override_settings(KALTARA_API_RATE="3/hour")
def test_the_limit_is_per_user(bearer, lurah):
    api = Client()
    for _ in range(4):
        api.get(SITES, **bearer)
    other = {"HTTP_AUTHORIZATION": f"Bearer {services.token_create(user=lurah, name='t').secret}"}
    assert api.get(SITES, **other).status_code == 200


def test_a_repeated_get_is_answered_304_until_the_data_change(bearer):
    make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu",), public=True)
    api = Client()
    first = api.get(SITES, **bearer)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = api.get(SITES, HTTP_IF_NONE_MATCH=etag, **bearer)
    assert again.status_code == 304 and again.content == b""
    make_site("Posyandu Mawar", RAWA_BUNGA, types=("posyandu",), public=True)
    changed = api.get(SITES, HTTP_IF_NONE_MATCH=etag, **bearer)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_answers_are_private_and_revalidated(bearer):
    response = Client().get(SITES, **bearer)
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= cache_control
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"authorization", "cookie"} <= vary


def test_pages_are_bounded(bearer):
    api = Client()
    default = json.loads(api.get(reverse("api:region-list") + "?level=kelurahan", **bearer).content)
    assert len(default["features"]) == pagination.DEFAULT_PAGE_SIZE
    assert default["count"] == 267 and default["next"]
    huge = json.loads(
        api.get(reverse("api:region-list") + "?level=kelurahan&page_size=100000", **bearer).content
    )
    # Asked for more than the maximum: the maximum (all 267 fit under it).
    assert len(huge["features"]) == min(267, pagination.MAX_PAGE_SIZE)
    assert api.get(SITES + "?page=999", **bearer).status_code == 404


def test_the_openapi_document_describes_every_endpoint(bearer):
    response = Client().get(reverse("api:schema") + "?format=json", **bearer)
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/sites/",
        "/api/v1/sites/{id}/",
        "/api/v1/kawasan/",
        "/api/v1/kawasan/{id}/",
        "/api/v1/scores/",
        "/api/v1/scores/{kawasan}/",
        "/api/v1/regions/",
        "/api/v1/regions/{code}/",
        "/api/v1/rankings/",
    ):
        assert path in paths, path
    # Only reads; the site list's filters are the pages' (sites.filters.SiteFilter).
    assert {m for ops in schema["paths"].values() for m in ops} <= {"get"}
    params = {p["name"] for p in schema["paths"]["/api/v1/sites/"]["get"]["parameters"]}
    assert {"q", "type", "cluster", "sector", "region", "review_state", "page_size"} <= params
    assert schema["components"]["securitySchemes"]["tokenPribadi"]["scheme"] == "bearer"


def _csp_nonce(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert match, "the page's inline script needs a nonce in the policy"
    return match.group(1)


@pytest.mark.parametrize("via", ["session", "token"])
def test_the_docs_page_renders_under_the_csp_from_local_files_only(client, provinsi, bearer, via):
    if via == "session":
        client.force_login(provinsi)
        response = client.get(reverse("api:docs"))
    else:
        response = client.get(reverse("api:docs"), **bearer)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    # Every file the page loads is one of ours, from the static files (vendored Swagger UI).
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [u for u in urls if u.startswith("/static/")]
    assert any(u.endswith("swagger-ui-bundle.js") for u in assets)
    assert any(u.endswith("swagger-ui.css") for u in assets)
    assert not [u for u in urls if "//" in u], "no other host, no CDN"
    for asset in assets:
        assert Client().get(asset).status_code == 200, asset
    # No <style> element (style-src 'self'); every inline script carries this response's nonce.
    assert "<style" not in html
    nonce = _csp_nonce(response)
    scripts = re.findall(r"<script([^>]*)>", html)
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert (
        "unsafe-inline"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert reverse("api:schema") in html


def test_the_docs_page_is_not_for_anonymous_callers(client):
    assert client.get(reverse("api:docs")).status_code == 401
    assert client.get(reverse("api:schema")).status_code == 401


def test_an_id_beyond_any_column_is_404_not_an_error(bearer):
    api = Client()
    for name in ("api:site-detail", "api:kawasan-detail", "api:score-detail"):
        huge = reverse(name, args=[10**30])
        assert api.get(huge, **bearer).status_code == 404, name
    assert api.get("/api/v1/sites/abc/", **bearer).status_code == 404
