"""Rankings of kota, kecamatan and kelurahan, and the choropleth map data.

Scores roll up in Python (scoring.selectors.region_scores: mean of means), so the rows to
filter are plain RegionScore objects, not a queryset. The FilterSet below validates the
query string like any django-filter form and applies its filters to those rows; ranks stay
those of the whole province, a filter only narrows the view.
"""

from __future__ import annotations

import hashlib
import json

import django_filters
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regions.loading import BOUNDARY_VERSION_KEY
from regions.models import Level, Region
from scoring import core
from scoring.selectors import RegionScore, policy_active, region_scores

LEVELS = {
    "kota": Level.KABKOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
}
LEVEL_LABELS = {
    "kota": _("Kota/kabupaten"),
    "kecamatan": _("Kecamatan"),
    "kelurahan": _("Kelurahan"),
}

# Data confidence: the share of member sites verified and fresh. Below a quarter the score
# rests mostly on unassessed registrations.
CONFIDENCE_MARKS = (
    (0.6, "tinggi", _("tinggi")),
    (0.25, "sedang", _("sedang")),
    (0.0, "rendah", _("rendah")),
)


def confidence_mark(confidence: float) -> str:
    for bound, slug, _label in CONFIDENCE_MARKS:
        if confidence >= bound:
            return slug
    return "rendah"


CONFIDENCE_LABELS = {slug: label for _b, slug, label in CONFIDENCE_MARKS}


# Choropleth classes: steps of 100 below the first band (where every kelurahan sits before
# any assessment, so a single "Belum" colour would say nothing), then one per band.
NO_KAWASAN_COLOR = "#cbd5e1"
SCORE_CLASSES = (
    (0.0, "0–99", "#fff7bc"),
    (100.0, "100–199", "#fee391"),
    (200.0, "200–299", "#fec44f"),
    (300.0, "300–399", "#fe9929"),
    (400.0, "400–499", "#ec7014"),
    (500.0, "Pratama", "#c7e9c0"),
    (601.0, "Madya", "#a1d99b"),
    (701.0, "Nindya", "#74c476"),
    (801.0, "Utama", "#31a354"),
    (901.0, "Paripurna", "#006d2c"),
)


def score_color(row: RegionScore) -> str:
    if row.no_kawasan:
        return NO_KAWASAN_COLOR
    color = SCORE_CLASSES[0][2]
    for bound, _label, c in SCORE_CLASSES:
        if row.score >= bound:
            color = c
    return color


def legend() -> list[tuple[str, str]]:
    return [(str(_("Belum ada kawasan")), NO_KAWASAN_COLOR)] + [
        (label, color) for _b, label, color in SCORE_CLASSES
    ]


# --- the rankings table ----------------------------------------------------------------


class RankingRows(list):
    """A list of RegionScore that FilterSet accepts in place of a queryset."""

    model = Region

    def all(self):
        return RankingRows(self)


SORTS = {
    "peringkat": (_("Peringkat"), lambda r: (r.rank, r.code)),
    "nama": (_("Nama"), lambda r: (r.name, r.code)),
    "-perubahan": (
        _("Kenaikan terbesar"),
        lambda r: (r.change is None, -(r.change or 0.0), r.rank, r.code),
    ),
    "perubahan": (
        _("Penurunan terbesar"),
        lambda r: (r.change is None, r.change or 0.0, r.rank, r.code),
    ),
    "-keyakinan": (_("Keyakinan data tertinggi"), lambda r: (-r.confidence, r.rank, r.code)),
    "keyakinan": (_("Keyakinan data terendah"), lambda r: (r.confidence, r.rank, r.code)),
}


def _kota_choices():
    return list(
        Region.objects.filter(level=Level.KABKOTA).order_by("code").values_list("code", "name")
    )


def _band_choices(policy: core.Policy):
    names = [policy.band_below, *[n for _b, n in sorted(policy.bands)]]
    return [(n, n) for n in names] + [("-", _("Belum ada kawasan"))]


