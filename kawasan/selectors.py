"""Reading kawasan: the public list, member candidates, and the scoped querysets.

The kawasan page itself, with its score, is composed in dashboards.kawasan_pages.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from accounts import scoping
from accounts.scoping import Right
from regions.models import Level, Region, subtree_q
from sites.models import OperatingStatus, Site, SiteLink

from .models import Kawasan

MEMBER_CANDIDATE_LIMIT = 30


def with_facts(qs: QuerySet[Kawasan]) -> QuerySet[Kawasan]:
    """Region and hub in the same query, without the region's boundary polygon."""
    return qs.select_related("region", "hub").defer("region__boundary")


def kawasan_list(user, *, region_codes: Sequence[str] = ()) -> QuerySet[Kawasan]:
    """Every kawasan with its public facts (or those in and below `region_codes`); kawasan
    are public to signed-in users.

    Its members and hub are sites, named and counted only as far as the user may see them
    (Site.objects.visible_to): `member_count` counts the visible members, `hub_visible`
    says whether the hub's name may be shown.
    """
    visible = Site.objects.visible_to(user)
    qs = with_facts(Kawasan.objects.all()).annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__site__in=visible.values("pk")), distinct=True
        ),
        hub_visible=Exists(visible.filter(pk=OuterRef("hub_id"))),
    )
    if region_codes:
        in_regions = Q(pk__in=[])
        for code in region_codes:
            in_regions |= subtree_q("region__code", code)
        qs = qs.filter(in_regions)
    return qs.order_by("region_id", "name", "pk")


def kawasan_home_codes(user) -> list[str]:
    """The territory the kawasan list opens on: a lurah's kelurahan, a camat's kecamatan.

    Empty (the whole list) for provincial staff, who keep all of DKI, and for users without
    a territory of their own (suku dinas work by sector, not by area).
    """
    if scoping.is_provincial(user):
        return []
    return scoping.territory_codes(user, Right.CHANGE)


def kawasan_private_scope(user) -> QuerySet[Kawasan]:
    """Kawasan whose private work (membership edits) the user may reach at all.

    A kawasan has no sector, so a sector-limited grant (suku dinas) covers none: only
    territorial grants (lurah, camat, province, admin) reach kawasan edits.
    """
    return with_facts(
        Kawasan.objects.filter(
            scoping.region_q(user, Right.SEE_PRIVATE, region_field="region__code")
        )
    )


def kawasan_may_change(user, kawasan: Kawasan) -> bool:
    """May the user rename the kawasan, choose its hub, add and remove its members?"""
    return scoping.may_change(user, region_code=kawasan.region_id)


def kawasan_create_regions(user) -> QuerySet[Region]:
    """Kelurahan and kecamatan where the user may create a kawasan."""
    return (
        Region.objects.filter(scoping.region_q(user, Right.CHANGE, region_field="code"))
        .filter(level__in=[Level.KECAMATAN, Level.KELURAHAN])
        .only("code", "name", "level")
        .order_by("code")
    )


def kawasan_filter_regions(own_codes: Sequence[str] = ()) -> QuerySet[Region]:
    """Kota and kecamatan offered as list filters (region names are public facts), and the
    user's own regions (a lurah's kelurahan) so the list can open on them."""
    return (
        Region.objects.filter(
            Q(level__in=[Level.KABKOTA, Level.KECAMATAN]) | Q(code__in=list(own_codes))
        )
        .only("code", "name", "level")
        .order_by("code")
    )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (the same measure scoring uses for proximity)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def kawasan_member_candidates(
    kawasan: Kawasan, user, *, hub: Site | None, query: str = ""
) -> list[Site]:
    """Sites the user could add: visible, open, not yet members; the nearest to `hub` first.

    Without a search term, the sites of the kawasan's kecamatan (where the puskesmas
    kecamatan and the schools nearby usually are); with one, any visible site by name. Each
    gets hub_distance_m (metres to the hub, None without one); without a hub they come by
    name. `hub` is the kawasan's hub if the user may see it, else None: distances to a
    hidden site would tell where it is.
    """
    qs = (
        Site.objects.visible_to(user)
        .exclude(pk__in=kawasan.memberships.values("site_id"))
        .exclude(operating_status=OperatingStatus.CLOSED)
    )
    query = query.strip()
    if query:
        qs = qs.filter(name__icontains=query)
    else:
        kecamatan = (
            kawasan.region.code
            if kawasan.region.level == Level.KECAMATAN
            else (kawasan.region.parent_id or kawasan.region.code)
        )
        qs = qs.filter(subtree_q("kelurahan__code", kecamatan))
    if hub is not None:
        qs = qs.annotate(_near=_squared_offset(hub.location.y, hub.location.x))
        order = ["_near", "name", "pk"]
    else:
        order = ["name", "pk"]
    candidates = list(
        qs.select_related("kelurahan")
        .defer("kelurahan__boundary", "kelurahan__centroid")
        .prefetch_related("types")
        .order_by(*order)[:MEMBER_CANDIDATE_LIMIT]
    )
    for site in candidates:
        site.hub_distance_m = (
            distance_m(hub.location.y, hub.location.x, site.location.y, site.location.x)
            if hub is not None
            else None
        )
    if hub is not None:  # the exact great-circle order (the database ordered by a flat proxy)
        candidates.sort(key=lambda s: (s.hub_distance_m, s.name, s.pk))
    return candidates


