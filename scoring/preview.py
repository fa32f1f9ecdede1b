"""What a policy version would do to today's scores, computed without writing anything.

The same inputs a full recompute reads (selectors.kawasan_inputs over every kawasan, in
chunks of services.CHUNK_SIZE) scored with the same pure core.score_kawasan, twice: under
the active policy and under the candidate. Both sides are computed live on the same inputs,
so the comparison shows the policy's effect alone (an edit still waiting in the recompute
queue moves neither side). The kawasan totals are then rolled up the way region_scores
ranks the regions (selectors.region_rollup): a kelurahan is the mean of its kawasan, a kota
the mean of its kecamatan. After the candidate is activated and every kawasan recomputed,
the stored scores and the rankings are what the candidate side says here.

Reads only: no score, run, snapshot or queue row is written. Queries: the regions, the
kawasan (id and region), the catalogue unless given, then 3 per selectors.READ_BATCH kawasan
(what a recompute reads). The kawasan totals are held, two numbers each, never the inputs of
more than CHUNK_SIZE kawasan at once; at national scale (about 83,000 kawasan) the page
computes for as long as a recompute reads, which a cache or a task would have to absorb.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from django.utils import timezone

from kawasan.models import Kawasan
from regions.models import Level, Region, code_ancestors

from . import core, selectors
from .policy import Policy

CHUNK_SIZE = 2000  # kawasan whose inputs are held at once (as services.CHUNK_SIZE)
MOVERS = 10
LIST_LIMIT = 100  # kelurahan changing band listed on the page (the count is complete)


@dataclass(frozen=True)
class Move:
    """One region's score and band now and under the candidate (and its rank, for kota)."""

    code: str
    name: str
    before: float
    after: float
    band_before: str
    band_after: str
    rank_before: int = 0
    rank_after: int = 0

    @property
    def change(self) -> float:
        return core.round_total(self.after - self.before)

    @property
    def band_changed(self) -> bool:
        return self.band_before != self.band_after

    @property
    def rank_change(self) -> int:
        """Places gained (negative: lost)."""
        return self.rank_before - self.rank_after

    @property
    def places_lost(self) -> int:
        return max(0, -self.rank_change)


@dataclass
class PolicyPreview:
    current_version: str
    # kawasan id -> (total now, total under the candidate)
    totals: dict[int, tuple[float, float]]
    kawasan_band_changes: int
    kelurahan: list[Move]  # the kelurahan with kawasan, by code
    kota: list[Move]  # by the candidate's rank
    errors: list[str] = field(default_factory=list)  # kawasan that could not be scored

    @property
    def band_changes(self) -> list[Move]:
        """The kelurahan whose band changes, largest change first."""
        moved = [m for m in self.kelurahan if m.band_changed]
        return sorted(moved, key=lambda m: (-abs(m.change), m.code))

    @property
    def band_changes_listed(self) -> list[Move]:
        return self.band_changes[:LIST_LIMIT]

    @property
    def risers(self) -> list[Move]:
        up = [m for m in self.kelurahan if m.change > 0]
        return sorted(up, key=lambda m: (-m.change, m.code))[:MOVERS]

    @property
    def fallers(self) -> list[Move]:
        down = [m for m in self.kelurahan if m.change < 0]
        return sorted(down, key=lambda m: (m.change, m.code))[:MOVERS]

    @property
    def kota_order_changes(self) -> bool:
        return any(m.rank_change for m in self.kota)

    @property
    def unchanged(self) -> bool:
        return all(before == after for before, after in self.totals.values())


