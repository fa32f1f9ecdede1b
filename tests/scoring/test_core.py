"""The pure kawasan score (docs/scoring.md), checked against hand-computed cases.

Policy "Kaltara 1": Score = 1000 x (0.45 C + 0.30 L + 0.15 P + 0.10 F). Expected types per
cluster: I 3 types, II 3, III 3 (posyandu x2), IV 5 (sd x2), V 2.
"""

import itertools
import json
import random
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from scoring.core import (
    Breakdown,
    KawasanInput,
    LinkInput,
    SiteInput,
    Step,
    band_for,
    haversine_m,
    next_steps,
    points_to_next_band,
    round_total,
    score_kawasan,
    site_weight,
)
from scoring.policy import CLUSTERS, DEFAULT_POLICY, policy_from_dict, policy_to_dict

TODAY = date(2025, 6, 1)
HUB_LAT, HUB_LON = -6.2130, 106.8650
# One degree of latitude on the R = 6,371,008.8 m sphere: 111,195.08 m.
M_PER_DEG = 6371008.8 * 3.141592653589793 / 180

CATALOGUE = {
    "rptra": frozenset({"II", "IV"}),
    "puskesmas": frozenset({"III"}),
    "posyandu": frozenset({"III"}),
    "ruang-laktasi": frozenset({"III"}),
    "sd": frozenset({"IV"}),
    "smp": frozenset({"IV"}),
    "sma": frozenset({"IV"}),
    "paud": frozenset({"IV"}),
    "rumah-ibadah": frozenset({"IV"}),
    "perpustakaan": frozenset({"I", "IV"}),
    "forum-anak": frozenset({"I"}),
    "akta-kelahiran": frozenset({"I"}),
    "puspaga": frozenset({"II"}),
    "daycare": frozenset({"II"}),
    "lksa": frozenset({"II"}),
    "pos-pengaduan": frozenset({"V"}),
    "patbm": frozenset({"V"}),
}


def site(
    sid,
    *types,
    state="verified",
    verified_at=TODAY,
    north_m=0.0,
    status="open",
):
    clusters = frozenset().union(*(CATALOGUE[t] for t in types)) if types else frozenset()
    return SiteInput(
        id=sid,
        type_codes=frozenset(types),
        clusters=clusters,
        lat=HUB_LAT + north_m / M_PER_DEG,
        lon=HUB_LON,
        review_state=state,
        verified_at=verified_at if state == "verified" else None,
        operating_status=status,
        name=f"site {sid}",
    )


def kawasan(sites, links=(), hub=None, today=TODAY):
    return KawasanInput(
        sites=tuple(sites),
        links=tuple(LinkInput(a, b) for a, b in links),
        hub_id=hub,
        today=today,
    )


def score(inp):
    return score_kawasan(inp, DEFAULT_POLICY)


# --- site weight ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "verified_at", "status", "expected"),
    [
        ("verified", TODAY, "open", 1.0),
        # 365 days ago is still within the 365-day window; 366 is stale.
        ("verified", TODAY - timedelta(days=365), "open", 1.0),
        ("verified", TODAY - timedelta(days=366), "open", 0.6),
        ("verified", datetime(2025, 1, 1, 23, 59), "open", 1.0),
        ("submitted", None, "open", 0.5),
        ("registered", None, "open", 0.25),
        ("returned", None, "open", 0.0),
        ("draft", None, "open", 0.0),
        ("verified", TODAY, "closed", 0.0),
        ("registered", None, "closed", 0.0),
        # Temporarily closed keeps its review-state weight.
        ("verified", TODAY, "temporarily_closed", 1.0),
    ],
)
def test_it_weights_a_site_by_review_state_and_freshness(state, verified_at, status, expected):
    s = replace(site(1, "sd", state=state, status=status), verified_at=verified_at)
    assert site_weight(s, DEFAULT_POLICY, TODAY) == expected


def test_it_treats_a_verified_site_without_date_as_stale():
    s = replace(site(1, "sd"), verified_at=None)
    assert site_weight(s, DEFAULT_POLICY, TODAY) == 0.6


# --- whole kawasan --------------------------------------------------------------------


