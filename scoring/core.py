"""The kawasan integration score: a pure function of plain data (spec: docs/scoring.md).

No database, no Django: inputs are frozen dataclasses, the output a breakdown. The same
function ranks the next steps by scoring changed inputs. The policy it reads (weights,
expected types, bands; "Kaltara 1" by default) is data: scoring.policy.

Choices the spec leaves open, decided here (tests in tests/scoring/test_core.py pin each):

- Members. ``KawasanInput.sites`` are the member sites. A site listed twice counts once
  (one building is one site, whatever roles it holds). The spec's members are *active*
  sites, so a site whose operating_status is "closed" is kept out of every component:
  weight 0, its links do not count, and it is in no denominator (L's hub share, P, F).
  It is only reported in ``details["closed_site_ids"]``. "temporarily_closed" sites stay
  members with their review-state weight: the service exists and will reopen.
- Hub. ``hub_id`` counts only when it names a member that is not closed; otherwise the
  kawasan is scored as having no hub (``details["hub_id"]`` is then None).
- Coverage counts a site for an expected type when the type code is among its
  ``type_codes``, in every cluster whose expectations list that type (an RPTRA fills both
  the II and the IV expectation) while its weight is counted once per type, never twice
  per building. A type listed twice in one site's codes is one role.
- Connectivity follows the spec text: a link counts when both ends are members (and not
  closed), whatever their weights, so a draft or returned site's links count. A link
  joining two sites that serve only the same single cluster adds no edge (edges join two
  different clusters), nor do a site's own several clusters without a link. Self-links are
  ignored; duplicate links (another kind on the same pair) add nothing new.
- Proximity: the denominator is the members other than the hub with w > 0. Without a hub,
  or with a hub and no such member, P = 0: a hub with nothing around it is not yet a
  walkable kawasan, and the same rule makes L's hub share 0 without other members.
  Distance is inclusive (exactly hub_distance_m is within).
- Freshness: share of the (non-closed) members verified within the window; an empty
  kawasan has F = 0. A site verified exactly ``freshness_days`` ago is still fresh; a
  verification date in the future counts as fresh.
- Total = 1000 x the weighted sum, rounded half up to one decimal and clamped to 0..1000.
  The band is the one with the largest lower bound <= the rounded total; bounds are policy
  data ("Kaltara 1": 500 Pratama, 601 Madya, 701 Nindya, 801 Utama, 901 Paripurna), so
  600.5 is Pratama and 601.0 Madya; below the first bound the band is ``band_below``.

``Breakdown.details`` (JSON-safe, sorted, so it can be stored as is):
  hub_id (the hub actually used, or None); shortfalls {cluster: [{type, have, required,
  site_ids}]} for expected types below their required weight (site_ids: the members holding
  the type, weighted or not); missing_edges [[x, y]]; unlinked_to_hub [site id] (empty
  without a hub); far_from_hub [{site_id, distance_m}] (weighted sites beyond the hub
  distance, farthest first); stale_site_ids (verified outside the window);
  unverified_site_ids (any other review state); closed_site_ids (left out of the score).

next_steps proposes verifying registered, submitted and returned sites (not drafts, which
first need their checklist), re-verifying stale ones, adding a verified site of each expected
type at the hub, linking the hub to each unlinked member, one pair per missing cluster edge,
and, without a hub, making each member of ``policy.hub_type`` the hub.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .policy import CLUSTERS, Policy

_CLUSTER_INDEX = {c: i for i, c in enumerate(CLUSTERS)}
_ALL_EDGES = tuple(
    (CLUSTERS[i], CLUSTERS[j]) for i in range(len(CLUSTERS)) for j in range(i + 1, len(CLUSTERS))
)
EARTH_RADIUS_M = 6371008.8  # IUGG mean radius, as the spec's "great-circle" distance
CLOSED = "closed"


@dataclass(frozen=True)
class SiteInput:
    id: int
    type_codes: frozenset[str]
    clusters: frozenset[str]  # the union of the clusters its types serve ("I".."V")
    lat: float
    lon: float
    review_state: str  # registered, draft, submitted, verified, returned
    verified_at: date | None
    operating_status: str = "open"  # open, temporarily_closed, closed
    name: str = ""


@dataclass(frozen=True)
class LinkInput:
    a: int  # site ids; a link counts when both ends are members
    b: int


@dataclass(frozen=True)
class KawasanInput:
    sites: tuple[SiteInput, ...]
    links: tuple[LinkInput, ...]
    hub_id: int | None
    today: date


@dataclass(frozen=True)
class Breakdown:
    total: float  # 0..1000, one decimal
    band: str
    coverage: float  # components 0..1
    connectivity: float
    proximity: float
    freshness: float
    coverage_by_cluster: dict[str, float]
    edges: frozenset[tuple[str, str]]  # cluster pairs joined by a counted link, sorted pairs
    member_count: int
    details: dict = field(default_factory=dict)  # explanation material (missing types, ...)


@dataclass(frozen=True)
class Step:
    """One candidate single action and the points it would add (one decimal)."""

    kind: str  # add_type, verify_site, reverify_site, link_sites, set_hub
    points: float
    type_code: str | None = None  # add_type: the service type to add
    site_ids: tuple[int, ...] = ()  # the sites acted on (link_sites: the two ends, sorted)
    clusters: tuple[str, ...] = ()  # add_type: clusters the new site would serve
    new_edges: tuple[tuple[str, str], ...] = ()  # cluster edges the action would add
    total_after: float = 0.0


STEP_KINDS = ("set_hub", "add_type", "verify_site", "reverify_site", "link_sites")
_STEP_ORDER = {k: i for i, k in enumerate(STEP_KINDS)}


# --- the score ------------------------------------------------------------------------


def _as_date(value: date | None) -> date | None:
    # Site.verified_at is a DateTimeField; the spec counts whole days.
    if isinstance(value, datetime):
        return value.date()
    return value


def site_weight(site: SiteInput, policy: Policy, today: date) -> float:
    """w(site): 1.0 verified and fresh, 0.6 stale, 0.5 submitted, 0.25 registered, else 0."""
    if site.operating_status == CLOSED:
        return 0.0
    state = site.review_state
    weights = policy.site_weights
    if state == "verified":
        verified_at = _as_date(site.verified_at)
        # A verified site without a date (the database forbids it) is treated as stale.
        if verified_at is not None and verified_at >= today - policy.compiled.cutoff_days:
            return weights["verified"]
        return weights["verified_stale"]
    return weights.get(state, 0.0)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the mean Earth sphere (R = 6,371,008.8 m)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def round_total(raw: float) -> float:
    """Half-up rounding to one decimal (Python's round() is half-even on binary floats)."""
    # round(raw, 9) first drops float noise such as 600.04999999999995 from 0.45 x ...
    return float(Decimal(repr(round(raw, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def band_for(total: float, policy: Policy) -> str:
    """The band with the largest lower bound <= total (lower bounds inclusive)."""
    band = policy.band_below
    for bound, name in policy.compiled.band_bounds:
        if total >= bound:
            band = name
        else:
            break
    return band


def points_to_next_band(breakdown: Breakdown, policy: Policy) -> float | None:
    """Points still needed to reach the next band's lower bound; None in the top band."""
    for bound, _name in policy.compiled.band_bounds:
        if bound > breakdown.total:
            return round_total(bound - breakdown.total)
    return None


# One pass over sites and links for four components (the hot path at national scale).
def score_kawasan(inp: KawasanInput, policy: Policy) -> Breakdown:  # noqa: C901
    """Score one kawasan. O(sites + links); see the module docstring for the edge cases."""
    compiled = policy.compiled
    expected_codes = compiled.expected_codes
    weights_by_state = policy.site_weights
    cutoff = inp.today - compiled.cutoff_days
    w_verified = weights_by_state["verified"]
    w_stale = weights_by_state["verified_stale"]

    # One pass over the sites: membership, weights, freshness and coverage sums.
    members: dict[int, SiteInput] = {}
    weight: dict[int, float] = {}
    site_clusters: dict[int, tuple[str, ...]] = {}
    closed_ids: list[int] = []
    stale_ids: list[int] = []
    unverified_ids: list[int] = []
    have: dict[str, float] = {}
    holders: dict[str, list[int]] = {}
    fresh_count = 0
    for site in inp.sites:
        sid = site.id
        if sid in members:
            continue
        members[sid] = site
        if site.operating_status == CLOSED:
            closed_ids.append(sid)
            continue
        state = site.review_state
        if state == "verified":
            verified_at = site.verified_at
            if isinstance(verified_at, datetime):
                verified_at = verified_at.date()
            if verified_at is not None and verified_at >= cutoff:
                w = w_verified
                fresh_count += 1
            else:
                w = w_stale
                stale_ids.append(sid)
        else:
            w = weights_by_state.get(state, 0.0)
            unverified_ids.append(sid)
        weight[sid] = w
        site_clusters[sid] = tuple(c for c in site.clusters if c in _CLUSTER_INDEX)
        for code in site.type_codes:
            if code in expected_codes:
                holders.setdefault(code, []).append(sid)
                if w:
                    have[code] = have.get(code, 0.0) + w
    # weight holds exactly the counted (non-closed) members.
    n_members = len(weight)

    # Coverage.
    coverage_by_cluster: dict[str, float] = {}
    shortfalls: dict[str, list[dict]] = {}
    for cluster, items in compiled.per_cluster:
        acc = 0.0
        for code, req in items:
            got = have.get(code, 0.0)
            if got < req:
                acc += got / req
                shortfalls.setdefault(cluster, []).append(
                    {
                        "type": code,
                        "have": round(got, 3),
                        "required": int(req),
                        "site_ids": sorted(holders.get(code, ())),
                    }
                )
            else:
                acc += 1.0
        coverage_by_cluster[cluster] = acc / len(items)
    coverage = sum(coverage_by_cluster.values()) / len(CLUSTERS)

    # Hub: only a counted member can be one.
    hub_id = inp.hub_id if inp.hub_id in weight else None

    # Links: cluster edges and the members linked directly to the hub.
    edges: set[tuple[str, str]] = set()
    hub_linked: set[int] = set()
    for link in inp.links:
        a = link.a
        b = link.b
        if a == b or a not in weight or b not in weight:
            continue
        if hub_id is not None:
            if a == hub_id:
                hub_linked.add(b)
            elif b == hub_id:
                hub_linked.add(a)
        if len(edges) < len(_ALL_EDGES):
            cb = site_clusters[b]
            for x in site_clusters[a]:
                for y in cb:
                    if x != y:
                        edges.add((x, y) if _CLUSTER_INDEX[x] < _CLUSTER_INDEX[y] else (y, x))
    others = n_members - 1 if hub_id is not None else 0
    hub_share = len(hub_linked) / others if others > 0 else 0.0
    edge_share = policy.connectivity_edge_share
    connectivity = edge_share * len(edges) / len(_ALL_EDGES) + (1.0 - edge_share) * hub_share

    # Proximity.
    far: list[dict] = []
    proximity = 0.0
    if hub_id is not None:
        hub = members[hub_id]
        limit = policy.hub_distance_m
        # Precomputed once per kawasan; the haversine below reuses them.
        hub_lat = math.radians(hub.lat)
        hub_lon = math.radians(hub.lon)
        cos_hub = math.cos(hub_lat)
        near = 0
        counted = 0
        for sid, w in weight.items():
            if sid == hub_id or w <= 0:
                continue
            counted += 1
            site = members[sid]
            lat = math.radians(site.lat)
            h = (
                math.sin((lat - hub_lat) / 2) ** 2
                + cos_hub * math.cos(lat) * math.sin((math.radians(site.lon) - hub_lon) / 2) ** 2
            )
            distance = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
            if distance <= limit:
                near += 1
            else:
                far.append({"site_id": sid, "distance_m": round(distance)})
        proximity = near / counted if counted else 0.0

    freshness = fresh_count / n_members if n_members else 0.0

    raw = 1000.0 * (
        policy.weight_coverage * coverage
        + policy.weight_connectivity * connectivity
        + policy.weight_proximity * proximity
        + policy.weight_freshness * freshness
    )
    total = min(1000.0, max(0.0, round_total(raw)))

    details = {
        "hub_id": hub_id,
        "shortfalls": shortfalls,
        "missing_edges": [list(e) for e in _ALL_EDGES if e not in edges],
        "unlinked_to_hub": (
            sorted(sid for sid in weight if sid != hub_id and sid not in hub_linked)
            if hub_id is not None
            else []
        ),
        "far_from_hub": sorted(far, key=lambda f: (-f["distance_m"], f["site_id"])),
        "stale_site_ids": sorted(stale_ids),
        "unverified_site_ids": sorted(unverified_ids),
        "closed_site_ids": sorted(closed_ids),
    }
    return Breakdown(
        total=total,
        band=band_for(total, policy),
        coverage=coverage,
        connectivity=connectivity,
        proximity=proximity,
        freshness=freshness,
        coverage_by_cluster=coverage_by_cluster,
        edges=frozenset(edges),
        member_count=n_members,
        details=details,
    )


# --- next steps -----------------------------------------------------------------------


# One short block per kind of step around the shared scoring of candidates: kept together.
def next_steps(  # noqa: C901
    inp: KawasanInput,
    policy: Policy,
    *,
    type_clusters: Mapping[str, frozenset[str]],
    limit: int = 5,
) -> list[Step]:
    """The single actions that would add the most points, best first (points > 0 only).

    Each candidate's gain is the difference between score_kawasan on the changed input and
    on the current one, so the ranking can never disagree with the score itself.
    ``type_clusters`` maps a service type code to the clusters it serves (the catalogue).
    """
    base = score_kawasan(inp, policy)
    base_total = base.total
    members: dict[int, SiteInput] = {}
    for site in inp.sites:
        if site.id not in members and site.operating_status != CLOSED:
            members[site.id] = site
    hub_id = base.details["hub_id"]
    stale = set(base.details["stale_site_ids"])
    steps: list[Step] = []

    def consider(changed: KawasanInput, **step_fields) -> None:
        after = score_kawasan(changed, policy)
        points = round_total(after.total - base_total)
        if points > 0:
            steps.append(
                Step(
                    points=points,
                    new_edges=tuple(sorted(after.edges - base.edges)),
                    total_after=after.total,
                    **step_fields,
                )
            )

    # A new site of each expected type, verified today and placed at the hub: the best
    # case of that action, which is what the ranking should promise.
    all_ids = [s.id for s in inp.sites]
    new_id = min([0, *all_ids]) - 1
    anchor = members[hub_id] if hub_id is not None else next(iter(members.values()), None)
    lat, lon = (anchor.lat, anchor.lon) if anchor else (0.0, 0.0)
    seen_types = set()
    for _cluster, items in policy.compiled.per_cluster:
        for code, _req in items:
            if code in seen_types:
                continue
            seen_types.add(code)
            clusters = frozenset(type_clusters.get(code, frozenset()))
            new_site = SiteInput(
                id=new_id,
                type_codes=frozenset({code}),
                clusters=clusters,
                lat=lat,
                lon=lon,
                review_state="verified",
                verified_at=inp.today,
            )
            consider(
                replace(inp, sites=(*inp.sites, new_site)),
                kind="add_type",
                type_code=code,
                clusters=tuple(sorted(clusters, key=_cluster_key)),
            )

    # Verify or re-verify one site.
    for sid, site in members.items():
        if site.review_state in ("registered", "submitted", "returned"):
            kind = "verify_site"
        elif sid in stale:
            kind = "reverify_site"
        else:
            continue
        verified = replace(site, review_state="verified", verified_at=inp.today)
        sites = tuple(verified if s is site else s for s in inp.sites)
        consider(replace(inp, sites=sites), kind=kind, site_ids=(sid,))

    # Link the hub to each member not yet linked to it.
    tried_pairs: set[tuple[int, int]] = set()
    if hub_id is not None:
        for sid in base.details["unlinked_to_hub"]:
            pair = (min(hub_id, sid), max(hub_id, sid))
            tried_pairs.add(pair)
            consider(
                replace(inp, links=(*inp.links, LinkInput(*pair))),
                kind="link_sites",
                site_ids=pair,
            )

    # For each missing cluster edge, the one most promising pair: bounded to 10 candidates.
    for x, y in base.details["missing_edges"]:
        best = _best_pair(members, x, y, hub_id)
        if best is None or best in tried_pairs:
            continue
        tried_pairs.add(best)
        consider(
            replace(inp, links=(*inp.links, LinkInput(*best))), kind="link_sites", site_ids=best
        )

    # No hub: make each RPTRA member the hub in turn.
    if hub_id is None:
        for sid, site in members.items():
            if policy.hub_type in site.type_codes:
                consider(replace(inp, hub_id=sid), kind="set_hub", site_ids=(sid,))

    steps.sort(key=lambda s: (-s.points, _STEP_ORDER[s.kind], s.type_code or "", s.site_ids))
    return steps[:limit]


def _cluster_key(cluster: str) -> tuple[int, str]:
    return (_CLUSTER_INDEX.get(cluster, len(CLUSTERS)), cluster)


def _best_pair(
    members: Mapping[int, SiteInput], x: str, y: str, hub_id: int | None
) -> tuple[int, int] | None:
    """Two distinct members, one serving x and one serving y, preferring the hub and sites
    serving more clusters (they add more edges per link), then the lower id."""

    def rank(site: SiteInput) -> tuple:
        return (site.id != hub_id, -len(site.clusters), site.id)

    serving_x = sorted((s for s in members.values() if x in s.clusters), key=rank)[:2]
    serving_y = sorted((s for s in members.values() if y in s.clusters), key=rank)[:2]
    best = None
    for a in serving_x:
        for b in serving_y:
            if a.id != b.id:
                key = (rank(a), rank(b))
                if best is None or key < best[0]:
                    best = (key, (min(a.id, b.id), max(a.id, b.id)))
    return best[1] if best else None
