"""Reading sites and links: the only way views get them, always scoped to the user.

Visibility: verified, open sites are public facilities every signed-in user may see; the
rest (drafts, submissions, closed sites) only inside the user's SEE_PRIVATE scope. Sector
grants reach a site through any of its types, so the scoped part is taken as a pk__in
subquery: a site with two types of one sector must not come back twice.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts import scoping
from accounts.scoping import Right
from regions.models import Level, Region, subtree_q
from web.validators import parse_id

from .importing.readers import (
    HOSPITAL_TYPE,
    REFERRAL_FIRST_CLASSES,
    SOURCE_HOSPITALS,
    hospital_class_note,
)
from .models import (
    ChecklistAnswer,
    ChecklistItem,
    LinkKind,
    OperatingStatus,
    ServiceType,
    Site,
    SiteChange,
    SiteDocument,
    SiteLink,
    public_q,
)

# "Likely duplicate": the same type, a similar name, within this distance.
DUPLICATE_RADIUS_M = 100.0
_EARTH_RADIUS_M = 6_371_008.8

PUBLIC_Q = public_q()


# How a site is mentioned where the user may not see it (a link's other end, a kawasan's
# hub or member, a duplicate nearby): never its name, type or place.
HIDDEN_SITE = gettext_lazy("situs lain (tidak dapat ditampilkan)")


def visible_site_ids(user, ids) -> set[int]:
    """Of these site ids, the ones the user may see (name and details), in one query.

    The same rule as the site page (Site.objects.visible_to): every surface that names a
    site it did not fetch through that queryset asks this before printing the name.
    """
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    return set(Site.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def site_label(site: Site | None, visible: set[int]) -> str:
    """The site's name if it is in `visible` (from visible_site_ids), else HIDDEN_SITE."""
    if site is None:
        return ""
    return site.name if site.pk in visible else str(HIDDEN_SITE)


def site_sector_ids(site: Site) -> list[int]:
    # Uses the prefetched types when present: no query on detail pages.
    return sorted({t.sector_id for t in site.types.all()})


def site_may_change(user, site: Site) -> bool:
    return scoping.may_change(user, region_code=site.kelurahan_id, sector_ids=site_sector_ids(site))


def user_may_create_sites(user) -> bool:
    return bool(scoping.grants_with(user, Right.CHANGE))


