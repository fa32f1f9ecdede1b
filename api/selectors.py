"""Reads of the API: the pages' own selectors and scoping, nothing decided twice.

Sites come through Site.objects.visible_to (the one visibility rule), kawasan through
kawasan.selectors (public facts, members and hub only as far as the user may see them),
stored scores through the rule of the kawasan report (dashboards.access: out of every grant
404, a sector grant only 403), rankings through dashboards.rankings (provincial only).
"""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, FloatField, Func, Q, QuerySet

from accounts import scoping
from accounts.scoping import Right
from dashboards.access import region_in_reach, region_territorial
from kawasan.models import Kawasan
from regions.models import Region, subtree_q
from scoring.models import KawasanScore
from sites.models import Site
from sites.selectors import HIDDEN_SITE

from .models import ApiToken
from .services import hash_secret

# About 5 m, as the portal's region maps (dashboards.regions.region_boundary).
BOUNDARY_TOLERANCE_DEG = 0.00005
GEOJSON_PRECISION = 6


# --- tokens -------------------------------------------------------------------------------


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token of an active user with this secret, with its user, in one query."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-pk")


# --- sites --------------------------------------------------------------------------------


def _coord(function: str) -> Func:
    # ST_X / ST_Y on both PostGIS and SpatiaLite: no GEOS point per row.
    return Func(F("location"), function=function, output_field=FloatField())


def site_rows(user) -> QuerySet[Site]:
    """The sites the user may see (the one rule), for the pages' SiteFilter to narrow."""
    return Site.objects.visible_to(user).order_by("name", "pk")


# The columns of a site feature, in the order site_feature_rows reads them.
SITE_FEATURE_COLUMNS = (
    "pk",
    "name",
    "address",
    "operating_status",
    "review_state",
    "verified_at",
    "updated_at",
    "kelurahan_id",
    "kelurahan__name",
    "kelurahan__parent_id",
    "kelurahan__parent__name",
    "lon",
    "lat",
)


def site_feature_rows(queryset: QuerySet[Site]):
    """Plain rows of a site queryset (SITE_FEATURE_COLUMNS), kelurahan and kecamatan joined,
    coordinates read as numbers: no model instance, no GEOS point. Sliceable, so a page is
    one query; the model instances with prefetched types cost ~8x as much (~50 ms a page of
    100 on SpatiaLite, ~6 ms as rows)."""
    return queryset.annotate(lon=_coord("ST_X"), lat=_coord("ST_Y")).values_list(
        *SITE_FEATURE_COLUMNS
    )


def types_of_sites(site_ids) -> dict[int, list[tuple]]:
    """(order, name, code, sector id) of each site's types, in the catalogue's order, in one
    query over the link table."""
    found: dict[int, list[tuple]] = {}
    rows = Site.types.through.objects.filter(site_id__in=list(site_ids)).values_list(
        "site_id",
        "servicetype__order",
        "servicetype__name",
        "servicetype__code",
        "servicetype__sector_id",
    )
    for site_id, *fields in rows:
        found.setdefault(site_id, []).append(tuple(fields))
    for types in found.values():
        types.sort()
    return found


# --- kawasan ------------------------------------------------------------------------------


def hub_of(kawasan: Kawasan, visible: bool) -> dict | None:
    """How the hub is mentioned: its id and name if the user may see it, else only as the
    hidden site (never its id, name or place)."""
    if kawasan.hub_id is None:
        return None
    if visible and kawasan.hub is not None:
        return {"id": kawasan.hub_id, "name": kawasan.hub.name, "hidden": False}
    return {"id": None, "name": str(HIDDEN_SITE), "hidden": True}


# --- scores -------------------------------------------------------------------------------


def scores_in_reach(user) -> QuerySet[KawasanScore]:
    """Stored scores of the kawasan the user has a territorial view of (the kawasan report's
    rule): provincial staff every kawasan, a lurah or camat their territory, a suku dinas
    officer (sector grants only) and a user without grants none."""
    q = Q(pk__in=[])  # fail closed
    for code in scoping.territory_codes(user, Right.SEE_PRIVATE):
        q |= subtree_q("kawasan__region__code", code)
    return _scores(KawasanScore.objects.filter(q))


def score_for(user, kawasan_pk: int) -> KawasanScore | None:
    """The stored score of one kawasan, or None where it does not exist for the user.

    Raises PermissionError where a sector grant reaches the kawasan's region but no
    territorial one does (the report's 403).
    """
    region_code = Kawasan.objects.filter(pk=kawasan_pk).values_list("region_id", flat=True).first()
    if region_code is None or not region_in_reach(user, region_code):
        return None
    if not region_territorial(user, region_code):
        raise PermissionError
    return _scores(KawasanScore.objects.filter(kawasan_id=kawasan_pk)).first()


def _scores(qs: QuerySet[KawasanScore]) -> QuerySet[KawasanScore]:
    return (
        qs.select_related("kawasan", "kawasan__region", "policy")
        .only(
            "kawasan__id",
            "kawasan__name",
            "kawasan__region__code",
            "kawasan__region__name",
            "kawasan__region__level",
            "policy__version",
            "policy__name",
            "total",
            "band",
            "coverage",
            "connectivity",
            "proximity",
            "freshness",
            "coverage_by_cluster",
            "confidence",
            "computed_at",
        )
        .order_by("kawasan_id")
    )


# --- regions ------------------------------------------------------------------------------


def _simplified_geojson() -> AsGeoJSON:
    field = Region._meta.get_field("boundary")
    simplified = Func(
        F("boundary"),
        BOUNDARY_TOLERANCE_DEG,
        function="ST_SimplifyPreserveTopology",
        output_field=field,
    )
    # Still a MultiPolygon when one part remains (SpatiaLite would write a Polygon).
    multi = Func(simplified, function="ST_Multi", output_field=field)
    return AsGeoJSON(multi, precision=GEOJSON_PRECISION)


def region_rows() -> QuerySet[Region]:
    """Regions (public facts) with their boundary simplified and written as GeoJSON by the
    database: no polygon is read into Python."""
    return (
        Region.objects.defer("boundary", "centroid")
        .annotate(boundary_geojson=_simplified_geojson())
        .order_by("code")
    )
