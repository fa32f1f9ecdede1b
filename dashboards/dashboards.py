"""Reads for the dashboards and the printable report: selectors that compose the apps.

Every function here takes the user and reads through the scoped querysets of the lower
apps (services.selectors, kawasan), so a dashboard never shows a site its user may not see.
Each one costs a fixed number of queries whatever the size of the territory: rows are read
in bulk and grouped in Python, and the scoring function runs on the inputs of a whole
batch of kawasan read at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from accounts.models import Sector
from accounts.scoping import Right
from clusters.models import Cluster
from kawasan.models import Kawasan, Membership
from regions.models import Level, Region, code_covers
from scoring import core
from scoring import selectors as scoring_selectors
from scoring.models import KawasanScore, ScoreSnapshot
from sites.models import (
    OperatingStatus,
    PendingChange,
    PendingChangeState,
    ReviewState,
    ServiceType,
    Site,
    SiteLink,
)
from sites.review import freshness, queue

from . import rankings

# The Utama field verification expects about 75% of health services and 90% of schools to
# be child-friendly (domain.md); a sector not listed here shows its share without a target.
SECTOR_TARGETS = {
    "kesehatan": (("puskesmas",), 0.75),
    "pendidikan": (("sd", "smp", "sma", "smk", "slb"), 0.90),
}
LIST_LIMIT = 10
TREND_MONTHS = 12


def code_q(field_name: str, code: str) -> Q:
    # Whole code parts only: '31.75.03' covers '31.75.03.1004', never '31.75.031'.
    return Q(**{field_name: code}) | Q(**{f"{field_name}__startswith": code + "."})


# --- access ---------------------------------------------------------------------------


def region_in_reach(user, code: str) -> bool:
    """Whether any grant to see private work covers the region (a sector grant too).

    Outside every grant the region's dashboard does not exist for the user (404).
    """
    return any(
        code_covers(g.region_code, code) for g in scoping.grants_with(user, Right.SEE_PRIVATE)
    )


def region_territorial(user, code: str) -> bool:
    """Whether a territorial grant (not limited to a sector) covers the region.

    Territorial dashboards and kawasan reports show every sector's sites and the next steps
    naming them: a suku dinas officer, whose reach is one sector, may not open them (403).
    """
    return any(
        g.sector_id is None and code_covers(g.region_code, code)
        for g in scoping.grants_with(user, Right.SEE_PRIVATE)
    )


def territory_codes(user) -> list[str]:
    """The kelurahan and kecamatan the user keeps by territory (lurah, camat)."""
    return scoping.territory_codes(user, Right.CHANGE)


def sector_grants(user) -> list[scoping.Grant]:
    """The user's suku dinas grants: one sector in one kota each."""
    return [g for g in scoping.grants_with(user, Right.REVIEW) if g.sector_id is not None]


# --- small SVG charts, computed here and drawn by templates/dashboard/_*.svg.html -------


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float  # 0..1
    text: str  # the value as shown
    y: float
    width: float  # bar length in px
    color: str


@dataclass(frozen=True)
class BarChart:
    rows: list[BarRow]
    width: int
    height: int
    label_width: int
    bar_max: int
    row_height: int
    target: float | None = None  # a vertical marker (share 0..1), e.g. the Utama target
    target_x: float | None = None


def bar_chart(
    items: list[tuple[str, float]],
    *,
    width: int = 320,
    label_width: int = 120,
    row_height: int = 22,
    color: str = "#0f766e",
    percent: bool = True,
    target: float | None = None,
) -> BarChart:
    """Horizontal bars for values 0..1 (components, coverage per cluster, sector shares)."""
    bar_max = width - label_width - 48
    rows = []
    for i, (label, value) in enumerate(items):
        value = max(0.0, min(1.0, float(value or 0.0)))
        rows.append(
            BarRow(
                label=str(label),
                value=value,
                text=f"{value * 100:.0f}%" if percent else f"{value:.2f}",
                y=i * row_height,
                width=round(value * bar_max, 1),
                color=color,
            )
        )
    return BarChart(
        rows=rows,
        width=width,
        height=max(row_height, len(rows) * row_height),
        label_width=label_width,
        bar_max=bar_max,
        row_height=row_height,
        target=target,
        target_x=label_width + target * bar_max if target is not None else None,
    )


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class TrendSeries:
    name: str
    color: str
    points: list[TrendPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    series: list[TrendSeries]
    labels: list[tuple[str, float]]  # month label, x
    gridlines: list[tuple[str, float]]  # value label, y
    bands: list[tuple[str, float]]  # band name, y of its lower bound (inside the range)
    width: int
    height: int
    left: int
    plot_height: int

    @property
    def is_empty(self) -> bool:
        return not any(len(s.points) for s in self.series)


SERIES_COLORS = ("#0f766e", "#1d4ed8", "#b45309", "#7c3aed", "#be123c", "#475569")


def trend_chart(
    months: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    policy: core.Policy | None = None,
    width: int = 480,
    height: int = 180,
) -> TrendChart:
    """Score lines over months (0..1000 scaled to the highest value, in steps of 100)."""
    left, bottom, top, right = 36, 22, 8, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _name, vals in series for v in vals if v is not None]
    y_max = max(100.0, math.ceil(max(values, default=0.0) / 100.0) * 100.0)
    y_max = min(y_max, 1000.0)

    def x_at(i: int) -> float:
        return round(left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2), 1)

    def y_at(v: float) -> float:
        return round(top + plot_h * (1 - min(v, y_max) / y_max), 1)

    step = 100.0 if y_max <= 500 else 200.0
    gridlines = [(f"{v:.0f}", y_at(v)) for v in _frange(0.0, y_max, step)]
    bands = []
    if policy is not None:
        bands = [(name, y_at(bound)) for bound, name in sorted(policy.bands) if bound <= y_max]
    drawn = []
    for i, (name, vals) in enumerate(series):
        points = [
            TrendPoint(label=months[j], value=v, x=x_at(j), y=y_at(v))
            for j, v in enumerate(vals)
            if v is not None
        ]
        drawn.append(
            TrendSeries(name=name, color=SERIES_COLORS[i % len(SERIES_COLORS)], points=points)
        )
    return TrendChart(
        series=drawn,
        labels=[(m, x_at(j)) for j, m in enumerate(months)],
        gridlines=gridlines,
        bands=bands,
        width=width,
        height=height,
        left=left,
        plot_height=plot_h + top,
    )


