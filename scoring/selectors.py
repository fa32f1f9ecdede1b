"""Reads for scoring: the plain inputs of the pure function, region aggregates, explanations.

kawasan_inputs reads kawasan in a fixed number of queries per batch of READ_BATCH
(values_list rows into plain dicts, no model instances), so a nightly run costs the same
few queries per batch whatever the kawasan's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Func, Max, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clusters.models import Cluster
from kawasan.models import Kawasan, Membership
from regions.models import Level, Region, code_ancestors, subtree_q
from sites.models import ServiceType, Site, SiteLink

from . import core
from .models import ScoreSnapshot, ScoringPolicy
from .policy import CLUSTERS, Policy


def policy_active() -> ScoringPolicy:
    """The policy that new scores use (migration 0002 makes "kaltara-1" active)."""
    policy = ScoringPolicy.objects.filter(is_active=True).first()
    if policy is None:
        raise ImproperlyConfigured(
            "Tidak ada kebijakan skor yang aktif: aktifkan satu versi di admin (Kebijakan skor)."
        )
    return policy


@dataclass(frozen=True)
class CatalogueType:
    code: str
    name: str
    clusters: frozenset[str]


def catalogue_types() -> list[CatalogueType]:
    """The service types of the catalogue in its order, with their clusters (one query)."""
    rows = (
        ServiceType.objects.order_by("order", "name", "code")
        .annotate(_cluster=F("clusters__code"))
        .values_list("code", "name", "_cluster")
    )
    types: dict[str, tuple[str, set[str]]] = {}
    for code, name, cluster in rows:
        entry = types.setdefault(code, (name, set()))
        if cluster:
            entry[1].add(cluster)
    return [CatalogueType(code, name, frozenset(c)) for code, (name, c) in types.items()]


def cluster_names() -> dict[str, str]:
    """Cluster code -> short name, for the five clusters a policy expects types in."""
    return dict(
        Cluster.objects.filter(code__in=CLUSTERS)
        .order_by("order")
        .values_list("code", "short_name")
    )


def type_clusters_map() -> dict[str, frozenset[str]]:
    """Service type code -> the cluster codes it serves (the catalogue; one query)."""
    result: dict[str, set[str]] = defaultdict(set)
    rows = ServiceType.clusters.through.objects.values_list("servicetype__code", "cluster__code")
    for code, cluster in rows:
        result[code].add(cluster)
    return {code: frozenset(clusters) for code, clusters in result.items()}


# ST_X / ST_Y exist under these names on both PostGIS and SpatiaLite; reading the numbers in
# SQL avoids building a GEOS Point per row.
def _coord(function: str, field: str) -> Func:
    return Func(F(field), function=function, output_field=FloatField())


# Kawasan read per round of queries. Larger IN lists make PostgreSQL trade its index lookups
# for full scans of the site and link tables: with a million sites, 2,000 kawasan per query
# read every site row once per chunk (measured ~0.9 s a chunk; 500 per query: ~0.2 s).
READ_BATCH = 500


def kawasan_inputs(
    kawasan_ids: Iterable[int],
    *,
    today: date,
    type_clusters: Mapping[str, frozenset[str]] | None = None,
) -> dict[int, core.KawasanInput]:
    """The KawasanInput of each kawasan, in 3 queries per READ_BATCH kawasan (+1 without
    type_clusters).

    Queries: kawasan hubs; memberships with their site fields and service types (a site
    with two roles comes as two rows); active links whose two ends are members of the same
    kawasan of the batch. Every existing kawasan id gets an input (an empty kawasan too);
    unknown ids are left out. A link between two kawasan's members counts for neither.
    """
    ids = list(kawasan_ids)
    if not ids:
        return {}
    if type_clusters is None:
        type_clusters = type_clusters_map()
    result: dict[int, core.KawasanInput] = {}
    for start in range(0, len(ids), READ_BATCH):
        result.update(_kawasan_inputs_batch(ids[start : start + READ_BATCH], today, type_clusters))
    return result


def _kawasan_inputs_batch(
    ids: list[int], today: date, type_clusters: Mapping[str, frozenset[str]]
) -> dict[int, core.KawasanInput]:
    # order_by(): the model ordering would join the region table for nothing.
    hubs = dict(Kawasan.objects.filter(pk__in=ids).order_by().values_list("pk", "hub_id"))

    members: dict[int, set[int]] = defaultdict(set)  # kawasan -> site ids
    site_rows: dict[int, list] = {}
    codes_of_site: dict[int, set[str]] = defaultdict(set)
    rows = (
        Membership.objects.filter(kawasan_id__in=ids)
        .annotate(_lon=_coord("ST_X", "site__location"), _lat=_coord("ST_Y", "site__location"))
        .order_by()
        .values_list(
            "kawasan_id",
            "site_id",
            "site__name",
            "site__review_state",
            "site__verified_at",
            "site__operating_status",
            "_lat",
            "_lon",
            "site__types__code",
        )
    )
    for kawasan_id, site_id, *site_fields, code in rows:
        members[kawasan_id].add(site_id)
        if code is not None:
            codes_of_site[site_id].add(code)
        if site_id not in site_rows:
            site_rows[site_id] = site_fields

    link_rows = _links_within(ids, today)
    links: dict[int, list[core.LinkInput]] = defaultdict(list)
    for kawasan_id, a, b in link_rows:
        links[kawasan_id].append(core.LinkInput(a, b))

    # One SiteInput per site, shared by every kawasan of the batch that holds it.
    sites = _site_inputs(site_rows, codes_of_site, type_clusters)

    return {
        kawasan_id: core.KawasanInput(
            sites=tuple(sites[s] for s in sorted(members.get(kawasan_id, ()))),
            links=tuple(sorted(links.get(kawasan_id, ()), key=_link_key)),
            hub_id=hub_id,
            today=today,
        )
        for kawasan_id, hub_id in hubs.items()
    }


def _site_inputs(
    site_rows: Mapping[int, list],
    codes_of_site: Mapping[int, set[str]],
    type_clusters: Mapping[str, frozenset[str]],
) -> dict[int, core.SiteInput]:
    """SiteInputs from rows of (name, review_state, verified_at, operating_status, lat, lon)."""
    tz = timezone.get_current_timezone()  # the freshness window counts days in Jakarta time
    sites: dict[int, core.SiteInput] = {}
    for site_id, (name, review_state, verified_at, operating_status, lat, lon) in site_rows.items():
        codes = frozenset(codes_of_site.get(site_id, ()))
        clusters = frozenset().union(*(type_clusters.get(code, ()) for code in codes))
        sites[site_id] = core.SiteInput(
            id=site_id,
            type_codes=codes,
            clusters=clusters,
            lat=lat if lat is not None else 0.0,
            lon=lon if lon is not None else 0.0,
            review_state=review_state,
            verified_at=verified_at.astimezone(tz).date() if verified_at else None,
            operating_status=operating_status,
            name=name,
        )
    return sites


def site_inputs(
    site_ids: Iterable[int], *, type_clusters: Mapping[str, frozenset[str]]
) -> dict[int, core.SiteInput]:
    """The SiteInput of each site, built as kawasan_inputs builds a member's (one query).

    For sites that are not members yet: a preview scores a kawasan with one of them added.
    """
    ids = sorted(set(site_ids))
    if not ids:
        return {}
    site_rows: dict[int, list] = {}
    codes_of_site: dict[int, set[str]] = defaultdict(set)
    rows = (
        Site.objects.filter(pk__in=ids)
        .annotate(_lon=_coord("ST_X", "location"), _lat=_coord("ST_Y", "location"))
        .order_by()
        .values_list(
            "pk",
            "name",
            "review_state",
            "verified_at",
            "operating_status",
            "_lat",
            "_lon",
            "types__code",
        )
    )
    for site_id, *site_fields, code in rows:
        if code is not None:
            codes_of_site[site_id].add(code)
        site_rows.setdefault(site_id, site_fields)
    return _site_inputs(site_rows, codes_of_site, type_clusters)


def _link_key(link: core.LinkInput) -> tuple[int, int]:
    return (link.a, link.b)


def _links_within(ids: list[int], today: date) -> list[tuple[int, int, int]]:
    """(kawasan id, site a, site b) of the active links whose two ends are members of the
    same kawasan of `ids`; a pair linked in two kinds comes once.

    A link is active from its start date through its end date (open-ended if none). Plain
    SQL that both databases read: the ORM would reach the memberships through two extra
    joins on the site table (about a third of the query's time at national scale).
    """
    q = connection.ops.quote_name
    link, member = SiteLink._meta, Membership._meta
    a, b = q(link.get_field("site_a").column), q(link.get_field("site_b").column)
    start_col, end_col = link.get_field("start_date").column, link.get_field("end_date").column
    assert start_col and end_col  # concrete fields: a column always (typed optional for others)
    start, end = q(start_col), q(end_col)
    site, kawasan = q(member.get_field("site").column), q(member.get_field("kawasan").column)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT DISTINCT ma.{kawasan}, l.{a}, l.{b} FROM {q(link.db_table)} l "  # noqa: S608
        f"JOIN {q(member.db_table)} ma ON ma.{site} = l.{a} "
        f"JOIN {q(member.db_table)} mb ON mb.{site} = l.{b} AND mb.{kawasan} = ma.{kawasan} "
        f"WHERE ma.{kawasan} IN ({placeholders}) AND l.{start} <= %s "
        f"AND (l.{end} IS NULL OR l.{end} >= %s)"
    )
    day = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, day, day])
        return cursor.fetchall()


def kawasan_ids_for_sites(site_ids: Iterable[int]) -> list[int]:
    """The kawasan that have one of the sites as a member or as their hub (one query)."""
    site_ids = [pk for pk in site_ids if pk is not None]
    if not site_ids:
        return []
    return list(
        Kawasan.objects.filter(Q(memberships__site_id__in=site_ids) | Q(hub_id__in=site_ids))
        .values_list("pk", flat=True)
        .order_by()
        .distinct()
    )


def kawasan_explanation(
    kawasan: Kawasan, *, today: date | None = None, policy: Policy | None = None
) -> tuple[core.Breakdown, list[core.Step], float | None]:
    """Live breakdown, the top 5 next steps and the points to the next band of one kawasan."""
    policy = policy or policy_active().as_policy()
    today = today or timezone.localdate()
    type_clusters = type_clusters_map()
    inp = kawasan_inputs([kawasan.pk], today=today, type_clusters=type_clusters)[kawasan.pk]
    breakdown = core.score_kawasan(inp, policy)
    steps = core.next_steps(inp, policy, type_clusters=type_clusters, limit=5)
    return breakdown, steps, core.points_to_next_band(breakdown, policy)


# --- region aggregates ----------------------------------------------------------------


@dataclass(frozen=True)
class RegionScore:
    code: str
    name: str
    level: str
    score: float  # 0..1000, one decimal
    band: str
    rank: int  # 1 = best among the listed regions; equal scores share a rank
    kawasan_count: int  # kawasan of the kelurahan below (0: shown as "no kawasan yet")
    confidence: float  # mean share of member sites verified and fresh, 0..1
    previous: float | None  # the same mean over the last monthly snapshot
    change: float | None  # score - previous; None before the first snapshot
    # How many scores the score is the mean of: kawasan (kelurahan), kelurahan (kecamatan)
    # or kecamatan (kota).
    mean_of: int = 0
    snapshot_month: date | None = None  # the snapshot `previous` is read from

    @property
    def no_kawasan(self) -> bool:
        return self.kawasan_count == 0


_AGGREGATE_LEVELS = (Level.KELURAHAN, Level.KECAMATAN, Level.KABKOTA)
# Position of the code at each level in code_ancestors(kelurahan code).
_ANCESTOR_INDEX: dict[str, int] = {Level.KABKOTA: 1, Level.KECAMATAN: 2, Level.KELURAHAN: 3}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def region_rollup(level: str, kelurahan_codes: Iterable[str], value) -> float:
    """The score of a region of `level` from its kelurahan (value: kelurahan code -> mean).

    Mean of means (spec): a kelurahan or kecamatan is the mean of its kelurahan, a kota the
    mean of its kecamatan. region_scores and the policy preview roll up through this.
    """
    if level == Level.KABKOTA:
        by_kecamatan: dict[str, list[float]] = defaultdict(list)
        for code in kelurahan_codes:
            by_kecamatan[code_ancestors(code)[2]].append(value(code))
        return _mean([_mean(values) for values in by_kecamatan.values()])
    return _mean([value(code) for code in kelurahan_codes])


def _mean_of(level: str, kelurahan_codes: list[str], current: Mapping[str, tuple]) -> int:
    """How many scores a region's is the mean of (kawasan, kelurahan or kecamatan)."""
    if level == Level.KELURAHAN:
        return sum(current[c][0] for c in kelurahan_codes)
    if level == Level.KABKOTA:
        return len({code_ancestors(c)[2] for c in kelurahan_codes})
    return len(kelurahan_codes)


def region_scores(
    level: str, parent_code: str | None = None, *, policy: Policy | None = None
) -> list[RegionScore]:
    """Rank the regions of one level (below parent_code, or all), best first.

    A kelurahan scores the mean total of its kawasan (those whose region is the kelurahan),
    0 without any; a kecamatan the mean of its kelurahan; a kota the mean of its kecamatan.
    Three queries whatever the level: the kelurahan means (one grouped query), the
    kelurahan means at the last snapshot, and the names of the listed regions; the roll-up
    to kecamatan and kota works on those per-kelurahan rows.
    """
    if level not in _AGGREGATE_LEVELS:
        raise ValueError(f"level: pakai salah satu dari {', '.join(_AGGREGATE_LEVELS)}.")
    policy = policy or policy_active().as_policy()
    below = subtree_q("code", parent_code, include_self=False) if parent_code else Q()

    zero = Value(0.0, output_field=FloatField())
    kelurahan_rows = (
        Region.objects.filter(below, level=Level.KELURAHAN)
        # Group by the code alone: without values() the GROUP BY holds every column of
        # the region, its boundary too (~20 ms instead of ~1 ms on PostGIS).
        .values("code")
        .annotate(
            n=Count("kawasan"),
            # A kawasan not scored yet counts as 0, like a kelurahan without kawasan.
            mean=Avg(Coalesce("kawasan__score__total", zero)),
            conf=Avg(Coalesce("kawasan__score__confidence", zero)),
        )
        .values_list("code", "n", "mean", "conf")
    )
    current: dict[str, tuple[int, float, float]] = {
        code: (n, mean or 0.0, conf or 0.0) for code, n, mean, conf in kelurahan_rows
    }

    previous: dict[str, float] | None = None
    last_month = ScoreSnapshot.objects.aggregate(m=Max("month"))["m"]
    if last_month is not None:
        snapshot_below = (
            subtree_q("kawasan__region__code", parent_code, include_self=False)
            if parent_code
            else Q()
        )
        previous = dict(
            ScoreSnapshot.objects.filter(
                snapshot_below, month=last_month, kawasan__region__level=Level.KELURAHAN
            )
            .values("kawasan__region_id")
            .annotate(mean=Avg("total"))
            .values_list("kawasan__region_id", "mean")
        )

    names = dict(Region.objects.filter(below, level=level).values_list("code", "name"))

    # Group the kelurahan under the listed level (a kelurahan is its own group).
    index = _ANCESTOR_INDEX[level]
    groups: dict[str, list[str]] = {code: [] for code in names}
    for code in current:
        ancestors = code_ancestors(code)
        if len(ancestors) > index and ancestors[index] in groups:
            groups[ancestors[index]].append(code)

    def rollup(kelurahan_codes: list[str], value) -> float:
        return region_rollup(level, kelurahan_codes, value)

    unranked = []
    for code, kelurahan_codes in groups.items():
        score = core.round_total(rollup(kelurahan_codes, lambda c: current[c][1]))
        prev = None
        if previous is not None:
            prev = core.round_total(rollup(kelurahan_codes, lambda c: previous.get(c, 0.0)))
        unranked.append(
            (
                code,
                score,
                sum(current[c][0] for c in kelurahan_codes),
                round(rollup(kelurahan_codes, lambda c: current[c][2]), 3),
                prev,
                _mean_of(level, kelurahan_codes, current),
            )
        )
    unranked.sort(key=lambda row: (-row[1], row[0]))

    result = []
    rank = 0
    last_score = None
    for position, (code, score, count, confidence, prev, mean_of) in enumerate(unranked, start=1):
        if score != last_score:
            rank, last_score = position, score
        result.append(
            RegionScore(
                code=code,
                name=names[code],
                level=level,
                score=score,
                band=core.band_for(score, policy),
                rank=rank,
                kawasan_count=count,
                confidence=confidence,
                previous=prev,
                change=core.round_total(score - prev) if prev is not None else None,
                mean_of=mean_of,
                snapshot_month=last_month,
            )
        )
    return result