def policy_preview(
    candidate: Policy,
    *,
    current: Policy | None = None,
    today: date | None = None,
    type_clusters: Mapping[str, frozenset[str]] | None = None,
) -> PolicyPreview:
    """Today's scores under `current` (default: the active policy) and under `candidate`.

    type_clusters: the catalogue's type -> clusters (read when not given).
    """
    current = current or selectors.policy_active().as_policy()
    today = today or timezone.localdate()
    if type_clusters is None:
        type_clusters = selectors.type_clusters_map()
    names: dict[str, str] = {}
    kelurahan_codes: list[str] = []
    kota_codes: list[str] = []
    for code, name, level in (
        Region.objects.filter(level__in=[Level.KELURAHAN, Level.KABKOTA])
        .order_by("code")
        .values_list("code", "name", "level")
    ):
        names[code] = name
        (kelurahan_codes if level == Level.KELURAHAN else kota_codes).append(code)
    kawasan_region = dict(Kawasan.objects.order_by("pk").values_list("pk", "region_id"))
    totals, band_changes, errors = _kawasan_totals(
        list(kawasan_region), current, candidate, today, type_clusters
    )

    per_kelurahan: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for kawasan_id, pair in totals.items():
        per_kelurahan[kawasan_region[kawasan_id]].append(pair)
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    for code in kelurahan_codes:
        pairs = per_kelurahan.get(code, [])
        # A kelurahan without kawasan counts 0 in the roll-up, as in region_scores.
        before[code] = sum(b for b, _a in pairs) / len(pairs) if pairs else 0.0
        after[code] = sum(a for _b, a in pairs) / len(pairs) if pairs else 0.0
    kelurahan = [
        _move(code, names[code], before[code], after[code], current, candidate)
        for code in kelurahan_codes
        if per_kelurahan.get(code)
    ]

    by_kota: dict[str, list[str]] = defaultdict(list)
    for code in kelurahan_codes:
        by_kota[code_ancestors(code)[1]].append(code)
    kota = [
        _move(
            code,
            names[code],
            selectors.region_rollup(Level.KABKOTA, by_kota[code], before.__getitem__),
            selectors.region_rollup(Level.KABKOTA, by_kota[code], after.__getitem__),
            current,
            candidate,
        )
        for code in kota_codes
    ]
    ranks_before = _ranks([(m.code, m.before) for m in kota])
    ranks_after = _ranks([(m.code, m.after) for m in kota])
    kota = sorted(
        (
            replace(m, rank_before=ranks_before[m.code], rank_after=ranks_after[m.code])
            for m in kota
        ),
        key=lambda m: (m.rank_after, m.code),
    )
    return PolicyPreview(
        current_version=current.version,
        totals=totals,
        kawasan_band_changes=band_changes,
        kelurahan=kelurahan,
        kota=kota,
        errors=errors,
    )


def _kawasan_totals(
    ids: list[int],
    current: Policy,
    candidate: Policy,
    today: date,
    type_clusters: Mapping[str, frozenset[str]],
) -> tuple[dict[int, tuple[float, float]], int, list[str]]:
    totals: dict[int, tuple[float, float]] = {}
    band_changes = 0
    errors: list[str] = []
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        inputs = selectors.kawasan_inputs(chunk, today=today, type_clusters=type_clusters)
        for kawasan_id, inp in inputs.items():
            try:
                now = core.score_kawasan(inp, current)
                then = core.score_kawasan(inp, candidate)
            except Exception as exc:
                # As in a recompute: one bad kawasan is reported and the others still count.
                errors.append(f"kawasan {kawasan_id}: {type(exc).__name__}: {exc}")
                continue
            totals[kawasan_id] = (now.total, then.total)
            band_changes += now.band != then.band
    return totals, band_changes, errors


def _move(code, name, before: float, after: float, current: Policy, candidate: Policy) -> Move:
    b, a = core.round_total(before), core.round_total(after)
    return Move(code, name, b, a, core.band_for(b, current), core.band_for(a, candidate))


def _ranks(scores: list[tuple[str, float]]) -> dict[str, int]:
    """Rank 1 = best; equal scores share a rank (as region_scores ranks)."""
    ranks: dict[str, int] = {}
    rank, last = 0, None
    for position, (code, score) in enumerate(sorted(scores, key=lambda r: (-r[1], r[0])), 1):
        if score != last:
            rank, last = position, score
        ranks[code] = rank
    return ranks
