"""Reading kawasan: the public list, the detail with its map, and the scoped querysets."""

import math
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts import scoping
from accounts.scoping import Right
from regions.models import Level, Region, subtree_q
from sites.models import OperatingStatus, Site, SiteLink

from .models import Kawasan

# The walking distance drawn around the hub. Scoring keeps the authoritative value in its
# policy; the map only illustrates it, and kawasan must not import scoring.
HUB_WALK_RADIUS_M = 1000
MEMBER_CANDIDATE_LIMIT = 30


def with_facts(qs: QuerySet[Kawasan]) -> QuerySet[Kawasan]:
    """Region and hub in the same query, without the region's boundary polygon."""
    return qs.select_related("region", "hub").defer("region__boundary")


def kawasan_list(user, *, region_code: str | None = None) -> QuerySet[Kawasan]:
    """Every kawasan with its public facts; kawasan are public to signed-in users.

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
    if region_code:
        qs = qs.filter(subtree_q("region__code", region_code))
    return qs.order_by("region_id", "name", "pk")


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


def kawasan_filter_regions() -> QuerySet[Region]:
    """Kota and kecamatan offered as list filters (region names are public facts)."""
    return (
        Region.objects.filter(level__in=[Level.KABKOTA, Level.KECAMATAN])
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

    def map_data(self) -> dict:
        hub = self.kawasan.hub
        hub_visible = self.hub_visible
        return {
            "radius": HUB_WALK_RADIUS_M,
            "hub": (
                {"id": hub.pk, "lat": hub.location.y, "lon": hub.location.x, "name": hub.name}
                if hub is not None and hub_visible
                else None
            ),
            "members": [
                {
                    "id": s.pk,
                    "name": s.name,
                    "lat": s.location.y,
                    "lon": s.location.x,
                    "types": [t.name for t in s.types.all()],
                    "icon": next((t.icon for t in s.types.all()), "•"),
                    "color": next((t.color for t in s.types.all()), "#2563eb"),
                    "closed": s.operating_status == OperatingStatus.CLOSED,
                    "hub": hub is not None and s.pk == hub.pk,
                }
                for s in self.members
            ],
            "links": [
                {"a": link.site_a_id, "b": link.site_b_id, "kind": link.get_kind_display()}
                for link in self.links
            ],
        }


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


def kawasan_member_candidates(kawasan: Kawasan, user, *, query: str = "") -> list[Site]:
    """Sites the user could add: visible, open, not yet members.

    Without a search term, the sites of the kawasan's kecamatan (where the puskesmas
    kecamatan and the schools nearby usually are); with one, any visible site by name.
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
    return list(
        qs.select_related("kelurahan")
        .defer("kelurahan__boundary", "kelurahan__centroid")
        .prefetch_related("types")
        .order_by("name", "pk")[:MEMBER_CANDIDATE_LIMIT]
    )