def links_visible_to(user) -> QuerySet[SiteLink]:
    """Links with an end in the user's private scope, or between two public sites.

    A lurah sees every link that touches one of their sites, even one made from another
    kelurahan towards it; links between other areas' drafts stay hidden.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SiteLink.objects.none()
    public = Site.objects.filter(PUBLIC_Q).values("pk")
    q = Q(site_a__in=public, site_b__in=public)
    if scoping.grants_with(user, Right.SEE_PRIVATE):
        mine = Site.objects.private_to(user).values("pk")
        q |= Q(site_a__in=mine) | Q(site_b__in=mine)
    return SiteLink.objects.filter(q)


def link_may_change(user, link: SiteLink) -> bool:
    return site_may_change(user, link.site_a) or site_may_change(user, link.site_b)


# ---- lists, map, detail: bounded query counts whatever the number of sites ----


def _types_prefetch():
    return Prefetch(
        "types",
        queryset=ServiceType.objects.only(
            "id", "code", "name", "icon", "color", "order", "sector_id"
        ),
    )


def site_list(queryset: QuerySet[Site]) -> QuerySet[Site]:
    """Rows for the list table: kelurahan and kecamatan names and types in two queries."""
    return (
        queryset.select_related("kelurahan", "kelurahan__parent")
        .defer("kelurahan__boundary", "kelurahan__parent__boundary")
        .prefetch_related(_types_prefetch())
        .order_by("name", "pk")
    )


def site_detail(user, pk: int) -> Site:
    """One visible site with everything the detail page shows, in a fixed number of queries.

    Its links are those the user may see (links_visible_to): another area's draft at the
    far end of a link stays hidden.
    """
    links = links_visible_to(user)
    other_fields = ("id", "name", "kelurahan_id", "location", "operating_status", "review_state")
    return (
        Site.objects.visible_to(user)
        .select_related("kelurahan", "kelurahan__parent", "created_by", "updated_by")
        .defer("kelurahan__boundary", "kelurahan__parent__boundary")
        .prefetch_related(
            Prefetch("types", queryset=ServiceType.objects.select_related("sector")),
            Prefetch(
                "checklist_answers",
                queryset=ChecklistAnswer.objects.select_related("item", "item__service_type"),
            ),
            Prefetch(
                "documents",
                queryset=SiteDocument.objects.select_related("uploaded_by", "checklist_item"),
            ),
            Prefetch("changes", queryset=SiteChange.objects.select_related("user")),
            Prefetch(
                "links_as_a",
                queryset=links.select_related("site_b").only(
                    *[f"site_b__{f}" for f in other_fields],
                    "id",
                    "kind",
                    "start_date",
                    "end_date",
                    "note",
                    "evidence",
                    "version",
                    "site_a_id",
                    "site_b_id",
                ),
            ),
            Prefetch(
                "links_as_b",
                queryset=links.select_related("site_a").only(
                    *[f"site_a__{f}" for f in other_fields],
                    "id",
                    "kind",
                    "start_date",
                    "end_date",
                    "note",
                    "evidence",
                    "version",
                    "site_a_id",
                    "site_b_id",
                ),
            ),
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class LinkRow:
    link: SiteLink
    other: Site
    other_visible: bool

    @property
    def active(self) -> bool:
        return self.link.end_date is None

    @property
    def other_label(self) -> str:
        return self.other.name if self.other_visible else str(HIDDEN_SITE)


def site_link_rows(user, site: Site) -> list[LinkRow]:
    """The site's links (prefetched by site_detail) with the other end, active first."""
    pairs = [(link, link.site_b) for link in site.links_as_a.all()]
    pairs += [(link, link.site_a) for link in site.links_as_b.all()]
    visible = visible_site_ids(user, {other.pk for _, other in pairs})
    rows = [LinkRow(link, other, other.pk in visible) for link, other in pairs]
    rows.sort(key=lambda r: (not r.active, -r.link.start_date.toordinal(), r.link.pk))
    return rows


def site_checklist(
    site: Site,
) -> list[tuple[ServiceType, list[tuple[ChecklistItem, ChecklistAnswer | None]]]]:
    """Each type's checklist items with this site's answer (None when unanswered)."""
    types = list(site.types.all())
    items = ChecklistItem.objects.filter(service_type__in=types).order_by("service_type", "order")
    answers = {a.item_id: a for a in site.checklist_answers.all()}
    by_type: dict[int, list] = {t.pk: [] for t in types}
    for item in items:
        by_type[item.service_type_id].append((item, answers.get(item.pk)))
    return [(t, by_type[t.pk]) for t in types if by_type[t.pk]]


# ---- spatial helpers ----


def haversine_m(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _bbox_around(point: Point, radius_m: float) -> Polygon:
    # A box in degrees that surely holds the circle; exact distance is checked afterwards.
    # (PtDistWithin on SpatiaLite takes metres for lon/lat, ST_DWithin on PostGIS degrees:
    # a box compares the same on both.)
    dlat = radius_m / 111_000 * 1.2
    dlon = dlat / max(math.cos(math.radians(point.y)), 0.01)
    return Polygon.from_bbox((point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat))


def sites_near(
    point: Point, radius_m: float, queryset: QuerySet[Site] | None = None
) -> list[tuple[Site, float]]:
    """Sites within radius_m metres of the point, nearest first, with their distance."""
    qs = Site.objects.all() if queryset is None else queryset
    box = _bbox_around(point, radius_m)
    box.srid = 4326
    rows = []
    for site in qs.filter(location__intersects=box).prefetch_related(_types_prefetch()):
        dist = haversine_m(point, site.location)
        if dist <= radius_m:
            rows.append((site, dist))
    rows.sort(key=lambda r: (r[1], r[0].pk))
    return rows


def normalise_name(name: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name.casefold()).split())