def test_it_scores_an_empty_kawasan_zero():
    b = score(kawasan([]))
    assert (b.total, b.band, b.member_count) == (0.0, "Belum", 0)
    assert (b.coverage, b.connectivity, b.proximity, b.freshness) == (0, 0, 0, 0)
    assert b.edges == frozenset()
    assert len(b.details["missing_edges"]) == 10
    # Every expected type is reported missing: 3 + 3 + 3 + 5 + 2.
    assert sum(len(v) for v in b.details["shortfalls"].values()) == 16
    assert points_to_next_band(b, DEFAULT_POLICY) == 500.0


def test_it_scores_a_kawasan_without_hub():
    # RPTRA (II, IV) and puskesmas (III), both verified today, linked, no hub.
    # C: I 0, II 1/3, III 1/3, IV 1/5, V 0 -> (1/3 + 1/3 + 0.2) / 5 = 0.173333
    # L: edges II-III, III-IV -> 0.6 x 2/10 = 0.12; hub share 0 -> L = 0.12
    # P: 0 without hub. F: 2/2 = 1.
    # 1000 x (0.45 x 0.173333 + 0.30 x 0.12 + 0 + 0.10 x 1) = 78 + 36 + 100 = 214.0
    b = score(kawasan([site(1, "rptra"), site(2, "puskesmas")], links=[(1, 2)]))
    assert b.total == 214.0
    assert b.coverage == pytest.approx(0.173333, abs=1e-6)
    assert b.connectivity == pytest.approx(0.12)
    assert (b.proximity, b.freshness) == (0.0, 1.0)
    assert b.edges == {("II", "III"), ("III", "IV")}
    assert b.details["hub_id"] is None
    assert b.details["unlinked_to_hub"] == []


def full_kawasan():
    """One verified site per expected slot, RPTRA hub linked to all, and the three edges
    the hub cannot give (I-III, I-V, III-V) linked directly."""
    sites = [
        site(1, "rptra"),
        site(2, "perpustakaan"),
        site(3, "forum-anak"),
        site(4, "akta-kelahiran"),
        site(5, "puspaga"),
        site(6, "daycare"),
        site(7, "puskesmas"),
        site(8, "posyandu"),
        site(9, "posyandu", north_m=300),
        site(10, "ruang-laktasi"),
        site(11, "sd"),
        site(12, "sd", north_m=500),
        site(13, "smp"),
        site(14, "paud"),
        site(15, "rumah-ibadah"),
        site(16, "pos-pengaduan"),
        site(17, "patbm"),
    ]
    links = [(1, s.id) for s in sites[1:]] + [(2, 7), (2, 16), (7, 16)]
    return kawasan(sites, links=links, hub=1)


def test_it_scores_a_full_kawasan_1000():
    b = score(full_kawasan())
    assert b.total == 1000.0
    assert b.band == "Paripurna"
    assert (b.coverage, b.connectivity, b.proximity, b.freshness) == (1.0, 1.0, 1.0, 1.0)
    assert len(b.edges) == 10
    assert b.details["shortfalls"] == {}
    assert b.details["missing_edges"] == []
    assert points_to_next_band(b, DEFAULT_POLICY) is None


def test_it_counts_a_multi_role_site_in_each_cluster_once_as_a_building():
    # Site 1 is RPTRA + posyandu + complaint post (clusters II, III, IV, V), the hub;
    # site 2 an SD 400 m away, linked to the hub. Both verified today.
    # C: I 0; II rptra 1/3; III posyandu (1/2)/3 = 1/6; IV (sd 1/2 + rptra 1)/5 = 0.3;
    #    V pos-pengaduan 1/2 -> (1/3 + 1/6 + 0.3 + 0.5)/5 = 1.3/5 = 0.26
    # L: link 1-2 gives II-IV, III-IV, IV-V (IV-IV is no edge) -> 0.6 x 0.3 = 0.18;
    #    hub share 1/1 -> 0.4; L = 0.58
    # P: 1/1 = 1. F: 2/2 = 1.
    # 1000 x (0.45 x 0.26 + 0.30 x 0.58 + 0.15 + 0.10) = 117 + 174 + 150 + 100 = 541.0
    hub = site(1, "rptra", "posyandu", "pos-pengaduan")
    inp = kawasan([hub, site(2, "sd", north_m=400)], links=[(1, 2)], hub=1)
    b = score(inp)
    assert b.total == 541.0
    assert b.band == "Pratama"
    assert b.coverage == pytest.approx(0.26)
    assert b.coverage_by_cluster["IV"] == pytest.approx(0.3)
    assert b.connectivity == pytest.approx(0.58)
    assert b.edges == {("II", "IV"), ("III", "IV"), ("IV", "V")}
    assert b.member_count == 2
    # Listed twice (e.g. a member through two routes), it is still one site.
    assert score(replace(inp, sites=(hub, *inp.sites))) == b


