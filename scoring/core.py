"""The kawasan integration score: a pure function of plain data (spec: docs/scoring.md).

No database, no Django: inputs are frozen dataclasses, the output a breakdown. The same
function ranks the next steps by scoring changed inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CLUSTERS = ("I", "II", "III", "IV", "V")


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
class Policy:
    """Scoring policy data ("Kaltara 1" defaults: see DEFAULT_POLICY)."""

    version: str
    weight_coverage: float
    weight_connectivity: float
    weight_proximity: float
    weight_freshness: float
    # cluster -> ((service type code, required count), ...)
    expected: dict[str, tuple[tuple[str, int], ...]]
    hub_distance_m: float
    freshness_days: int
    # review state -> weight; "verified_stale" for verified outside the window
    site_weights: dict[str, float]
    # ((lower bound inclusive, band name), ...) ascending; below the first: "Belum"
    bands: tuple[tuple[float, str], ...]
    connectivity_edge_share: float = 0.6  # L = 0.6 x edges/10 + 0.4 x hub-linked share


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
