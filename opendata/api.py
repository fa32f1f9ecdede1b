"""The HSDS 3.0 read API at /api/hsds/: thin views over listings and hsds.

Each JSON answer is cached (web.fragments) under the open data's version, the path and the
query string, so a page read again before the data changes costs one version query and no
build; its ETag is that key, and a matching If-None-Match is answered 304. Answers over
CACHE_MAX_BYTES (a 1,000-service full page) are built each time rather than kept.

Plain Django views returning JSON, not Django REST framework serializers: every object is
a dict built from plain values. Measured on 100 full services of the real data (CPU, this
machine): 6.8 ms to build them as dicts; handing the same dicts through nested DRF
serializers makes it 16.3 ms, for nothing the API needs (no writes, no authentication, one
representation).
"""

import json
from functools import wraps

from django.conf import settings
from django.http import (
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import reverse

from web.fragments import cache_get_many, cache_key, cache_set_many

from . import downloads, hsds
from .access import open_data_view
from .listings import (
    ParamError,
    ServiceListing,
    flag,
    organization_listing,
    organization_lookup,
    output_format,
    paginated,
    paging,
    service_filter,
    service_lookup,
    streamed,
    taxonomy_listing,
    taxonomy_lookup,
    term_listing,
    term_lookup,
)
from .selectors import catalogue
from .versions import sites_version

PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0"
NOT_FOUND = "Tidak ditemukan (atau tidak termasuk data terbuka)."
CACHE_MAX_BYTES = 1024 * 1024


class NotFound(Exception):
    """The object asked for is not (or no longer) in the open data: 404."""


def _json(data, status=200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _cached(request, build) -> HttpResponse:
    """build()'s JSON, from the cache when the open data has not changed since."""
    # The host too: the root and the OpenAPI document carry absolute URLs.
    where = request.build_absolute_uri(request.path)
    key = cache_key("hsds", sites_version(), where, sorted(request.GET.lists()))
    etag = f'"{key.rsplit(":", 1)[-1]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    body = cache_get_many([key]).get(key)
    if body is None:
        body = json.dumps(build(), ensure_ascii=False)
        if len(body) <= CACHE_MAX_BYTES:
            cache_set_many({key: body})
    return HttpResponse(body, content_type="application/json", headers={"ETag": etag})


def hsds_view(view):
    """open_data_view, the answer cached; bad parameters answered 400, unknown ids 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            if request.GET.get("format") == "ndjson":  # a stream: never kept whole
                result = view(request, *args, **kwargs)
                return result if isinstance(result, HttpResponseBase) else _json(result)
            return _cached(request, lambda: view(request, *args, **kwargs))
        except ParamError as exc:
            return _json({"detail": str(exc)}, status=400)
        except NotFound:
            return _json({"detail": NOT_FOUND}, status=404)

    return open_data_view(wrapped)


def _listed(request, build):
    """The HSDS page of the listing build(params) makes, or (format=ndjson) all of it."""
    params = request.GET
    fmt = output_format(params)
    page, per_page = paging(params)
    listing = build(params)
    if fmt == "ndjson":
        lines = (json.dumps(obj, ensure_ascii=False) + "\n" for obj in streamed(listing))
        return StreamingHttpResponse(lines, content_type="application/x-ndjson")
    return paginated(listing, page, per_page)


def _found(obj):
    if obj is None:
        raise NotFound
    return obj


@hsds_view
def root(request):
    return {
        "version": hsds.HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
        "name": "Portal Kaltara: direktori layanan ramah anak DKI Jakarta (HSDS 3.0)",
        "language": hsds.LANGUAGE,
        "attribution": downloads.HSDS_ATTRIBUTION,
        "licence": downloads.licence(),
        "open_data": request.build_absolute_uri(reverse("opendata:index")),
    }


@hsds_view
def openapi(request):
    """HSDS's own OpenAPI document, read from the standards folder, with this API's info."""
    path = settings.KALTARA_STANDARDS_DIR / "hsds-3.0" / "schema" / "openapi.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound from None
    document["info"] = {
        "title": "Portal Kaltara HSDS API",
        "version": "1",
        "summary": "Direktori layanan ramah anak DKI Jakarta dalam HSDS 3.0, tanpa masuk.",
        "description": f"{downloads.HSDS_ATTRIBUTION}. Data: see /api/hsds/ (licence).",
        "license": {
            "name": downloads.HSDS_LICENCE["name"],
            "url": downloads.HSDS_LICENCE["url"],
        },
    }
    document["servers"] = [{"url": request.build_absolute_uri(reverse("hsds:root"))}]
    return document


def _services(kind):
    def build(params):
        return ServiceListing(
            catalogue(),
            service_filter(params),
            kind=kind,
            full=flag(params, "full"),
            minimal=kind == "service" and flag(params, "minimal"),
        )

    return build


@hsds_view
def services(request):
    return _listed(request, _services("service"))


@hsds_view
def service(request, object_id):
    cat = catalogue()
    found = _found(service_lookup(cat, "service", object_id))
    return hsds.service(cat, *found, full=True)


@hsds_view
def service_at_locations(request):
    return _listed(request, _services("sal"))


@hsds_view
def service_at_location(request, object_id):
    cat = catalogue()
    found = _found(service_lookup(cat, "sal", object_id))
    return hsds.service_at_location(cat, *found, full=True)


@hsds_view
def organizations(request):
    def build(params):
        return organization_listing(
            catalogue(),
            params,
            full=flag(params, "full"),
            full_service=flag(params, "full_service"),
        )

    return _listed(request, build)


@hsds_view
def organization(request, object_id):
    return _found(
        organization_lookup(catalogue(), object_id, full_service=flag(request.GET, "full_service"))
    )


@hsds_view
def taxonomies(request):
    return _listed(request, taxonomy_listing)


@hsds_view
def taxonomy(request, object_id):
    return _found(taxonomy_lookup(object_id))


@hsds_view
def taxonomy_terms(request):
    return _listed(request, lambda params: term_listing(catalogue(), params))


@hsds_view
def taxonomy_term(request, object_id):
    return _found(term_lookup(catalogue(), object_id))