def test_it_ignores_links_to_sites_outside_the_kawasan_and_self_links():
    base = kawasan([site(1, "rptra"), site(2, "puskesmas")], links=[(1, 2)], hub=1)
    noisy = replace(
        base,
        links=(*base.links, LinkInput(1, 99), LinkInput(99, 2), LinkInput(1, 1), LinkInput(2, 1)),
    )
    assert score(noisy) == score(base)


def test_it_adds_no_edge_for_a_link_within_one_cluster():
    # Two SDs (IV only) linked: no cluster edge; a lone multi-cluster site gives none either.
    b = score(kawasan([site(1, "sd"), site(2, "sd"), site(3, "rptra")], links=[(1, 2)]))
    assert b.edges == frozenset()
    assert b.connectivity == 0.0


def test_it_weighs_stale_submitted_registered_returned_draft_and_closed_sites():
    # 1 RPTRA hub verified; 2 SD stale (0.6); 3 SD submitted (0.5); 4 posyandu registered
    # (0.25); 5 posyandu returned (0); 6 puskesmas draft (0); 7 complaint post, closed.
    # All at the hub. Links 1-2, 1-6, 1-7.
    # C: I 0; II rptra 1/3; III (puskesmas 0 + posyandu 0.25/2 + laktasi 0)/3 = 0.041667;
    #    IV (sd (0.6+0.5)/2 = 0.55 + rptra 1)/5 = 0.31; V 0 (closed counts nothing)
    #    -> (0.333333 + 0.041667 + 0.31)/5 = 0.137
    # L: 1-2 gives II-IV; 1-6 (draft, still a member) gives II-III, III-IV; 1-7 is ignored
    #    (closed) -> 0.6 x 3/10 = 0.18; hub share: {2, 6} of {2..6} = 2/5 -> 0.16; L = 0.34
    # P: sites other than the hub with w > 0: 2, 3, 4, all at the hub -> 1
    # F: fresh 1 of 6 members (the closed one is not counted) = 0.166667
    # 1000 x (0.45 x 0.137 + 0.30 x 0.34 + 0.15 x 1 + 0.10 / 6)
    #   = 61.65 + 102 + 150 + 16.6667 = 330.3167 -> 330.3
    sites = [
        site(1, "rptra"),
        site(2, "sd", verified_at=TODAY - timedelta(days=400)),
        site(3, "sd", state="submitted"),
        site(4, "posyandu", state="registered"),
        site(5, "posyandu", state="returned"),
        site(6, "puskesmas", state="draft"),
        site(7, "pos-pengaduan", status="closed"),
    ]
    b = score(kawasan(sites, links=[(1, 2), (1, 6), (1, 7)], hub=1))
    assert b.total == 330.3
    assert b.coverage == pytest.approx(0.137)
    assert b.connectivity == pytest.approx(0.34)
    assert b.proximity == 1.0
    assert b.freshness == pytest.approx(1 / 6)
    assert b.member_count == 6
    assert b.edges == {("II", "IV"), ("II", "III"), ("III", "IV")}
    d = b.details
    assert d["stale_site_ids"] == [2]
    assert d["unverified_site_ids"] == [3, 4, 5, 6]
    assert d["closed_site_ids"] == [7]
    assert d["unlinked_to_hub"] == [3, 4, 5]
    posyandu = next(s for s in d["shortfalls"]["III"] if s["type"] == "posyandu")
    assert posyandu == {"type": "posyandu", "have": 0.25, "required": 2, "site_ids": [4, 5]}
    assert {s["type"] for s in d["shortfalls"]["V"]} == {"pos-pengaduan", "patbm"}