NEARBY_LIMIT = 10


def kawasan_nearby_of_type(
    kawasan: Kawasan, user, *, hub: Site, type_code: str, radius_m: float
) -> list[Site]:
    """Sites of the type within walking distance of the hub that are not members yet and the
    user may see (for a camat also the kecamatan's own services), nearest first, each with
    hub_distance_m: what "add a site of this type near the hub" can take before a new site
    is registered. One query, whatever the kecamatan: the flat offset bounds and orders the
    rows in the database, the great-circle distance then keeps those within the radius.
    `hub` must be visible to the user (a distance to a hidden site would tell where it is).
    """
    # A degree of latitude is ~111.2 km; 10% more keeps the flat bound outside the circle.
    bound = (radius_m * 1.1 / 111_195.0) ** 2
    lat, lon = hub.location.y, hub.location.x
    rows = list(
        Site.objects.visible_to(user)
        .filter(types__code=type_code)
        .exclude(pk__in=kawasan.memberships.values("site_id"))
        .exclude(operating_status=OperatingStatus.CLOSED)
        .annotate(_near=_squared_offset(lat, lon))
        .filter(_near__lte=bound)
        .select_related("kelurahan")
        .defer("kelurahan__boundary", "kelurahan__centroid")
        .prefetch_related("types")
        .order_by("_near", "name", "pk")
        .distinct()[: NEARBY_LIMIT * 2]
    )
    nearby = []
    for site in rows:
        site.hub_distance_m = distance_m(lat, lon, site.location.y, site.location.x)
        if site.hub_distance_m <= radius_m:
            nearby.append(site)
    nearby.sort(key=lambda s: (s.hub_distance_m, s.name, s.pk))
    return nearby[:NEARBY_LIMIT]


def _squared_offset(lat: float, lon: float) -> ExpressionWrapper:
    """Squared flat-earth offset (degrees, longitude scaled at this latitude) from the point:
    ordered like the great-circle distance at a kecamatan's scale, read on both databases
    (ST_X/ST_Y exist on PostGIS and SpatiaLite), with no per-row geometry built in Python."""
    scale = math.cos(math.radians(lat))
    dlat = Func(F("location"), function="ST_Y", output_field=FloatField()) - Value(lat)
    dlon = (Func(F("location"), function="ST_X", output_field=FloatField()) - Value(lon)) * Value(
        scale
    )
    return ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())


# ---- a kawasan as one user may see it (the read API's kawasan detail) ----


@dataclass
class KawasanView:
    kawasan: Kawasan
    # The members this user may see, with types prefetched and hub_distance_m (metres) set.
    members: list[Site]
    hidden_members: int  # members the user may not see: never shown, nor counted on a page
    links: list[SiteLink]  # active links between visible members

    @property
    def hub_visible(self) -> bool:
        hub_id = self.kawasan.hub_id
        return hub_id is not None and any(s.pk == hub_id for s in self.members)


def kawasan_view(kawasan: Kawasan, user) -> KawasanView:
    """The detail of a kawasan as this user may see it, in a fixed number of queries."""
    all_ids = set(kawasan.memberships.values_list("site_id", flat=True))
    members = list(
        Site.objects.visible_to(user)
        .filter(pk__in=all_ids)
        .select_related("kelurahan")
        .defer("kelurahan__boundary", "kelurahan__centroid")
        .prefetch_related("types")
        .order_by("name", "pk")
    )
    ids = [s.pk for s in members]
    today = timezone.localdate()
    links = list(
        SiteLink.objects.filter(site_a_id__in=ids, site_b_id__in=ids)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(start_date__lte=today)
        .order_by("pk")
    )
    view = KawasanView(
        kawasan=kawasan, members=members, hidden_members=len(all_ids) - len(ids), links=links
    )
    hub = kawasan.hub
    for s in members:
        s.hub_distance_m = (
            distance_m(hub.location.y, hub.location.x, s.location.y, s.location.x)
            if hub is not None
            else None
        )
    return view
