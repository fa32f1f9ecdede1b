"""Kawasan reports: the live score, breakdown, next steps, members and links of a batch.

Read through the scoped querysets of the lower apps (Site.objects.visible_to), so a report
never shows a site its user may not see. A fixed number of queries whatever the size of
the batch: rows are read in bulk and grouped in Python, and the scoring function runs on
the inputs of every kawasan of the batch read at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.gis.geos import GeometryCollection, Polygon
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Cluster
from kawasan import selectors as kawasan_selectors
from kawasan.models import Kawasan
from regions.models import Region
from scoring import core, explain
from scoring import selectors as scoring_selectors
from scoring.models import KawasanScore
from scoring.policy import CLUSTERS, Policy
from sites.models import OperatingStatus, ServiceType, Site, SiteLink
from sites.selectors import HIDDEN_SITE
from web.colors import ink_on

from . import next_steps
from .charts import BarChart, bar_chart, components_chart, schematic_map


def next_band(total: float, policy: Policy) -> tuple[str | None, float | None]:
    """The next band's name and the points still needed to reach it (None at the top)."""
    for bound, name in sorted(policy.bands):
        if bound > total:
            return name, core.round_total(bound - total)
    return None, None


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
    next_band_text: str = ""  # "Belum berpredikat: Pratama mulai 500, kurang 168,2 poin"
    site_names: dict[int, str] = field(default_factory=dict)

    @property
    def hub_label(self) -> str:
        """The hub's name if the user may see it (it is then among the visible members)."""
        hub_id = self.kawasan.hub_id
        if hub_id is None:
            return ""
        return next((s.name for s in self.members if s.pk == hub_id), str(HIDDEN_SITE))

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
        "ink": first.ink if first else ink_on("#64748b"),
        "closed": site.operating_status == OperatingStatus.CLOSED,
        "hub": site.pk == hub_id,
        "url": site.get_absolute_url(),
    }


def _step_view(
    step: core.Step, names: dict[int, str], type_names: dict[str, str], ctx: next_steps.StepContext
) -> StepView:
    def name(pk: int) -> str:
        return names.get(pk, str(HIDDEN_SITE))

    if step.kind == "add_type":
        text = _("Tambahkan situs %(type)s yang terverifikasi di dekat pusat") % {
            "type": type_names.get(step.type_code or "", step.type_code)
        }
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
    # The action, prefilled, for what the user may do (dashboards.next_steps).
    url = next_steps.step_url(step, ctx)
    return StepView(step.kind, step.points, text, url, step.new_edges)


def kawasan_reports(
    kawasans: list[Kawasan],
    user,
    *,
    policy: Policy | None = None,
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
        step_ctx = next_steps.StepContext(
            user=user,
            kawasan=kawasan,
            total=breakdown.total,
            members={s.pk: s for s in members},
            may_change_kawasan=kawasan_selectors.kawasan_may_change(user, kawasan),
        )
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
            steps=[_step_view(s, names, type_names, step_ctx) for s in steps],
            next_band=band,
            points_to_next=points,
            next_band_text=explain.next_band_line(breakdown.total, policy),
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
                    for c in CLUSTERS
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


def _region_outlines(codes) -> dict[str, list[list[tuple[float, ...]]]]:  # (lon, lat) points
    rows = Region.objects.filter(code__in=codes).only("code", "boundary")
    result = {}
    for region in rows:
        if region.boundary is None:
            continue
        simple = region.boundary.simplify(0.00005, preserve_topology=True)
        # Simplifying a multipolygon may leave a single polygon.
        parts = list(simple) if isinstance(simple, GeometryCollection) else [simple]
        result[region.code] = [
            list(part.exterior_ring.coords) for part in parts if isinstance(part, Polygon)
        ]
    return result
