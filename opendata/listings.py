"""The HSDS lists: filters read from the query string, HSDS pagination, detail lookups.

A list costs a fixed number of queries whatever its page size and the data (asserted in
tests/opendata): the catalogue (5), the count, the page's keys, the page's sites (2), plus
the version query of the cache in front (api). Small lists (taxonomies, terms,
organizations) are built whole in Python from the catalogue.

Parameters follow schema/openapi.json of HSDS 3.0: page, per_page, search, taxonomy_term_id,
taxonomy_id, organization_id, modified_after, full, minimal, full_service, top_only,
parent_id, and format (json, or ndjson: every result, one object a line, no pagination).
postcode and proximity are refused (400): no source has postal codes, and a filter that
is silently ignored would answer with more than was asked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from regions.models import subtree_q
from sites.models import ReviewState

from . import hsds, ids
from .selectors import (
    VERIFIED,
    Catalogue,
    SiteRow,
    open_services,
    organization_keys,
    services_of_organizations,
    sites_by_pk,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
STREAM_CHUNK = 500


class ParamError(ValueError):
    """A query parameter that cannot be read: the API answers 400 with this message."""


# --- parameters ------------------------------------------------------------------------------


def flag(params, name: str) -> bool:
    value = params.get(name)
    if value in (None, "", "false", "0", "False"):
        return False
    if value in ("true", "1", "True"):
        return True
    raise ParamError(f"{name}: pakai true atau false.")


def _positive(params, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ParamError(f"{name}: harus bilangan bulat.") from None
    if number < 1:
        raise ParamError(f"{name}: paling kecil 1.")
    return number


def paging(params) -> tuple[int, int]:
    """(page, per_page); per_page above MAX_PER_PAGE is served as MAX_PER_PAGE."""
    page = _positive(params, "page", 1)
    per_page = min(_positive(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return page, per_page


def output_format(params) -> str:
    value = params.get("format") or "json"
    if value not in ("json", "ndjson"):
        raise ParamError("format: pakai json atau ndjson.")
    return value


def _uuid(params, name: str) -> str | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if not ids.is_uuid(value):
        raise ParamError(f"{name}: bukan UUID.")
    return value


def _modified_after(params) -> datetime | None:
    value = params.get("modified_after")
    if value in (None, ""):
        return None
    moment = parse_datetime(value.replace(" ", "+"))  # an unescaped "+" arrives as a space
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ParamError("modified_after: pakai tanggal-waktu ISO 8601.")
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # Jakarta time, as everywhere in the portal
    return moment


# --- services and service-at-location ------------------------------------------------------


def _term_q(value: str) -> Q | None:
    """The services classified under a term id; None for an id that names no term."""
    key = ids.decode(ids.TAXONOMY_TERM, value)
    if key is None:
        return None
    pk, number = key
    if number == hsds.CLUSTERS:
        return Q(servicetype__clusters__pk=pk)
    if number == hsds.TYPES:
        return Q(servicetype_id=pk)
    if number == hsds.VERIFICATION and pk in hsds.VERIFICATION_TERMS:
        code = hsds.VERIFICATION_TERMS[pk][0]
        state = ReviewState.VERIFIED if code == VERIFIED else ReviewState.REGISTERED
        return Q(site__review_state=state)
    return None


def _organization_q(value: str) -> Q | None:
    key = ids.decode(ids.ORGANIZATION, value)
    if key is None:
        return None
    kota_number, sector_pk = key
    below = subtree_q("site__kelurahan__code", ids.kota_code(kota_number), include_self=False)
    return Q(servicetype__sector_id=sector_pk) & below


def service_filter(params) -> QuerySet:
    """The open services narrowed by the HSDS filters of the query string."""
    qs = open_services()
    if search := (params.get("search") or "").strip():
        qs = qs.filter(
            Q(site__name__icontains=search)
            | Q(site__address__icontains=search)
            | Q(servicetype__name__icontains=search)
            | Q(site__kelurahan__name__icontains=search)
        )
    if (value := _uuid(params, "taxonomy_term_id")) is not None:
        q = _term_q(value)
        qs = qs.filter(q) if q is not None else qs.none()
    if (value := _uuid(params, "taxonomy_id")) is not None:
        key = ids.decode(ids.TAXONOMY, value)
        # Every service has a term of each taxonomy: a known taxonomy narrows nothing.
        if key is None or key[0] not in hsds.TAXONOMIES:
            qs = qs.none()
    if (value := _uuid(params, "organization_id")) is not None:
        q = _organization_q(value)
        qs = qs.filter(q) if q is not None else qs.none()
    if (moment := _modified_after(params)) is not None:
        qs = qs.filter(site__updated_at__gte=moment)
    for refused in ("postcode", "proximity"):
        if params.get(refused):
            raise ParamError(f"{refused}: tidak didukung (data ini tidak memuat kode pos).")
    return qs


@dataclass
class ServiceListing:
    """Services (kind "service") or service-at-location ("sal") over a filtered queryset."""

    cat: Catalogue
    qs: QuerySet
    kind: str = "service"
    full: bool = False
    minimal: bool = False

    def count(self) -> int:
        return self.qs.count()

    def page(self, offset: int, limit: int) -> list[dict]:
        keys = list(self.qs[offset : offset + limit].values_list("site_id", "servicetype_id"))
        sites = sites_by_pk({site_pk for site_pk, _t in keys})
        return [
            self.build(sites[site_pk], self.cat.types[type_pk])
            for site_pk, type_pk in keys
            if site_pk in sites
        ]

    def build(self, site: SiteRow, t) -> dict:
        if self.kind == "sal":
            return hsds.service_at_location(self.cat, site, t, full=self.full)
        return hsds.service(self.cat, site, t, full=self.full, minimal=self.minimal)


def service_lookup(cat: Catalogue, kind: str, value: str) -> tuple[SiteRow, object] | None:
    """The open (site, type) behind a service or service-at-location id, or None."""
    key = ids.decode(ids.SERVICE if kind == "service" else ids.SERVICE_AT_LOCATION, value)
    if key is None:
        return None
    site_pk, type_pk = key
    site = sites_by_pk([site_pk]).get(site_pk)
    if site is None or type_pk not in site.type_pks or type_pk not in cat.types:
        return None
    return site, cat.types[type_pk]


# --- organizations, taxonomies, terms: small, built whole ------------------------------------


@dataclass
class ListListing:
    items: list[dict] = field(default_factory=list)

    def count(self) -> int:
        return len(self.items)

    def page(self, offset: int, limit: int) -> list[dict]:
        return self.items[offset : offset + limit]


def _matches(obj: dict, search: str, keys=("name", "description", "code")) -> bool:
    needle = search.casefold()
    return any(needle in str(obj.get(k, "")).casefold() for k in keys)


def services_of(cat: Catalogue, org_keys: list, *, full: bool) -> dict[tuple, list[dict]]:
    """The open services of each organization, simple (id, name, status) or full."""
    pairs = services_of_organizations(org_keys)
    sites = sites_by_pk({site_pk for found in pairs.values() for site_pk, _t in found})
    result = {}
    for key, found in pairs.items():
        items = []
        for site_pk, type_pk in found:
            site, t = sites.get(site_pk), cat.types.get(type_pk)
            if site is None or t is None:
                continue
            obj = hsds.service(cat, site, t, full=full, organization_too=False)
            items.append(obj if full else {k: obj[k] for k in ("id", "name", "status")})
        result[key] = items
    return result


def organization_listing(cat: Catalogue, params, *, full: bool, full_service: bool):
    keys = [(s, k) for s, k in organization_keys() if s in cat.sectors]
    objects = [hsds.organization(cat, sector, kota) for sector, kota in keys]
    if search := (params.get("search") or "").strip():
        found = [(k, o) for k, o in zip(keys, objects, strict=True) if _matches(o, search)]
        keys, objects = [k for k, _o in found], [o for _k, o in found]
    if full or full_service:
        services = services_of(cat, keys, full=full_service)
        for key, obj in zip(keys, objects, strict=True):
            obj["services"] = services[key]
    return ListListing(objects)


def organization_lookup(cat: Catalogue, value: str, *, full_service: bool) -> dict | None:
    key = ids.decode(ids.ORGANIZATION, value)
    if key is None:
        return None
    kota_number, sector_pk = key
    kota = ids.kota_code(kota_number)
    if sector_pk not in cat.sectors or kota not in cat.kota:
        return None
    obj = hsds.organization(cat, sector_pk, kota)
    obj["services"] = services_of(cat, [(sector_pk, kota)], full=full_service)[(sector_pk, kota)]
    return obj


def taxonomy_listing(params) -> ListListing:
    items = [hsds.taxonomy(number) for number in hsds.TAXONOMIES]
    if search := (params.get("search") or "").strip():
        items = [t for t in items if _matches(t, search)]
    return ListListing(items)


def taxonomy_lookup(value: str) -> dict | None:
    key = ids.decode(ids.TAXONOMY, value)
    return hsds.taxonomy(key[0]) if key is not None and key[0] in hsds.TAXONOMIES else None


def term_listing(cat: Catalogue, params) -> ListListing:
    items = hsds.all_terms(cat)
    if search := (params.get("search") or "").strip():
        items = [t for t in items if _matches(t, search)]
    if (value := _uuid(params, "taxonomy_id")) is not None:
        items = [t for t in items if t["taxonomy_id"] == value]
    # The three taxonomies are flat: no term has a parent (top_only keeps all of them).
    if _uuid(params, "parent_id") is not None:
        items = []
    flag(params, "top_only")
    return ListListing(items)


def term_lookup(cat: Catalogue, value: str) -> dict | None:
    return next((t for t in hsds.all_terms(cat) if t["id"] == value.lower()), None)


# --- pages ---------------------------------------------------------------------------------


def paginated(listing, page: int, per_page: int) -> dict:
    """An HSDS Page (openapi.json components/schemas/Page) with its contents."""
    total = listing.count()
    offset = (page - 1) * per_page
    contents = listing.page(offset, per_page) if offset < total else []
    total_pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def streamed(listing) -> Iterator[dict]:
    """Every object of the listing, read STREAM_CHUNK at a time (format=ndjson)."""
    total = listing.count()
    for offset in range(0, total, STREAM_CHUNK):
        yield from listing.page(offset, STREAM_CHUNK)
