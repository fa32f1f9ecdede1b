"""What the public may read, as plain values: the open directory, the catalogue, the scores.

The open rule (open_q) is the portal's public rule (sites.models.public_q: verified and
open) plus, with KALTARA_OPEN_DATA_REGISTERED (default on), the facilities registered from
the official sources as they were imported: review state "registered", open, never edited
by a portal user, from one of the import's sources (Jakarta Satu's RPTRA and puskesmas,
Kemendikbud's schools). Those are public facts already (the sources publish them); nothing a
portal user wrote is in them, and every output marks them "terdaftar" (not verified). Demo
sites (is_demo) are never published: open data holds real facilities only.

Never read here: contacts (a person's number), who created, edited or verified a site,
source notes, checklists, documents, pending changes, drafts, submissions, returned or
closed sites. Kawasan name a hub or member only when it is an open site.

Every reader costs a fixed number of queries whatever the number of rows (values, no model
instances): the whole of Jakarta is ~5,400 sites.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import F, FloatField, Func, Q, QuerySet
from django.db.models.functions import Substr

from accounts.models import Sector
from clusters.models import Cluster
from kawasan.models import Kawasan, Membership
from regions.models import Level, Region
from scoring.models import KawasanScore
from scoring.selectors import policy_active, region_scores
from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_RPTRA, SOURCE_SCHOOLS
from sites.models import OperatingStatus, ReviewState, ServiceType, Site, public_q

OFFICIAL_SOURCES = (SOURCE_RPTRA, SOURCE_PUSKESMAS, SOURCE_SCHOOLS)
# Who published each source (the attribution its data README asks for).
SOURCE_LABELS = {
    SOURCE_RPTRA: "Pemprov DKI Jakarta – Jakarta Satu (RPTRA)",
    SOURCE_PUSKESMAS: "Pemprov DKI Jakarta – Jakarta Satu (puskesmas); Kemkes RI",
    SOURCE_SCHOOLS: "Kemendikbud RI, data sekolah 2019",
}
PORTAL_SOURCE_LABEL = "Portal Kaltara"
# The scheme of each source's ids (HSDS location.external_identifier_type).
SOURCE_ID_TYPES = {
    SOURCE_RPTRA: "OBJECTID RPTRA Jakarta Satu",
    SOURCE_PUSKESMAS: "OBJECTID puskesmas Jakarta Satu",
    SOURCE_SCHOOLS: "NPSN",
}
VERIFIED, REGISTERED = "terverifikasi", "terdaftar"
Through = Site.types.through


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter on a related path: Q(a=1) -> Q(site__a=1)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    children: list = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_prefixed(child, prefix))
        else:
            lookup, value = child  # type: ignore[misc]  # Q's leaves are (lookup, value)
            children.append((prefix + lookup, value))
    out.children = children
    return out


def open_q(prefix: str = "") -> Q:
    """The sites open data publishes (module docstring), on the path `prefix` ("site__")."""
    q = public_q()
    if settings.KALTARA_OPEN_DATA_REGISTERED:
        q |= Q(
            review_state=ReviewState.REGISTERED,
            operating_status=OperatingStatus.OPEN,
            updated_by__isnull=True,
            source__in=OFFICIAL_SOURCES,
        )
    return _prefixed(q & Q(is_demo=False), prefix) if prefix else q & Q(is_demo=False)


def open_sites() -> QuerySet[Site]:
    return Site.objects.filter(open_q())


def open_services() -> QuerySet:
    """(site, service type) rows of the open sites: one HSDS service each, in a fixed order."""
    return Through.objects.filter(open_q("site__")).order_by("site_id", "servicetype_id")


# --- the catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeInfo:
    pk: int
    code: str
    name: str
    description: str
    sector_pk: int
    clusters: tuple[int, ...]


@dataclass(frozen=True)
class Catalogue:
    types: dict[int, TypeInfo]
    clusters: dict[int, tuple[str, str]]  # pk -> (code, name)
    sectors: dict[int, tuple[str, str]]  # pk -> (code, name)
    kota: dict[str, str]  # kab/kota code -> name


def catalogue() -> Catalogue:
    """Service types, clusters, sectors and kab/kota names (reference data), in 5 queries."""
    links: dict[int, list[int]] = defaultdict(list)
    for type_pk, cluster_pk in ServiceType.clusters.through.objects.order_by(
        "cluster__order"
    ).values_list("servicetype_id", "cluster_id"):
        links[type_pk].append(cluster_pk)
    types = {
        pk: TypeInfo(pk, code, name, description, sector_pk, tuple(links.get(pk, ())))
        for pk, code, name, description, sector_pk in ServiceType.objects.values_list(
            "pk", "code", "name", "description", "sector_id"
        )
    }
    clusters = {
        pk: (code, name)
        for pk, code, name in Cluster.objects.order_by("order").values_list("pk", "code", "name")
    }
    sectors = {
        pk: (code, name)
        for pk, code, name in Sector.objects.order_by("pk").values_list("pk", "code", "name")
    }
    kota = dict(
        Region.objects.filter(level=Level.KABKOTA).order_by("code").values_list("code", "name")
    )
    return Catalogue(types=types, clusters=clusters, sectors=sectors, kota=kota)


# --- sites as plain rows ---------------------------------------------------------------------


class SiteRow(NamedTuple):
    pk: int
    name: str
    address: str
    kelurahan_code: str
    kelurahan: str
    kecamatan: str
    review_state: str
    verified_at: datetime | None
    source: str
    source_id: str
    updated_at: datetime
    lon: float
    lat: float
    type_pks: tuple[int, ...]  # by the catalogue's order

    @property
    def kota_code(self) -> str:
        return self.kelurahan_code[:5]

    @property
    def verification(self) -> str:
        return VERIFIED if self.review_state == ReviewState.VERIFIED else REGISTERED

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, PORTAL_SOURCE_LABEL)


def _coord(function: str) -> Func:
    return Func(F("location"), function=function, output_field=FloatField())


_SITE_FIELDS = (
    "pk",
    "name",
    "address",
    "kelurahan_id",
    "kelurahan__name",
    "kelurahan__parent__name",
    "review_state",
    "verified_at",
    "source",
    "source_id",
    "updated_at",
    "_lon",
    "_lat",
)


def site_rows(sites: QuerySet[Site]) -> list[SiteRow]:
    """The open sites among `sites` as rows (ordered by pk), in 2 queries.

    The open rule is applied here too, so no caller can hand out a site outside it.
    """
    sites = sites.filter(open_q())
    types_of: dict[int, list[int]] = defaultdict(list)
    for site_pk, type_pk in (
        Through.objects.filter(site__in=sites.values("pk"))
        .order_by("servicetype__order", "servicetype__name")
        .values_list("site_id", "servicetype_id")
    ):
        types_of[site_pk].append(type_pk)
    rows = (
        sites.annotate(_lon=_coord("ST_X"), _lat=_coord("ST_Y"))
        .order_by("pk")
        .values_list(*_SITE_FIELDS)
    )
    return [_site_row(fields, types_of) for fields in rows]


def _site_row(fields, types_of) -> SiteRow:
    return SiteRow._make((*fields, tuple(types_of.get(fields[0], ()))))


def sites_by_pk(pks) -> dict[int, SiteRow]:
    return {row.pk: row for row in site_rows(Site.objects.filter(pk__in=list(pks)))}


def organization_keys() -> list[tuple[int, str]]:
    """(sector pk, kab/kota code) of every suku dinas: each sector in each kab/kota (2 queries).

    Reference data, not read from the sites: an agency exists whether or not it has an open
    site today, so the list never changes with a site's state.
    """
    sectors = Sector.objects.order_by("pk").values_list("pk", flat=True)
    kota = Region.objects.filter(level=Level.KABKOTA).order_by("code")
    kota_codes = list(kota.values_list("code", flat=True))
    return [(sector, code) for sector in sectors for code in kota_codes]


def services_of_organizations(keys: list[tuple[int, str]]) -> dict[tuple[int, str], list]:
    """(site pk, type pk) of the open services of each (sector, kab/kota), in one query."""
    wanted = set(keys)
    result: dict[tuple[int, str], list] = {key: [] for key in keys}
    if not keys:
        return result
    rows = (
        open_services()
        .filter(servicetype__sector_id__in={sector for sector, _kota in keys})
        .annotate(_kota=Substr("site__kelurahan_id", 1, 5))
        .values_list("servicetype__sector_id", "_kota", "site_id", "servicetype_id")
    )
    for sector, kota, site_pk, type_pk in rows:
        if (sector, kota) in wanted:
            result[(sector, kota)].append((site_pk, type_pk))
    return result


# --- kawasan and region scores -------------------------------------------------------------


@dataclass(frozen=True)
class KawasanRow:
    pk: int
    name: str
    region_code: str
    region_name: str
    region_level: str
    is_base: bool
    hub: tuple[int, str] | None  # (site pk, name) when the hub is an open site
    members: list[tuple[int, str]]  # the open members (site pk, name), by name
    score: Mapping | None  # the stored score, its components and policy version


def kawasan_rows() -> list[KawasanRow]:
    """Every kawasan with its stored score; hub and members only as far as they are open.

    4 queries: kawasan, open memberships, open hubs, stored scores.
    """
    kawasan = list(
        Kawasan.objects.filter(is_demo=False)
        .order_by("region_id", "name", "pk")
        .values_list(
            "pk", "name", "region_id", "region__name", "region__level", "is_base", "hub_id"
        )
    )
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for kawasan_pk, site_pk, name in (
        Membership.objects.filter(open_q("site__"), kawasan__is_demo=False)
        .order_by("site__name", "site_id")
        .values_list("kawasan_id", "site_id", "site__name")
    ):
        members[kawasan_pk].append((site_pk, name))
    hub_ids = {row[6] for row in kawasan if row[6] is not None}
    hubs = dict(open_sites().filter(pk__in=hub_ids).values_list("pk", "name")) if hub_ids else {}
    scores = {
        row["kawasan_id"]: row
        for row in KawasanScore.objects.filter(kawasan__is_demo=False).values(
            "kawasan_id",
            "total",
            "band",
            "coverage",
            "connectivity",
            "proximity",
            "freshness",
            "coverage_by_cluster",
            "confidence",
            "computed_at",
            "policy__version",
        )
    }
    return [
        KawasanRow(
            pk=pk,
            name=name,
            region_code=region_code,
            region_name=region_name,
            region_level=level,
            is_base=is_base,
            hub=(hub_id, hubs[hub_id]) if hub_id in hubs else None,
            members=members.get(pk, []),
            score=scores.get(pk),
        )
        for pk, name, region_code, region_name, level, is_base, hub_id in kawasan
    ]


REGION_LEVELS = (Level.KABKOTA, Level.KECAMATAN, Level.KELURAHAN)


def region_score_rows() -> tuple[str, list]:
    """The active policy's version and every kab/kota, kecamatan and kelurahan score."""
    policy = policy_active()
    pure = policy.as_policy()
    rows = []
    for level in REGION_LEVELS:
        rows += region_scores(level, policy=pure)
    return policy.version, rows