class RankingFilter(django_filters.FilterSet):
    kota = django_filters.ChoiceFilter(
        label=_("Kota/kabupaten"), method="filter_kota", empty_label=_("Semua kota")
    )
    predikat = django_filters.ChoiceFilter(
        label=_("Predikat"), method="filter_band", empty_label=_("Semua predikat")
    )
    keyakinan = django_filters.ChoiceFilter(
        label=_("Keyakinan data"),
        method="filter_confidence",
        choices=[(slug, label) for _b, slug, label in CONFIDENCE_MARKS],
        empty_label=_("Semua"),
    )
    urut = django_filters.ChoiceFilter(
        label=_("Urutkan"),
        method="sort",
        choices=[(key, label) for key, (label, _k) in SORTS.items()],
        empty_label=None,
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, policy=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["kota"].extra["choices"] = _kota_choices()
        self.filters["predikat"].extra["choices"] = _band_choices(
            policy or policy_active().as_policy()
        )

    def filter_queryset(self, queryset):
        # The rows are a list: run each filter's method without django-filter's
        # QuerySet assertion, sorting last.
        data = self.form.cleaned_data
        for name in ("kota", "predikat", "keyakinan"):
            if data.get(name) not in (None, ""):
                queryset = self.filters[name].filter(queryset, data[name])
        return self.sort(queryset, "urut", data.get("urut") or "peringkat")

    def filter_kota(self, rows, name, value):
        return RankingRows(r for r in rows if r.code == value or r.code.startswith(value + "."))

    def filter_band(self, rows, name, value):
        if value == "-":
            return RankingRows(r for r in rows if r.no_kawasan)
        return RankingRows(r for r in rows if r.band == value and not r.no_kawasan)

    def filter_confidence(self, rows, name, value):
        return RankingRows(r for r in rows if confidence_mark(r.confidence) == value)

    def sort(self, rows, name, value):
        _label, key = SORTS.get(value or "peringkat", SORTS["peringkat"])
        return RankingRows(sorted(rows, key=key))


def ranking_rows(level_key: str, data, *, policy: core.Policy | None = None):
    """(filterset, rows) for a level key of LEVELS and the query string."""
    policy = policy or policy_active().as_policy()
    rows = RankingRows(region_scores(LEVELS[level_key], policy=policy))
    filterset = RankingFilter(data or None, queryset=rows, policy=policy)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, RankingRows(sorted(rows, key=SORTS["peringkat"][1]))
    return filterset, filterset.qs


def region_url(row: RegionScore) -> str:
    """Where a ranking row or a map area leads: the area dashboard, or a kota's kecamatan."""
    if row.level == Level.KABKOTA:
        return reverse("kaltara:rankings") + f"?tingkat=kecamatan&kota={row.code}"
    return reverse("kaltara:dashboard_area", args=[row.code])


# --- the choropleth ----------------------------------------------------------------------

# Simplification tolerance (degrees) per detail level: the whole province at zoom 10-12,
# then a finer one when the map is zoomed in. About 1 m of rounding at 5 decimals.
DETAIL_TOLERANCE = {0: 0.0003, 1: 0.0001, 2: 0.00002}
COORD_DECIMALS = 5
# Without a version set by the boundary loader, a fingerprint of the boundaries is kept
# this long, so a reload shows within the hour even if nobody bumps the version.
BOUNDARY_FINGERPRINT_TTL = 3600
GEOMETRY_CACHE_TTL = 7 * 24 * 3600


def boundary_version() -> str:
    """A version of the stored boundaries; cache keys of simplified shapes include it."""
    version = cache.get(BOUNDARY_VERSION_KEY)
    if version is None:
        digest = hashlib.sha256()
        rows = (
            Region.objects.exclude(boundary=None).order_by("code").values_list("code", "boundary")
        )
        for code, boundary in rows.iterator(chunk_size=100):
            digest.update(code.encode())
            digest.update(bytes(boundary.wkb))
        version = "fp-" + digest.hexdigest()[:16]
        cache.set(BOUNDARY_VERSION_KEY, version, BOUNDARY_FINGERPRINT_TTL)
    return str(version)


def boundary_version_bump() -> None:
    """Forget the version: the next read fingerprints the boundaries again."""
    cache.delete(BOUNDARY_VERSION_KEY)


def _round_coords(coords):
    if coords and isinstance(coords[0], float | int):
        return [round(coords[0], COORD_DECIMALS), round(coords[1], COORD_DECIMALS)]
    rounded = [_round_coords(c) for c in coords]
    if rounded and isinstance(rounded[0], list) and rounded[0] and isinstance(rounded[0][0], float):
        # A ring: drop points that rounding made equal to their predecessor.
        deduped = [rounded[0]]
        for point in rounded[1:]:
            if point != deduped[-1]:
                deduped.append(point)
        return deduped
    return rounded


def simplified_geometries(level: str, detail: int) -> dict[str, str]:
    """Region code -> its simplified boundary as a GeoJSON geometry string (cached)."""
    tolerance = DETAIL_TOLERANCE[detail]
    key = f"kaltara:shapes:{boundary_version()}:{level}:{tolerance}"
    shapes = cache.get(key)
    if shapes is None:
        shapes = {}
        rows = Region.objects.filter(level=level).exclude(boundary=None).only("code", "boundary")
        for region in rows:
            simple = region.boundary.simplify(tolerance, preserve_topology=True)
            if simple.empty:
                simple = region.boundary
            geometry = json.loads(simple.geojson)
            geometry["coordinates"] = _round_coords(geometry["coordinates"])
            shapes[region.code] = json.dumps(geometry, separators=(",", ":"))
        cache.set(key, shapes, GEOMETRY_CACHE_TTL)
    return shapes


def area_properties(row: RegionScore) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "score": row.score,
        "band": row.band if not row.no_kawasan else None,
        "rank": row.rank,
        "change": row.change,
        "confidence": row.confidence,
        "kawasan": row.kawasan_count,
        "color": score_color(row),
        "url": region_url(row),
    }


def choropleth_geojson(
    level: str, *, detail: int = 0, policy: core.Policy | None = None, rows=None
) -> str:
    """All areas of a level with their scores as properties, in one FeatureCollection.

    The geometry strings come from the cache; only the scores are read per request (the
    three queries of region_scores), and the JSON is joined as text around them.
    """
    shapes = simplified_geometries(level, detail)
    rows = rows if rows is not None else region_scores(level, policy=policy)
    features = []
    for row in rows:
        geometry = shapes.get(row.code)
        if geometry is None:
            continue
        props = json.dumps(area_properties(row), separators=(",", ":"), ensure_ascii=False)
        features.append(f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