def test_it_measures_proximity_to_the_hub_for_weighted_sites_only():
    # 990 m and 1,012 m north of the hub (limit 1,000 m); the draft site far away has
    # weight 0 and is not in the denominator -> P = 1/2.
    sites = [
        site(1, "rptra"),
        site(2, "sd", north_m=990),
        site(3, "smp", north_m=1012),
        site(4, "paud", state="draft", north_m=5000),
    ]
    b = score(kawasan(sites, hub=1))
    assert b.proximity == 0.5
    assert b.details["far_from_hub"] == [{"site_id": 3, "distance_m": 1012}]
    assert haversine_m(0, 0, 1, 0) == pytest.approx(M_PER_DEG)
    assert haversine_m(-6.2, 106.8, -6.2, 106.81) == pytest.approx(1105.6, abs=0.5)


def test_it_scores_a_hub_alone_with_zero_hub_parts():
    # Nothing but the hub: L's hub share and P have an empty denominator and are 0.
    # C: II 1/3, IV 1/5 -> 0.106667; F = 1 -> 1000 x (0.45 x 0.106667 + 0.1) = 48 + 100
    b = score(kawasan([site(1, "rptra")], hub=1))
    assert (b.connectivity, b.proximity, b.freshness) == (0.0, 0.0, 1.0)
    assert b.total == 148.0


def test_it_ignores_a_hub_that_is_closed_or_not_a_member():
    sites = [site(1, "rptra"), site(2, "sd")]
    without = score(kawasan(sites, links=[(1, 2)]))
    assert score(kawasan(sites, links=[(1, 2)], hub=99)) == without
    closed = [site(1, "rptra", status="closed"), site(2, "sd")]
    b = score(kawasan(closed, links=[(1, 2)], hub=1))
    assert b.details["hub_id"] is None
    assert (b.proximity, b.connectivity) == (0.0, 0.0)


# --- bands and rounding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0.0, "Belum"),
        (499.9, "Belum"),
        (500.0, "Pratama"),
        (600.0, "Pratama"),
        (600.5, "Pratama"),
        (600.9, "Pratama"),
        (601.0, "Madya"),
        (700.9, "Madya"),
        (701.0, "Nindya"),
        (801.0, "Utama"),
        (900.9, "Utama"),
        (901.0, "Paripurna"),
        (1000.0, "Paripurna"),
    ],
)
def test_it_bands_by_the_largest_lower_bound_reached(total, band):
    assert band_for(total, DEFAULT_POLICY) == band


def test_it_counts_points_to_the_next_band_from_the_rounded_total():
    def at(total):
        return Breakdown(total, band_for(total, DEFAULT_POLICY), 0, 0, 0, 0, {}, frozenset(), 0)

    assert points_to_next_band(at(600.5), DEFAULT_POLICY) == 0.5
    assert points_to_next_band(at(499.9), DEFAULT_POLICY) == 0.1
    assert points_to_next_band(at(901.0), DEFAULT_POLICY) is None


def test_it_rounds_half_up_to_one_decimal():
    # round(2.25, 1) is 2.2 in Python (half-even on binary floats); the score says 2.3.
    assert round_total(2.25) == 2.3
    assert round_total(330.31666) == 330.3
    assert round_total(600.04999999999995) == 600.1


# --- policy as data -------------------------------------------------------------------


def test_it_round_trips_the_policy_through_json():
    data = json.loads(json.dumps(policy_to_dict(DEFAULT_POLICY)))
    assert policy_from_dict(data) == DEFAULT_POLICY
    assert data["expected"]["III"] == [["puskesmas", 1], ["posyandu", 2], ["ruang-laktasi", 1]]
    assert data["bands"][1] == [601.0, "Madya"]