def names_similar(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return False
    # "SDN Rawa Bunga 01" and "SDN Rawa Bunga 02" often share a campus yet are two schools.
    numbers_a = [n for t in na.split() if (n := parse_id(t)) is not None]
    numbers_b = [n for t in nb.split() if (n := parse_id(t)) is not None]
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False
    if na == nb or na in nb or nb in na:
        return True
    return SequenceMatcher(None, na, nb).ratio() >= 0.8


@dataclass
class Duplicates:
    """Likely duplicates as one user may learn of them."""

    visible: list[tuple[Site, float]]  # (site, metres) the user may see, nearest first
    hidden: int  # how many more match among sites the user may not see (never named)

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def site_likely_duplicates(
    *, user, name: str, type_ids, point: Point, exclude_pk: int | None = None
) -> Duplicates:
    """Active sites sharing a type, with a similar name, within 100 m of the point.

    Searched over every site (a duplicate is a duplicate wherever it sits), told to the user
    through the visibility rule: the ones they may see by name, the rest only as a number,
    so a one-letter name at a border cannot list another kelurahan's drafts.
    """
    found = _likely_duplicates(name=name, type_ids=type_ids, point=point, exclude_pk=exclude_pk)
    visible = visible_site_ids(user, {s.pk for s, _d in found})
    return Duplicates(
        visible=[(s, d) for s, d in found if s.pk in visible],
        hidden=sum(1 for s, _d in found if s.pk not in visible),
    )


def _likely_duplicates(
    *, name: str, type_ids, point: Point, exclude_pk: int | None
) -> list[tuple[Site, float]]:
    qs = Site.objects.exclude(operating_status=OperatingStatus.CLOSED).filter(
        Exists(
            Site.types.through.objects.filter(
                site_id=OuterRef("pk"), servicetype_id__in=list(type_ids)
            )
        )
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return [
        (s, d) for s, d in sites_near(point, DUPLICATE_RADIUS_M, qs) if names_similar(name, s.name)
    ]


# A puskesmas refers to hospitals, RSIA (mother and child) and RSUD first (data README): the
# nearest of those the user may see come before the other candidates. The score cannot say
# it (a puskesmas-hospital link joins cluster III to itself), so the link form does.
REFERRAL_FROM_TYPE = "puskesmas"
REFERRAL_FIRST_LIMIT = 3
REFERRAL_FIRST_RADIUS_M = 20_000.0


def _referral_first_q() -> Q:
    classes = Q()
    for hospital_class in REFERRAL_FIRST_CLASSES:
        classes |= Q(source_note__startswith=hospital_class_note(hospital_class))
    return Q(source=SOURCE_HOSPITALS, types__code=HOSPITAL_TYPE) & classes


def referral_first_candidates(user, site: Site, search: str = "") -> list[tuple[Site, float]]:
    """For a puskesmas: the nearest RSIA and RSUD the user may see, else nothing."""
    if not site.types.filter(code=REFERRAL_FROM_TYPE).exists():
        return []
    qs = (
        Site.objects.visible_to(user)
        .exclude(pk=site.pk)
        .exclude(operating_status=OperatingStatus.CLOSED)
        .filter(_referral_first_q())
    )
    if search:
        qs = qs.filter(name__icontains=search)
    return sites_near(site.location, REFERRAL_FIRST_RADIUS_M, qs)[:REFERRAL_FIRST_LIMIT]


# The sector of the services a child is referred between (puskesmas, posyandu, hospital).
HEALTH_SECTOR = "kesehatan"


def suggested_link_kind(site: Site, other: Site) -> str:
    """The kind a next step "Hubungkan A dengan B" proposes on the link form.

    Why: what travels between a health service and any other service is a child's case, sent
    on and followed up (the PRAP checklist's "rujukan kasus"), so a link with a health end is
    a referral. Two services of other sectors meet around children they both serve (an RPTRA
    and a school, a mosque and a PATBM): a joint programme is their usual tie. One query.
    """
    has_health = (
        Site.types.through.objects.filter(
            site_id__in=[site.pk, other.pk], servicetype__sector__code=HEALTH_SECTOR
        )
        .order_by()
        .exists()
    )
    return LinkKind.REFERRAL if has_health else LinkKind.JOINT_PROGRAMME


def link_other_prefill(user, site: Site, raw_pk: str) -> tuple[Site, float] | None:
    """The other end a next step chose (?dengan=), if the user may see it, with its distance."""
    pk = parse_id(raw_pk)
    if pk is None or pk == site.pk:
        return None
    other = (
        Site.objects.visible_to(user)
        .exclude(operating_status=OperatingStatus.CLOSED)
        .prefetch_related(_types_prefetch())
        .filter(pk=int(raw_pk))
        .first()
    )
    return (other, haversine_m(site.location, other.location)) if other is not None else None


def link_candidates(
    user,
    site: Site,
    search: str = "",
    limit: int = 30,
    first: list[tuple[Site, float]] | None = None,
) -> list[tuple[Site, float]]:
    """Sites the user may link this one to, nearest first, optionally searched by name;
    ``first`` (default: referral_first_candidates) comes before the rest."""
    if first is None:
        first = referral_first_candidates(user, site, search)
    qs = (
        Site.objects.visible_to(user)
        .exclude(pk__in=[site.pk, *(s.pk for s, _d in first)])
        .exclude(operating_status=OperatingStatus.CLOSED)
    )
    if search:
        qs = qs.filter(name__icontains=search)
    limit -= len(first)
    origin = site.location
    # Nearest first without a backend-specific distance function: widen a box until it
    # holds enough candidates, then sort by exact distance in Python.
    for radius in (1_000, 5_000, 20_000):
        near = sites_near(origin, radius, qs)
        if len(near) >= limit:
            return first + near[:limit]
    rows = [
        (s, haversine_m(origin, s.location))
        for s in qs.only("pk", "name", "location", "kelurahan_id").prefetch_related(
            _types_prefetch()
        )[:2000]
    ]
    rows.sort(key=lambda r: (r[1], r[0].pk))
    return first + rows[:limit]


# ---- filter choices ----


def region_choices_for(user) -> list[tuple[str, str]]:
    """Kecamatan and kelurahan the user may filter by: their territory, or all for the province."""
    levels = [Level.KECAMATAN, Level.KELURAHAN]
    qs = Region.objects.filter(level__in=levels).order_by("code")
    if not scoping.is_provincial(user):
        codes = {g.region_code for g in scoping.grants_with(user, Right.SEE_PRIVATE)}
        if not codes:
            return []
        q = Q(pk__in=[])
        for code in codes:
            q |= subtree_q("code", code)
        qs = qs.filter(q)
    # Plain values: ~310 model instances for provincial staff cost more than the page's rows.
    return [
        (code, f"Kec. {name}" if level == Level.KECAMATAN else f"\u2003{name}")
        for code, name, level in qs.values_list("code", "name", "level")
    ]


def stale_q(now=None) -> Q:
    """Not verified within the freshness window (KALTARA_FRESHNESS_DAYS, default 12 months):
    verified long ago, or never and created long ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KALTARA_FRESHNESS_DAYS)
    return Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, created_at__lt=cutoff)


def site_documents_visible_to(user) -> QuerySet[SiteDocument]:
    """Live documents of the sites the user may see, plus pending ones in private scope."""
    visible = SiteDocument.objects.filter(site__in=Site.objects.visible_to(user).values("pk"))
    if not scoping.grants_with(user, Right.SEE_PRIVATE):
        return visible.filter(pending_change__isnull=True)
    return visible.filter(
        Q(pending_change__isnull=True) | Q(site__in=Site.objects.private_to(user).values("pk"))
    )