def _frange(start: float, stop: float, step: float):
    value = start
    while value <= stop + 1e-9:
        yield value
        value += step


def short_name(name: str) -> str:
    """'Kota Administrasi Jakarta Timur' -> 'Jakarta Timur', for chart legends."""
    for prefix in ("Kota Administrasi ", "Kabupaten Administrasi "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def month_label(month: date) -> str:
    return month.strftime("%m/%y")


# --- bands ----------------------------------------------------------------------------


def next_band(total: float, policy: core.Policy) -> tuple[str | None, float | None]:
    """The next band's name and the points still needed to reach it (None at the top)."""
    for bound, name in sorted(policy.bands):
        if bound > total:
            return name, core.round_total(bound - total)
    return None, None


def band_slug(band: str) -> str:
    return band.lower().replace(" ", "-")


# --- kawasan: score, breakdown, next steps, members and links, for a batch ------------


@dataclass
class StepView:
    kind: str
    points: float
    text: str
    url: str | None
    new_edges: tuple[tuple[str, str], ...]


@dataclass
class KawasanReport:
    kawasan: Kawasan
    breakdown: core.Breakdown
    stored: KawasanScore | None
    steps: list[StepView]
    next_band: str | None
    points_to_next: float | None
    members: list[Site]  # those the user may see, with types prefetched
    hidden_members: int
    links: list[SiteLink]  # active links between visible members
    map_data: dict
    components_chart: BarChart
    clusters_chart: BarChart
    stale_members: list[Site]
    unverified_members: list[Site]
    outline: dict | None = None  # schematic SVG map for print (with_outline=True)
    site_names: dict[int, str] = field(default_factory=dict)

    @property
    def link_rows(self) -> list[tuple[str, str, SiteLink]]:
        return [
            (self.site_names.get(link.site_a_id, ""), self.site_names.get(link.site_b_id, ""), link)
            for link in self.links
        ]


def _site_json(site: Site, hub_id: int | None) -> dict:
    types = sorted(site.types.all(), key=lambda t: (t.order, t.name))
    first = types[0] if types else None
    return {
        "id": site.pk,
        "name": site.name,
        "lat": round(site.location.y, 6),
        "lon": round(site.location.x, 6),
        "types": [t.name for t in types],
        "icon": first.icon if first else "•",
        "color": first.color if first else "#64748b",
        "closed": site.operating_status == OperatingStatus.CLOSED,
        "hub": site.pk == hub_id,
        "url": site.get_absolute_url(),
    }


def _step_view(step: core.Step, names: dict[int, str], type_names: dict[str, str]) -> StepView:
    hidden = _("situs yang belum publik")

    def name(pk: int) -> str:
        return names.get(pk, hidden)

    url = None
    if step.kind == "add_type":
        text = _("Tambahkan situs %(type)s yang terverifikasi di dekat pusat") % {
            "type": type_names.get(step.type_code or "", step.type_code)
        }
        url = reverse("services:site_create")
    elif step.kind == "set_hub":
        text = _("Jadikan %(site)s pusat kawasan") % {"site": name(step.site_ids[0])}
    elif step.kind == "verify_site":
        text = _("Lengkapi daftar periksa dan ajukan verifikasi %(site)s") % {
            "site": name(step.site_ids[0])
        }
    elif step.kind == "reverify_site":
        text = _("Perbarui verifikasi %(site)s") % {"site": name(step.site_ids[0])}
    else:  # link_sites
        a, b = step.site_ids
        text = _("Hubungkan %(a)s dengan %(b)s") % {"a": name(a), "b": name(b)}
        if a in names:
            url = reverse("services:link_create", args=[a])
    if url is None and step.site_ids and step.site_ids[0] in names and step.kind != "link_sites":
        url = reverse("services:site_detail", args=[step.site_ids[0]])
    return StepView(step.kind, step.points, text, url, step.new_edges)


def kawasan_reports(
    kawasans: list[Kawasan],
    user,
    *,
    policy: core.Policy | None = None,
    today: date | None = None,
    with_outline: bool = False,
) -> list[KawasanReport]:
    """The live breakdown, next steps, visible members and links of each kawasan.

    Queries, whatever the number of kawasan: the policy (unless given), the catalogue's
    type clusters, the four of scoring's kawasan_inputs, the stored scores, the visible
    members with their types (2), their active links, type and cluster names (2), and the
    region outlines when asked. The scores come from the same pure function as the stored
    ones, on the kawasan as it is now.
    """
    if not kawasans:
        return []
    policy = policy or scoring_selectors.policy_active().as_policy()
    today = today or timezone.localdate()
    type_clusters = scoring_selectors.type_clusters_map()
    ids = [k.pk for k in kawasans]
    inputs = scoring_selectors.kawasan_inputs(ids, today=today, type_clusters=type_clusters)
    stored = {s.kawasan_id: s for s in KawasanScore.objects.filter(kawasan_id__in=ids)}

    member_ids = {s.id for inp in inputs.values() for s in inp.sites}
    visible = {
        s.pk: s
        for s in Site.objects.visible_to(user)
        .filter(pk__in=member_ids)
        .select_related("kelurahan")
        .defer("kelurahan__boundary", "kelurahan__centroid")
        .prefetch_related("types")
        .order_by("name", "pk")
    }
    links_by_pair = list(
        SiteLink.objects.filter(site_a_id__in=visible, site_b_id__in=visible, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("pk")
    )
    type_names = dict(ServiceType.objects.values_list("code", "name"))
    cluster_names = dict(Cluster.objects.values_list("code", "short_name"))
    outlines = _region_outlines({k.region_id for k in kawasans}) if with_outline else {}

    reports = []
    for kawasan in kawasans:
        inp = inputs[kawasan.pk]
        breakdown = core.score_kawasan(inp, policy)
        steps = core.next_steps(inp, policy, type_clusters=type_clusters, limit=5)
        band, points = next_band(breakdown.total, policy)
        site_ids = [s.id for s in inp.sites]
        members = [
            visible[pk]
            for pk in sorted(site_ids, key=lambda pk: _name_key(visible, pk))
            if pk in visible
        ]
        member_set = {s.pk for s in members}
        links = [
            link
            for link in links_by_pair
            if link.site_a_id in member_set and link.site_b_id in member_set
        ]
        names = {s.pk: s.name for s in members}
        hub_id = breakdown.details.get("hub_id")
        hub = visible.get(hub_id) if hub_id in member_set else None
        map_data = {
            "radius": policy.hub_distance_m,
            "hub": (
                {"id": hub.pk, "lat": hub.location.y, "lon": hub.location.x, "name": hub.name}
                if hub
                else None
            ),
            "members": [_site_json(s, hub_id) for s in members],
            "links": [
                {"a": link.site_a_id, "b": link.site_b_id, "kind": link.get_kind_display()}
                for link in links
            ],
        }
        stale_ids = set(breakdown.details.get("stale_site_ids", ()))
        unverified_ids = set(breakdown.details.get("unverified_site_ids", ()))
        report = KawasanReport(
            kawasan=kawasan,
            breakdown=breakdown,
            stored=stored.get(kawasan.pk),
            steps=[_step_view(s, names, type_names) for s in steps],
            next_band=band,
            points_to_next=points,
            members=members,
            hidden_members=len(set(site_ids)) - len(members),
            links=links,
            map_data=map_data,
            components_chart=components_chart(breakdown),
            clusters_chart=bar_chart(
                [
                    (
                        f"{c} {cluster_names.get(c, '')}".strip(),
                        breakdown.coverage_by_cluster.get(c, 0.0),
                    )
                    for c in core.CLUSTERS
                ],
                label_width=150,
                color="#1d4ed8",
            ),
            stale_members=[s for s in members if s.pk in stale_ids],
            unverified_members=[s for s in members if s.pk in unverified_ids],
            site_names=names,
        )
        if with_outline:
            report.outline = schematic_map(map_data, outlines.get(kawasan.region_id))
        reports.append(report)
    return reports


def _name_key(visible: dict[int, Site], pk: int):
    site = visible.get(pk)
    return (site.name if site else "", pk)


def components_chart(breakdown) -> BarChart:
    """The four components of a score (a Breakdown, a KawasanScore or a dict of means)."""

    def get(name):
        return breakdown.get(name, 0.0) if isinstance(breakdown, dict) else getattr(breakdown, name)

    return bar_chart(
        [
            (_("Cakupan"), get("coverage")),
            (_("Keterhubungan"), get("connectivity")),
            (_("Kedekatan"), get("proximity")),
            (_("Kebaruan"), get("freshness")),
        ]
    )


# --- a schematic map for print: the sites, links, walking circle and boundary as SVG ---


def _region_outlines(codes) -> dict[str, list[list[tuple[float, float]]]]:
    rows = Region.objects.filter(code__in=codes).only("code", "boundary")
    result = {}
    for region in rows:
        if region.boundary is None:
            continue
        simple = region.boundary.simplify(0.00005, preserve_topology=True)
        polygons = [simple] if simple.geom_type == "Polygon" else list(simple)
        result[region.code] = [list(polygon.exterior_ring.coords) for polygon in polygons]
    return result


def schematic_map(map_data: dict, rings, *, size: int = 420) -> dict | None:
    """Project lon/lat onto a square of `size` px (equirectangular, metres kept square).

    Returns points, link lines, the hub circle and the boundary path for the SVG template.
    """
    lons, lats = [], []
    for m in map_data["members"]:
        lons.append(m["lon"])
        lats.append(m["lat"])
    for ring in rings or ():
        for lon, lat in ring:
            lons.append(lon)
            lats.append(lat)
    hub = map_data["hub"]
    radius_deg = map_data["radius"] / 111_195.0
    if hub:
        lats += [hub["lat"] - radius_deg, hub["lat"] + radius_deg]
        kx = math.cos(math.radians(hub["lat"]))
        lons += [hub["lon"] - radius_deg / kx, hub["lon"] + radius_deg / kx]
    if not lons:
        return None
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    span = max((max(lons) - min(lons)) * kx, max(lats) - min(lats), 1e-4)
    pad = 12
    scale = (size - 2 * pad) / span
    min_lon, max_lat = min(lons), max(lats)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(pad + (lon - min_lon) * kx * scale, 1),
            round(pad + (max_lat - lat) * scale, 1),
        )

    points = {m["id"]: (*xy(m["lon"], m["lat"]), m) for m in map_data["members"]}
    paths = []
    for ring in rings or ():
        coords = [xy(lon, lat) for lon, lat in ring]
        paths.append("M" + " L".join(f"{x},{y}" for x, y in coords) + " Z")
    lines = [
        (*points[link["a"]][:2], *points[link["b"]][:2])
        for link in map_data["links"]
        if link["a"] in points and link["b"] in points
    ]
    circle = None
    if hub:
        cx, cy = xy(hub["lon"], hub["lat"])
        circle = (cx, cy, round(radius_deg * scale, 1))
    return {
        "size": size,
        "paths": paths,
        "lines": lines,
        "circle": circle,
        "points": [
            {
                "x": x,
                "y": y,
                "icon": m["icon"],
                "color": m["color"],
                "hub": m["hub"],
                "name": m["name"],
            }
            for x, y, m in points.values()
        ],
    }


# --- the territorial dashboard (lurah, camat; the province may open any) --------------


@dataclass
class KawasanCard:
    kawasan: Kawasan
    score: KawasanScore | None
    next_band: str | None
    points_to_next: float | None

    @property
    def total(self) -> float | None:
        return self.score.total if self.score else None


@dataclass
class ComparisonRow:
    region: scoring_selectors.RegionScore
    components: BarChart | None
    url: str


class AreaDashboard:
    """The dashboard of a kelurahan or kecamatan; `kawasan_pk` is the one shown in detail.

    Without it, the detail shows the region's own base kawasan, else the first; reading
    `kawasan` (or what depends on it) raises Kawasan.DoesNotExist when kawasan_pk is not a
    kawasan of the region. Every part is read on first use, so a page whose fragments
    come from the cache reads none of them.
    """

    def __init__(
        self,
        user,
        region: Region,
        *,
        kawasan_pk: int | None = None,
        policy: core.Policy | None = None,
        today: date | None = None,
    ):
        self.user = user
        self.region = region
        self.kawasan_pk = kawasan_pk
        self._policy = policy
        self.today = today or timezone.localdate()

    @cached_property
    def policy(self) -> core.Policy:
        return self._policy or scoring_selectors.policy_active().as_policy()

    @cached_property
    def kawasans(self) -> list[Kawasan]:
        return list(kawasan_in_region(self.region.code))

    @cached_property
    def kawasan(self) -> Kawasan | None:
        if self.kawasan_pk is not None:
            if "kawasans" in self.__dict__:
                found = next((k for k in self.kawasans if k.pk == self.kawasan_pk), None)
            else:  # the detail alone: one row rather than the whole list
                found = kawasan_in_region(self.region.code).filter(pk=self.kawasan_pk).first()
            if found is None:
                raise Kawasan.DoesNotExist
            return found
        own_base = (k for k in self.kawasans if k.region_id == self.region.code and k.is_base)
        return next(own_base, self.kawasans[0] if self.kawasans else None)

    @cached_property
    def cards(self) -> list[KawasanCard]:
        cards = []
        for k in self.kawasans:
            score = getattr(k, "score", None)
            band, points = next_band(score.total, self.policy) if score else (None, None)
            cards.append(KawasanCard(k, score, band, points))
        return cards

    @cached_property
    def selected(self) -> KawasanReport | None:
        if self.kawasan is None:
            return None
        return kawasan_reports([self.kawasan], self.user, policy=self.policy, today=self.today)[0]

    @cached_property
    def trend(self) -> TrendChart:
        if self.kawasan is None:
            return trend_chart([], [])
        return _kawasan_trend(self.kawasan, self.selected, self.policy)

    @cached_property
    def _ranking(self) -> list[scoring_selectors.RegionScore]:
        # Rank among the regions of the same level in the kota.
        kota = code_ancestor(self.region.code, 1)
        return scoring_selectors.region_scores(self.region.level, kota, policy=self.policy)

    @cached_property
    def rank(self) -> scoring_selectors.RegionScore | None:
        return next((r for r in self._ranking if r.code == self.region.code), None)

    @property
    def rank_of(self) -> int:  # how many regions the rank is among
        return len(self._ranking)

    @cached_property
    def rank_parent(self) -> Region | None:
        kota = code_ancestor(self.region.code, 1)
        return Region.objects.only("code", "name", "level").filter(code=kota).first()

    @cached_property
    def _territory(self) -> QuerySet[Site]:
        return Site.objects.private_to(self.user).filter(
            code_q("kelurahan__code", self.region.code)
        )

    @cached_property
    def state_counts(self) -> list[tuple[str, str, int]]:  # review state, its label, number
        counts = dict(
            self._territory.values("review_state")
            .annotate(n=Count("pk"))
            .values_list("review_state", "n")
            .order_by()
        )
        return [
            (state, label, counts[state])
            for state, label in ReviewState.choices
            if counts.get(state)
        ]

    @cached_property
    def stale_count(self) -> int:
        # Verified longer ago than the review workflow's freshness window, and still open.
        return freshness.sites_stale(self._territory).count()

    @cached_property
    def stale_sites(self) -> list[Site]:
        return list(
            freshness.sites_stale(self._territory)
            .only("pk", "name", "verified_at", "kelurahan_id")
            .order_by("verified_at", "name")[:LIST_LIMIT]
        )

    @cached_property
    def pending_sites(self) -> list[Site]:
        return list(
            self._territory.filter(review_state__in=[ReviewState.SUBMITTED, ReviewState.RETURNED])
            .only("pk", "name", "review_state", "updated_at", "kelurahan_id")
            .order_by("updated_at")[:LIST_LIMIT]
        )

    @cached_property
    def comparison(self) -> list[ComparisonRow]:
        if self.region.level != Level.KECAMATAN:
            return []
        return kelurahan_comparison(self.region.code, self.policy)


def kawasan_in_region(code: str) -> QuerySet[Kawasan]:
    """The kawasan of a region and of every region below it, with their stored scores."""
    return (
        Kawasan.objects.filter(code_q("region__code", code))
        .select_related("region", "hub", "score")
        .defer("region__boundary", "region__centroid", "hub__location")
        .order_by("region_id", "-is_base", "name", "pk")
    )


def area_dashboard(user, region: Region, *, kawasan_pk: int | None = None) -> AreaDashboard:
    return AreaDashboard(user, region, kawasan_pk=kawasan_pk)


# --- versions: what the cached parts of the dashboards are keyed by ----------------------


def grants_key(user) -> str:
    """The user's grants as a key part: users whose grants are equal see the same thing.

    Every scoped read (visible and private sites, the right to change) is a function of the
    grants alone, so fragments keyed by them are never shown to a user of another scope.
    """
    grants = sorted((g.role, g.region_code, g.sector_id or 0) for g in scoping.grants_for(user))
    return rankings.fingerprint("grants", *grants)


@dataclass(frozen=True)
class AreaVersions:
    data: str  # rankings.data_version(): the stored scores, kawasan, snapshots, catalogue
    kawasan_pk: int | None  # the kawasan shown in detail (None: the region has none)
    kawasan: str  # everything the live report of that kawasan reads
    territory: str  # the sites of the region in the user's private scope


AREA_LEVELS = (Level.KELURAHAN, Level.KECAMATAN)
_REGION_FIELDS = ("code", "name", "level", "parent_id")


def area_region(user, code: str, kawasan_pk: int | None) -> tuple[Region, AreaVersions] | None:
    """A kelurahan or kecamatan with the versions of its dashboard's parts, in one query.

    None when there is no such region; versions.kawasan_pk is None when kawasan_pk is not
    a kawasan of it (or it has none). The versions are read before any data they cover
    (see rankings): the scores, the kawasan shown in detail (kawasan_signature), and the
    sites of the region in the user's private scope (count, last edit, sum of versions:
    every site write bumps its version and updated_at). The query's SQL depends on the
    region, the kawasan asked for and the grants only: it is compiled once per process.
    """
    grants = tuple(sorted(scoping.grants_for(user), key=repr))

    def build():
        territory = Site.objects.private_to(user).filter(code_q("kelurahan__code", code))
        return (
            Region.objects.filter(code=code, level__in=AREA_LEVELS)
            .order_by()
            .annotate(
                _data=rankings.data_version_signature(),
                _kawasan=kawasan_signature(code, kawasan_pk),
                _territory=rankings.signature(
                    territory, ("COUNT", "pk"), ("MAX", "updated_at"), ("SUM", "version")
                ),
            )
            .values_list(*_REGION_FIELDS, "_data", "_kawasan", "_territory")
        )

    row = rankings.row_compiled_once(("area", code, kawasan_pk, grants), build)
    if row is None:
        return None
    *fields, data, kawasan, territory = row
    region = Region(**dict(zip(_REGION_FIELDS, fields, strict=True)))
    selected = int(kawasan.split("/", 1)[0]) if kawasan else None
    return region, AreaVersions(
        data=rankings.fingerprint(data),
        kawasan_pk=selected,
        kawasan=rankings.fingerprint(kawasan) if selected is not None else "-",
        territory=rankings.fingerprint(territory),
    )


def kawasan_signature(region_code: str, kawasan_pk: int | None) -> Subquery:
    """A subquery: the kawasan shown in detail (the given one, else the region's own base
    kawasan, else the first) as "<pk>/..." with what its live report reads.

    Its row (hub, edits), its stored score's time, its memberships, its member sites (any
    site edit bumps version and updated_at), their links and its monthly snapshots; the
    policy and the catalogue are in rankings.data_version_signature. NULL when none.
    """
    rows = Kawasan.objects.filter(code_q("region__code", region_code))
    if kawasan_pk is not None:
        rows = rows.filter(pk=kawasan_pk)
    else:
        own_base = Case(
            When(region_id=region_code, is_base=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        rows = rows.order_by(own_base, "region_id", "-is_base", "name", "pk")
    sign = rankings.signature
    count = ("COUNT", "pk")
    members = Membership.objects.filter(kawasan_id=OuterRef("pk"))
    links = SiteLink.objects.filter(site_a__memberships__kawasan_id=OuterRef("pk"))
    snapshots = ScoreSnapshot.objects.filter(kawasan_id=OuterRef("pk"))
    state = rankings.Signature(
        (None, "pk"),
        (None, "hub_id"),
        (None, "updated_at"),
        (None, "score__computed_at"),
        (
            None,
            sign(
                members,
                count,
                ("MAX", "pk"),
                ("MAX", "site__updated_at"),
                ("SUM", "site__version"),
            ),
        ),
        (None, sign(links, count, ("MAX", "pk"), ("COUNT", "end_date"), ("MAX", "end_date"))),
        (None, sign(snapshots, count, ("MAX", "created_at"))),
    )
    return Subquery(rows.annotate(_state=state).values("_state")[:1])


def code_ancestor(code: str, index: int) -> str:
    """The code at depth `index` of the path: 0 province, 1 kota, 2 kecamatan."""
    return ".".join(code.split(".")[: index + 1])


def _kawasan_trend(kawasan: Kawasan, report: KawasanReport | None, policy) -> TrendChart:
    rows = list(
        ScoreSnapshot.objects.filter(kawasan=kawasan)
        .order_by("-month")
        .values_list("month", "total")[:TREND_MONTHS]
    )
    rows.reverse()
    months = [month_label(m) for m, _total in rows]
    values: list[float | None] = [t for _m, t in rows]
    if report is not None:
        months.append(_("kini"))
        values.append(report.breakdown.total)
    return trend_chart(months, [(kawasan.name, values)], policy=policy)


def kelurahan_comparison(kecamatan_code: str, policy: core.Policy) -> list[ComparisonRow]:
    """Each kelurahan of a kecamatan with its score and the mean of its kawasan's components."""
    ranking = scoring_selectors.region_scores(Level.KELURAHAN, kecamatan_code, policy=policy)
    means = {
        row["kawasan__region_id"]: row
        for row in KawasanScore.objects.filter(
            code_q("kawasan__region__code", kecamatan_code), kawasan__region__level=Level.KELURAHAN
        )
        .values("kawasan__region_id")
        .annotate(
            coverage=Avg("coverage"),
            connectivity=Avg("connectivity"),
            proximity=Avg("proximity"),
            freshness=Avg("freshness"),
        )
        .order_by()
    }
    return [
        ComparisonRow(
            region=r,
            components=components_chart(means[r.code]) if r.code in means else None,
            url=reverse("kaltara:dashboard_area", args=[r.code]),
        )
        for r in sorted(ranking, key=lambda r: r.code)
    ]


# --- the suku dinas dashboard ----------------------------------------------------------


@dataclass
class KecamatanCoverage:
    code: str
    name: str
    total: int
    verified: int
    fresh: int

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0


@dataclass
class SectorPanel:
    sector: Sector
    kota: Region
    backlog: int  # submitted sites
    overdue: int
    changes: int  # pending changes of verified sites
    changes_overdue: int
    oldest: list[Site]
    type_names: list[str]
    target: float | None
    total: int
    verified: int
    fresh: int
    by_kecamatan: list[KecamatanCoverage]
    chart: BarChart

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0

    @property
    def meets_target(self) -> bool | None:
        return None if self.target is None else self.share >= self.target


def _has_type(**lookups):
    # Exists keeps one row per site when several of its types match.
    return Exists(Site.types.through.objects.filter(site_id=OuterRef("pk"), **lookups))


def sector_dashboard(user, *, now=None) -> list[SectorPanel]:
    """One panel per suku dinas grant: the review backlog and the sector's coverage.

    The backlog is the sector's submitted sites in the kota (overdue: waiting longer than
    the review workflow's KALTARA_REVIEW_OVERDUE_DAYS), with the pending changes of verified
    sites beside it. Coverage is the share of the sector's open sites (for health the
    puskesmas, for education the schools) verified within the freshness window, by
    kecamatan. Five queries per grant (six for a sector without targets) plus three.
    """
    now = now or timezone.now()
    grants = sector_grants(user)
    if not grants:
        return []
    fresh_after = freshness.stale_cutoff(now)
    overdue_before = now - timedelta(days=queue.overdue_days())
    sectors = Sector.objects.in_bulk({g.sector_id for g in grants})
    codes = {g.region_code for g in grants}
    regions = {
        r.code: r
        for r in Region.objects.filter(
            Q(code__in=codes) | Q(parent_id__in=codes, level=Level.KECAMATAN)
        ).only("code", "name", "level", "parent_id")
    }
    all_type_names = dict(ServiceType.objects.values_list("code", "name"))
    panels = []
    for grant in sorted(grants, key=lambda g: (g.region_code, g.sector_id)):
        sector = sectors[grant.sector_id]
        in_kota = Site.objects.filter(code_q("kelurahan__code", grant.region_code))
        of_sector = in_kota.filter(_has_type(servicetype__sector_id=grant.sector_id))
        submitted = of_sector.filter(review_state=ReviewState.SUBMITTED)
        backlog = submitted.aggregate(
            n=Count("pk"), overdue=Count("pk", filter=Q(submitted_at__lt=overdue_before))
        )
        changes = PendingChange.objects.filter(
            state=PendingChangeState.PENDING, site__in=of_sector.values("pk")
        ).aggregate(n=Count("pk"), overdue=Count("pk", filter=Q(submitted_at__lt=overdue_before)))
        oldest = list(
            submitted.select_related("kelurahan")
            .only("pk", "name", "submitted_at", "kelurahan__name", "kelurahan__code")
            .order_by("submitted_at", "pk")[:LIST_LIMIT]
        )
        target_types, target = SECTOR_TARGETS.get(sector.code, ((), None))
        counted = (
            in_kota.filter(_has_type(servicetype__code__in=target_types))
            if target_types
            else of_sector
        ).exclude(operating_status=OperatingStatus.CLOSED)
        verified_q = Q(review_state=ReviewState.VERIFIED)
        rows = (
            counted.values("kelurahan__parent_id")
            .annotate(
                total=Count("pk"),
                verified=Count("pk", filter=verified_q),
                fresh=Count("pk", filter=verified_q & Q(verified_at__gte=fresh_after)),
            )
            .order_by()
        )
        by_kecamatan = [
            KecamatanCoverage(
                code=row["kelurahan__parent_id"],
                name=regions[row["kelurahan__parent_id"]].name
                if row["kelurahan__parent_id"] in regions
                else row["kelurahan__parent_id"],
                total=row["total"],
                verified=row["verified"],
                fresh=row["fresh"],
            )
            for row in rows
        ]
        by_kecamatan.sort(key=lambda r: r.code)
        if target_types:
            type_names = [all_type_names.get(c, c) for c in target_types]
        else:
            type_names = list(
                ServiceType.objects.filter(sector_id=grant.sector_id).values_list("name", flat=True)
            )
        panels.append(
            SectorPanel(
                sector=sector,
                kota=regions[grant.region_code],
                backlog=backlog["n"],
                overdue=backlog["overdue"],
                changes=changes["n"],
                changes_overdue=changes["overdue"],
                oldest=oldest,
                type_names=type_names,
                target=target,
                total=sum(r.total for r in by_kecamatan),
                verified=sum(r.verified for r in by_kecamatan),
                fresh=sum(r.fresh for r in by_kecamatan),
                by_kecamatan=by_kecamatan,
                chart=bar_chart(
                    [(r.name, r.share) for r in by_kecamatan], label_width=140, target=target
                ),
            )
        )
    return panels


def sector_version(user, *, now=None) -> str:
    """The version of the user's sector panels: the sites and pending changes of the kotas
    of their grants, the catalogue, and the minute (overdue and fresh move with time)."""
    now = now or timezone.now()
    grants = sector_grants(user)
    if not grants:
        return "-"

    def build():
        in_kotas = Q(pk__in=[])
        for grant in grants:
            in_kotas |= code_q("kelurahan__code", grant.region_code)
        sites = Site.objects.filter(in_kotas)
        changes = PendingChange.objects.filter(site__in=sites.values("pk"))
        sign = rankings.signature
        count = ("COUNT", "pk")
        return (
            Sector.objects.filter(pk=grants[0].sector_id)
            .order_by()
            .annotate(
                _v=rankings.Signature(
                    (None, sign(sites, count, ("MAX", "updated_at"), ("SUM", "version"))),
                    (None, sign(changes, count, ("MAX", "pk"), ("SUM", "version"))),
                    (None, sign(ServiceType.objects.all(), count)),
                )
            )
            .values_list("_v")
        )

    row = rankings.row_compiled_once(("sector", tuple(sorted(grants, key=repr))), build)
    minute = timezone.localtime(now).strftime("%Y%m%d%H%M")
    return rankings.fingerprint(
        row[0] if row else "-", minute, queue.overdue_days(), freshness.freshness_days()
    )


# --- the provincial overview -------------------------------------------------------------


@dataclass
class ProvinceOverview:
    kota: list[scoring_selectors.RegionScore]
    most_improved: list[scoring_selectors.RegionScore]
    band_counts: list[tuple[str, int]]
    no_kawasan: int
    kelurahan_count: int
    trend: TrendChart
    last_snapshot: date | None


def province_overview(*, policy: core.Policy | None = None) -> ProvinceOverview:
    """Kota ranking, the kelurahan that improved most, the band spread and the trend."""
    policy = policy or scoring_selectors.policy_active().as_policy()
    kota = scoring_selectors.region_scores(Level.KABKOTA, policy=policy)
    kelurahan = scoring_selectors.region_scores(Level.KELURAHAN, policy=policy)
    improved = sorted(
        (r for r in kelurahan if r.change is not None and r.change > 0),
        key=lambda r: (-r.change, r.code),
    )[:LIST_LIMIT]
    counts: dict[str, int] = defaultdict(int)
    for r in kelurahan:
        if not r.no_kawasan:
            counts[r.band] += 1
    bands = [policy.band_below, *[name for _b, name in sorted(policy.bands)]]
    trend, last = province_trend(kota, [r.code for r in kelurahan], policy)
    return ProvinceOverview(
        kota=kota,
        most_improved=improved,
        band_counts=[(b, counts.get(b, 0)) for b in bands],
        no_kawasan=sum(1 for r in kelurahan if r.no_kawasan),
        kelurahan_count=len(kelurahan),
        trend=trend,
        last_snapshot=last,
    )


def province_trend(
    kota: list[scoring_selectors.RegionScore], kelurahan_codes: list[str], policy: core.Policy
) -> tuple[TrendChart, date | None]:
    """Each kota's score by month from the snapshots, then today's.

    Rolled up the way region_scores does: a kelurahan without a snapshot counts 0, a
    kecamatan is the mean of its kelurahan, a kota the mean of its kecamatan.
    """
    rows = (
        ScoreSnapshot.objects.filter(kawasan__region__level=Level.KELURAHAN)
        .values("month", "kawasan__region_id")
        .annotate(mean=Avg("total"))
        .values_list("month", "kawasan__region_id", "mean")
        .order_by()
    )
    per_month: dict[date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    kelurahan_mean: dict[tuple[date, str], float] = {}
    for month, code, mean in rows:
        kelurahan_mean[(month, code)] = mean
    months = sorted({m for m, _c in kelurahan_mean})[-TREND_MONTHS:]
    for month in months:
        for code in kelurahan_codes:
            per_month[month][code_ancestor(code, 2)].append(kelurahan_mean.get((month, code), 0.0))
    series = []
    for r in kota:
        values: list[float | None] = []
        for month in months:
            kecamatan_means = [
                sum(v) / len(v)
                for k, v in per_month[month].items()
                if code_ancestor(k, 1) == r.code
            ]
            values.append(
                core.round_total(sum(kecamatan_means) / len(kecamatan_means))
                if kecamatan_means
                else None
            )
        values.append(r.score)
        series.append((short_name(r.name), values))
    labels = [month_label(m) for m in months] + [_("kini")]
    return trend_chart(labels, series, policy=policy, width=560, height=220), (
        months[-1] if months else None
    )
