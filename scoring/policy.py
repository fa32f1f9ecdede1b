"""The scoring policy as data (spec: docs/scoring.md): the Policy that scoring.core reads,
its checks, its JSON form and the "Kaltara 1" defaults.

Pure like scoring.core: no database, no Django. A Policy checks itself when built
(policy_errors: one message per problem, naming the field), so the score never meets an
invalid one. policy_to_dict and policy_from_dict turn it into the JSON that scoring.models
stores and back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

CLUSTERS = ("I", "II", "III", "IV", "V")
SITE_WEIGHT_KEYS = ("verified", "verified_stale", "submitted", "registered", "draft", "returned")


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
    band_below: str = "Belum"
    hub_type: str = "rptra"  # next_steps proposes a member of this type as the hub

    def __post_init__(self):
        errors = policy_errors(self)
        if errors:
            raise PolicyInvalid(errors)

    @cached_property
    def compiled(self) -> Compiled:
        """The tables scoring.core reads instead of the policy's own fields."""
        # cached_property writes the instance __dict__ directly, so it works on a frozen
        # dataclass; the policy is immutable, so the derived tables never go stale.
        return Compiled(self)


class PolicyInvalid(ValueError):
    """A policy that policy_errors refuses; `errors` lists its messages, each naming a field
    ("weight_*: ...", "expected[III][posyandu]: ...") so that a form can place them."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


class Compiled:
    """Tables derived once per policy so that scoring a kawasan does no policy work."""

    __slots__ = ("expected_codes", "per_cluster", "cutoff_days", "band_bounds")

    def __init__(self, policy: Policy):
        self.expected_codes = frozenset(
            code for items in policy.expected.values() for code, _req in items
        )
        self.per_cluster = tuple(
            (cluster, tuple((code, float(req)) for code, req in policy.expected[cluster]))
            for cluster in CLUSTERS
        )
        self.cutoff_days = timedelta(days=policy.freshness_days)
        self.band_bounds = tuple(sorted(policy.bands))


def policy_errors(p: Policy) -> list[str]:
    """What is wrong with a policy, one message per problem naming the field (empty: valid)."""
    errors = _weight_errors(p) + _expected_errors(p.expected)
    if not _is_number(p.hub_distance_m) or p.hub_distance_m <= 0:
        errors.append("hub_distance_m: jarak harus angka > 0 (meter).")
    if isinstance(p.freshness_days, bool) or not isinstance(p.freshness_days, int):
        errors.append("freshness_days: harus bilangan bulat hari.")
    elif p.freshness_days < 0:
        errors.append("freshness_days: tidak boleh negatif.")
    errors += _site_weight_errors(p.site_weights)
    errors += _band_errors(p.bands)
    if not _is_number(p.connectivity_edge_share) or not 0 <= p.connectivity_edge_share <= 1:
        errors.append("connectivity_edge_share: harus antara 0 dan 1.")
    if not isinstance(p.band_below, str) or not p.band_below:
        errors.append("band_below: nama predikat di bawah batas pertama wajib diisi.")
    return errors


def _weight_errors(p: Policy) -> list[str]:
    errors = []
    weights = {
        "weight_coverage": p.weight_coverage,
        "weight_connectivity": p.weight_connectivity,
        "weight_proximity": p.weight_proximity,
        "weight_freshness": p.weight_freshness,
    }
    for name, value in weights.items():
        if not _is_number(value) or value < 0:
            errors.append(f"{name}: bobot harus angka >= 0.")
    if not errors and abs(sum(weights.values()) - 1.0) > 1e-6:
        # Otherwise a full kawasan would not read 1000, and bands would shift.
        errors.append(
            f"weight_*: jumlah keempat bobot harus 1 (sekarang {sum(weights.values()):g})."
        )
    return errors


def _expected_errors(expected) -> list[str]:
    if not isinstance(expected, Mapping):
        return ["expected: harus berupa pemetaan klaster -> jenis layanan."]
    errors = []
    for cluster in expected:
        if cluster not in CLUSTERS:
            errors.append(f"expected: klaster {cluster!r} tidak dikenal (pakai I..V).")
    for cluster in CLUSTERS:
        items = expected.get(cluster)
        if not items:
            errors.append(f"expected[{cluster}]: isi minimal satu jenis layanan.")
            continue
        seen = set()
        for item in items:
            try:
                code, req = item
            except (TypeError, ValueError):
                errors.append(f"expected[{cluster}]: tiap baris harus (kode, jumlah).")
                continue
            if not isinstance(code, str) or not code:
                errors.append(f"expected[{cluster}]: kode jenis layanan kosong.")
            elif code in seen:
                errors.append(f"expected[{cluster}]: jenis {code} tercantum dua kali.")
            seen.add(code)
            if isinstance(req, bool) or not isinstance(req, int) or req < 1:
                errors.append(f"expected[{cluster}][{code}]: jumlah harus bilangan bulat >= 1.")
    return errors


def _site_weight_errors(site_weights) -> list[str]:
    if not isinstance(site_weights, Mapping):
        return ["site_weights: harus berupa pemetaan status -> bobot."]
    errors = [
        f"site_weights: bobot {key!r} wajib diisi."
        for key in ("verified", "verified_stale")
        if key not in site_weights
    ]
    for key, value in site_weights.items():
        if not _is_number(value) or not 0 <= value <= 1:
            errors.append(f"site_weights[{key}]: bobot harus antara 0 dan 1.")
    return errors


def _band_errors(bands) -> list[str]:
    errors = []
    bounds: list[float] = []
    for band in bands:
        try:
            bound, name = band
        except (TypeError, ValueError):
            errors.append("bands: tiap baris harus (batas bawah, nama).")
            continue
        if not _is_number(bound) or not 0 < bound <= 1000 or not isinstance(name, str) or not name:
            errors.append(f"bands: batas {bound!r} harus 0 < batas <= 1000 dengan nama.")
        else:
            bounds.append(bound)
    if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False)):
        errors.append("bands: batas bawah harus naik berurutan.")
    return errors


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_POLICY_SCALARS = (
    "weight_coverage",
    "weight_connectivity",
    "weight_proximity",
    "weight_freshness",
    "hub_distance_m",
    "freshness_days",
    "connectivity_edge_share",
    "band_below",
    "hub_type",
)


def policy_to_dict(p: Policy) -> dict:
    """A JSON-safe dict (lists, strings, numbers) that policy_from_dict turns back into p."""
    d: dict[str, Any] = {"version": p.version}
    for name in _POLICY_SCALARS:
        d[name] = getattr(p, name)
    d["expected"] = {
        cluster: [[code, req] for code, req in p.expected[cluster]]
        for cluster in CLUSTERS
        if cluster in p.expected
    }
    d["site_weights"] = dict(p.site_weights)
    d["bands"] = [[bound, name] for bound, name in p.bands]
    return d


def policy_from_dict(d: Mapping) -> Policy:
    """Build a Policy from stored data; optional keys fall back to the "Kaltara 1" values.

    Raises ValueError naming the field when the data is incomplete or invalid.
    """
    required: tuple[str, ...] = (
        "version",
        "weight_coverage",
        "weight_connectivity",
        "weight_proximity",
    )
    required += ("weight_freshness", "expected", "hub_distance_m", "freshness_days")
    required += ("site_weights", "bands")
    missing = [key for key in required if key not in d]
    if missing:
        raise ValueError(f"Kebijakan skor tidak lengkap: isi {', '.join(missing)}.")
    try:
        expected = {
            str(cluster): tuple((str(code), _as_int(req)) for code, req in items)
            for cluster, items in d["expected"].items()
        }
        bands = tuple((float(bound), str(name)) for bound, name in d["bands"])
        site_weights = {str(k): float(v) for k, v in d["site_weights"].items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            "expected/bands/site_weights: format tidak sesuai (lihat policy_to_dict)."
        ) from exc
    kwargs: dict[str, Any] = {
        "version": str(d["version"]),
        "expected": expected,
        "bands": bands,
        "site_weights": site_weights,
    }
    for name in _POLICY_SCALARS:
        if name in d:
            kwargs[name] = d[name]
    for name in ("weight_coverage", "weight_connectivity", "weight_proximity"):
        kwargs[name] = _as_float(kwargs[name], name)
    for name in ("weight_freshness", "hub_distance_m", "connectivity_edge_share"):
        if name in kwargs:
            kwargs[name] = _as_float(kwargs[name], name)
    kwargs["freshness_days"] = _as_int(kwargs["freshness_days"], "freshness_days")
    return Policy(**kwargs)


def _as_float(value, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name}: harus angka.")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: harus angka.") from exc


def _as_int(value, name: str = "jumlah") -> int:
    # JSON may hand back 2.0 for 2; a fractional count is an error, not a silent floor.
    if isinstance(value, bool):
        raise ValueError(f"{name}: harus bilangan bulat.")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    raise ValueError(f"{name}: harus bilangan bulat.")


# "Kaltara 1" (docs/scoring.md); type codes are the catalogue's ServiceType.code values.
DEFAULT_POLICY = Policy(
    version="kaltara-1",
    weight_coverage=0.45,
    weight_connectivity=0.30,
    weight_proximity=0.15,
    weight_freshness=0.10,
    expected={
        "I": (("perpustakaan", 1), ("forum-anak", 1), ("akta-kelahiran", 1)),
        "II": (("rptra", 1), ("puspaga", 1), ("daycare", 1)),
        "III": (("puskesmas", 1), ("posyandu", 2), ("ruang-laktasi", 1)),
        "IV": (("sd", 2), ("smp", 1), ("paud", 1), ("rumah-ibadah", 1), ("rptra", 1)),
        "V": (("pos-pengaduan", 1), ("patbm", 1)),
    },
    hub_distance_m=1000.0,
    freshness_days=365,
    site_weights={
        "verified": 1.0,
        "verified_stale": 0.6,
        "submitted": 0.5,
        "registered": 0.25,
        "draft": 0.0,
        "returned": 0.0,
    },
    bands=(
        (500.0, "Pratama"),
        (601.0, "Madya"),
        (701.0, "Nindya"),
        (801.0, "Utama"),
        (901.0, "Paripurna"),
    ),
    connectivity_edge_share=0.6,
    band_below="Belum",
    hub_type="rptra",
)
