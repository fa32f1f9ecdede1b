"""The choropleth map: simplified region shapes and their scores as one GeoJSON document.

The shapes change only when the boundaries are reloaded (regions.loading bumps their
version); the scores with every recompute. Both are cached: the shapes per boundary
version, the whole FeatureCollection per version of scores and boundaries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math

from django.core.cache import cache
from django.utils.translation import gettext as _

from regions.loading import BOUNDARY_VERSION_KEY
from regions.models import Region
from scoring.explain import number
from scoring.policy import DEFAULT_POLICY, Policy
from scoring.selectors import RegionScore, policy_active, region_scores
from web.fragments import cache_key, cache_set_many, cached, fingerprint

from .rankings import region_url
from .versions import data_version

logger = logging.getLogger(__name__)

GEOJSON_CONTENT_TYPE = "application/geo+json"

NO_KAWASAN_COLOR = "#cbd5e1"
# Choropleth classes: up to five steps below the first band (where every kelurahan sits
# before any assessment, so a single "Belum" colour would say nothing), then one per band
# of the policy, lowest first (the last colour repeats for any band beyond five).
BELOW_BAND_COLORS = ("#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014")
BAND_COLORS = ("#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c")

ScoreClass = tuple[float, str, str]  # lower bound, label (a range or a band name), colour


def score_classes(policy: Policy) -> tuple[ScoreClass, ...]:
    """The classes of a policy: steps of 100 below its first band bound (wider when that
    bound is above 500, so that five steps reach it), then each band."""
    bounds = policy.compiled.band_bounds
    first = bounds[0][0] if bounds else 1000.0
    steps = len(BELOW_BAND_COLORS)
    width = 100.0 if first <= 100.0 * steps else math.ceil(first / steps / 10) * 10.0
    classes: list[ScoreClass] = []
    lower = 0.0
    while lower < first and len(classes) < steps:
        upper = min(lower + width, first)
        classes.append((lower, f"{lower:g}–{upper - 1:g}", BELOW_BAND_COLORS[len(classes)]))
        lower = upper
    for i, (bound, name) in enumerate(bounds):
        classes.append((bound, name, BAND_COLORS[min(i, len(BAND_COLORS) - 1)]))
    return tuple(classes)


# The classes of the "Kaltara 1" defaults; the pages use those of the active policy.
SCORE_CLASSES = score_classes(DEFAULT_POLICY)


def score_color(row: RegionScore, classes: tuple[ScoreClass, ...] = SCORE_CLASSES) -> str:
    if row.no_kawasan:
        return NO_KAWASAN_COLOR
    color = classes[0][2]
    for bound, _label, c in classes:
        if row.score >= bound:
            color = c
    return color


def legend(policy: Policy | None = None) -> list[tuple[str, str]]:
    """(label, colour) of each class of the policy (the active one unless given), band
    classes with their lower bound: "Pratama (mulai 500)"."""
    policy = policy or policy_active().as_policy()
    bands = {name for _b, name in policy.bands}
    items = [(str(_("Belum ada kawasan")), NO_KAWASAN_COLOR)]
    for bound, label, color in score_classes(policy):
        if label in bands:
            label = _("%(band)s (mulai %(bound)s)") % {"band": label, "bound": number(bound)}
        items.append((str(label), color))
    return items


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
    try:
        version = cache.get(BOUNDARY_VERSION_KEY)
    except Exception as exc:
        # Nothing is cached while the cache is down: no version is needed either.
        logger.warning("Cache unreachable (boundary version): %s", exc)
        return "cache-down"
    if version is None:
        digest = hashlib.sha256()
        rows = (
            Region.objects.exclude(boundary=None).order_by("code").values_list("code", "boundary")
        )
        for code, boundary in rows.iterator(chunk_size=100):
            assert boundary is not None  # excluded above
            digest.update(code.encode())
            digest.update(bytes(boundary.wkb))
        version = "fp-" + digest.hexdigest()[:16]
        cache_set_many({BOUNDARY_VERSION_KEY: version}, BOUNDARY_FINGERPRINT_TTL)
    return str(version)


def boundary_version_bump() -> None:
    """Forget the version: the next read fingerprints the boundaries again."""
    try:
        cache.delete(BOUNDARY_VERSION_KEY)
    except Exception as exc:
        logger.warning("Cache unreachable (boundary version bump): %s", exc)


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

    def build():
        shapes = {}
        rows = Region.objects.filter(level=level).exclude(boundary=None).only("code", "boundary")
        for region in rows:
            boundary = region.boundary
            assert boundary is not None  # excluded above
            simple = boundary.simplify(tolerance, preserve_topology=True)
            if simple.empty:
                simple = boundary
            geometry = json.loads(simple.geojson)
            geometry["coordinates"] = _round_coords(geometry["coordinates"])
            shapes[region.code] = json.dumps(geometry, separators=(",", ":"))
        return shapes

    return cached(key, build, GEOMETRY_CACHE_TTL)


def area_properties(row: RegionScore, classes: tuple[ScoreClass, ...] = SCORE_CLASSES) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "score": row.score,
        "band": row.band if not row.no_kawasan else None,
        "rank": row.rank,
        "change": row.change,
        "confidence": row.confidence,
        "kawasan": row.kawasan_count,
        "color": score_color(row, classes),
        "url": region_url(row),
    }


def choropleth_geojson(
    level: str, *, detail: int = 0, policy: Policy | None = None, rows=None
) -> str:
    """All areas of a level with their scores as properties, in one FeatureCollection.

    The geometry strings come from the cache; only the scores are read per request (the
    three queries of region_scores), and the JSON is joined as text around them.
    """
    shapes = simplified_geometries(level, detail)
    policy = policy or policy_active().as_policy()
    classes = score_classes(policy)
    rows = rows if rows is not None else region_scores(level, policy=policy)
    features = []
    for row in rows:
        geometry = shapes.get(row.code)
        if geometry is None:
            continue
        props = json.dumps(area_properties(row, classes), separators=(",", ":"), ensure_ascii=False)
        features.append(f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def choropleth_key(level: str, *, detail: int = 0, version: str | None = None) -> str:
    """The cache key of a level's FeatureCollection: the versions of scores and boundaries."""
    version = version or data_version()
    return cache_key("choropleth", version, boundary_version(), level, detail)


def choropleth_etag(key: str) -> str:
    """The ETag of the body cached under key: it names the same versions."""
    return f'"{fingerprint(key)}"'


def choropleth_cached(key: str, level: str, *, detail: int = 0) -> str:
    """The FeatureCollection under key (of choropleth_key), built once per version.

    The body is the same for every provincial user, so it is cached whole: a request costs
    the version query and one cache read.
    """
    return cached(key, lambda: choropleth_geojson(level, detail=detail))