def test_it_round_trips_a_changed_policy_and_scores_with_it():
    changed = replace(DEFAULT_POLICY, version="kaltara-2", hub_distance_m=500.0)
    back = policy_from_dict(json.loads(json.dumps(policy_to_dict(changed))))
    assert back == changed
    inp = kawasan([site(1, "rptra"), site(2, "sd", north_m=700)], hub=1)
    assert score_kawasan(inp, back).proximity == 0.0
    assert score(inp).proximity == 1.0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_coverage": 0.5}, "weight_"),
        ({"hub_distance_m": 0}, "hub_distance_m"),
        ({"freshness_days": 1.5}, "freshness_days"),
        ({"bands": [[601, "Madya"], [500, "Pratama"]]}, "bands"),
        ({"expected": {"I": [["perpustakaan", 1]]}}, "expected[II]"),
        ({"expected": {**policy_to_dict(DEFAULT_POLICY)["expected"], "V": [["patbm", 0]]}}, "V"),
        ({"site_weights": {"verified": 1.5, "verified_stale": 0.6}}, "site_weights[verified]"),
    ],
)
def test_it_refuses_an_invalid_policy_naming_the_field(change, field):
    data = {**policy_to_dict(DEFAULT_POLICY), **change}
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        policy_from_dict(data)


def test_it_names_missing_policy_keys():
    data = policy_to_dict(DEFAULT_POLICY)
    del data["bands"]
    with pytest.raises(ValueError, match="bands"):
        policy_from_dict(data)


# --- next steps -----------------------------------------------------------------------


def steps(inp, limit=5):
    return next_steps(inp, DEFAULT_POLICY, type_clusters=CATALOGUE, limit=limit)


def test_it_recommends_making_the_rptra_the_hub_first():
    # The no-hub kawasan above scores 214.0. With RPTRA 1 as the hub: hub share 1/1
    # -> L + 0.4 (x 300 = +120), P = 1 (x 150 = +150) -> 484.0, a gain of 270.0.
    # The next best, adding e.g. PUSPAGA: II + 1/3 -> C + 1/15 -> +30 only.
    inp = kawasan([site(1, "rptra"), site(2, "puskesmas")], links=[(1, 2)])
    top = steps(inp)[0]
    assert top == Step(kind="set_hub", points=270.0, site_ids=(1,), total_after=484.0)


def apply(inp, step, new_id=-1):
    """Apply a step the way a lurah would, independently of next_steps' own code."""
    if step.kind == "add_type":
        hub = next(s for s in inp.sites if s.id == inp.hub_id)
        new = SiteInput(
            new_id,
            frozenset({step.type_code}),
            CATALOGUE[step.type_code],
            hub.lat,
            hub.lon,
            "verified",
            inp.today,
        )
        return replace(inp, sites=(*inp.sites, new))
    if step.kind in ("verify_site", "reverify_site"):
        (sid,) = step.site_ids
        return replace(
            inp,
            sites=tuple(
                replace(s, review_state="verified", verified_at=inp.today) if s.id == sid else s
                for s in inp.sites
            ),
        )
    if step.kind == "link_sites":
        return replace(inp, links=(*inp.links, LinkInput(*step.site_ids)))
    if step.kind == "set_hub":
        return replace(inp, hub_id=step.site_ids[0])
    raise AssertionError(step.kind)


def mixed_kawasan():
    sites = [
        site(1, "rptra"),
        site(2, "puskesmas", state="registered", north_m=300),
        site(3, "sd", verified_at=TODAY - timedelta(days=500), north_m=600),
        site(4, "posyandu", state="submitted", north_m=1500),
        site(5, "perpustakaan", north_m=800),
        site(6, "pos-pengaduan", state="returned", north_m=200),
        site(7, "smp", north_m=2500),
    ]
    return kawasan(sites, links=[(1, 2), (2, 3), (5, 6)], hub=1)


def test_it_ranks_steps_by_gain_equal_to_rescoring():
    inp = mixed_kawasan()
    base = score(inp).total
    ranked = steps(inp, limit=50)
    assert ranked
    assert [s.points for s in ranked] == sorted((s.points for s in ranked), reverse=True)
    kinds = {s.kind for s in ranked}
    assert {"add_type", "verify_site", "reverify_site", "link_sites"} <= kinds
    for step in ranked:
        after = score(apply(inp, step)).total
        assert step.points == round_total(after - base) > 0
        assert step.total_after == after
    assert steps(inp) == ranked[:5]


