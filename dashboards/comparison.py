"""The order of a camat's kelurahan comparison: ?urut= on the territorial dashboard.

By code (the default), score, band or change since the last monthly snapshot, each either
way; a kelurahan without a change yet (no snapshot) comes last in both directions of the
change sort. Unknown values fall back to the default, so the cached fragment is keyed by
one of these few values only.
"""

from __future__ import annotations

from collections.abc import Callable

from scoring.policy import Policy

from .area import ComparisonRow

DEFAULT_SORT = "kode"
SORTS = ("kode", "-skor", "skor", "-predikat", "predikat", "-perubahan", "perubahan")


def comparison_sort(value: str) -> str:
    return value if value in SORTS else DEFAULT_SORT


def _band_rank(policy: Policy) -> Callable[[ComparisonRow], int]:
    names = [policy.band_below, *[name for _bound, name in sorted(policy.bands)]]
    order = {name: i for i, name in enumerate(names)}
    # A kelurahan without kawasan is below the lowest band.
    return lambda row: -1 if row.region.no_kawasan else order.get(row.region.band, 0)


def sorted_comparison(rows: list[ComparisonRow], sort: str, policy: Policy) -> list[ComparisonRow]:
    def code(row: ComparisonRow) -> str:
        return row.region.code

    key = comparison_sort(sort)
    if key == "kode":
        return sorted(rows, key=code)
    descending = key.startswith("-")
    field = key.lstrip("-")
    sign = -1 if descending else 1
    if field == "skor":
        return sorted(rows, key=lambda r: (sign * r.region.score, r.region.name, code(r)))
    if field == "predikat":
        rank = _band_rank(policy)
        return sorted(rows, key=lambda r: (sign * rank(r), r.region.name, code(r)))
    return sorted(
        rows,
        key=lambda r: (
            r.region.change is None,
            sign * (r.region.change or 0.0),
            r.region.name,
            code(r),
        ),
    )


def has_changes(rows: list[ComparisonRow]) -> bool:
    """Whether any row has a change to sort by (none before the first monthly snapshot)."""
    return any(r.region.change is not None for r in rows)