def test_it_puts_the_best_single_action_first():
    # Brute force over every action of each kind, linking any pair of members included.
    inp = mixed_kawasan()
    base = score(inp).total
    ids = [s.id for s in inp.sites]
    candidates = [Step("add_type", 0, type_code=t) for t in CATALOGUE]
    candidates += [Step("verify_site", 0, site_ids=(i,)) for i in ids]
    candidates += [Step("link_sites", 0, site_ids=p) for p in itertools.combinations(ids, 2)]
    best = max(round_total(score(apply(inp, c)).total - base) for c in candidates)
    assert steps(inp)[0].points == best


def test_it_reports_new_edges_and_clusters_in_steps():
    inp = mixed_kawasan()
    ranked = steps(inp, limit=50)
    add_rptra = next(s for s in ranked if s.kind == "add_type" and s.type_code == "rptra")
    assert add_rptra.clusters == ("II", "IV")
    link_steps = [s for s in ranked if s.kind == "link_sites"]
    assert any(s.new_edges for s in link_steps)
    for s in link_steps:
        assert s.site_ids == tuple(sorted(s.site_ids))


def test_it_recommends_nothing_for_a_full_kawasan():
    assert steps(full_kawasan()) == []


def test_it_recommends_adding_types_to_an_empty_kawasan():
    # No members: only add_type can help. A verified posyandu: III + (1/2)/3 -> C + 1/30
    # -> 15; F becomes 1/1 -> 100. 115.0. A puskesmas fills a whole type: III + 1/3 -> 30
    # + 100 = 130.0; an RPTRA fills II and IV: (1/3 + 1/5)/5 x 450 = 48, + 100 = 148.0.
    ranked = steps(kawasan([]), limit=20)
    assert ranked[0] == Step(
        kind="add_type", points=148.0, type_code="rptra", clusters=("II", "IV"), total_after=148.0
    )
    by_type = {s.type_code: s.points for s in ranked}
    assert by_type["puskesmas"] == 130.0
    assert by_type["posyandu"] == 115.0
    assert {s.kind for s in ranked} == {"add_type"}


# --- determinism ----------------------------------------------------------------------


def synthetic_kawasan(n, seed=7):
    rng = random.Random(seed)
    codes = sorted(CATALOGUE)
    states = ["registered", "submitted", "verified", "draft", "returned"]
    out = []
    next_id = 1
    for _ in range(n):
        sites = []
        for _ in range(rng.randint(0, 16)):
            types = rng.sample(codes, rng.choice([1, 1, 1, 2, 3]))
            state = rng.choice(states)
            s = site(
                next_id,
                *types,
                state=state,
                verified_at=TODAY - timedelta(days=rng.randint(0, 900)),
                north_m=rng.uniform(-2000, 2000),
                status=rng.choice(["open"] * 8 + ["closed", "temporarily_closed"]),
            )
            sites.append(s)
            next_id += 1
        ids = [s.id for s in sites] + [0]  # 0: a site outside the kawasan
        links = [(rng.choice(ids), rng.choice(ids)) for _ in range(2 * len(sites))]
        hub = rng.choice(ids) if sites else None
        out.append(kawasan(sites, links=links, hub=hub))
    return out


def test_it_scores_1000_kawasan_deterministically():
    inputs = synthetic_kawasan(1000)
    first = [score(k) for k in inputs]
    second = [score(k) for k in inputs]
    assert first == second
    assert all(0.0 <= b.total <= 1000.0 for b in first)
    assert all(b.band == band_for(b.total, DEFAULT_POLICY) for b in first)
    assert set().union(*(b.coverage_by_cluster for b in first)) == set(CLUSTERS)
    # Details are JSON-safe, so they can be stored as they are.
    json.dumps([b.details for b in first])
    # The order in which sites arrive does not change the total.
    shuffled = [replace(k, sites=tuple(reversed(k.sites))) for k in inputs]
    assert [score(k).total for k in shuffled] == [b.total for b in first]
