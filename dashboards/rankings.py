"""Rankings of kota, kecamatan and kelurahan, and the choropleth map data.

Scores roll up in Python (scoring.selectors.region_scores: mean of means), so the rows to
filter are plain RegionScore objects, not a queryset. The FilterSet below validates the
query string like any django-filter form and applies its filters to those rows; ranks stay
those of the whole province, a filter only narrows the view.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
import time
import weakref
from collections import OrderedDict
from functools import cached_property
from pathlib import Path

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Func, QuerySet, Subquery, TextField
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kawasan.models import Kawasan
from regions.loading import BOUNDARY_VERSION_KEY
from regions.models import Level, Region
from scoring import core
from scoring.models import ScoreSnapshot, ScoringPolicy
from scoring.selectors import RegionScore, policy_active, region_scores
from sites.models import ServiceType

logger = logging.getLogger(__name__)

GEOJSON_CONTENT_TYPE = "application/geo+json"

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


# --- cached pages: the versions of the data they are keyed by ----------------------------
#
# Dashboards, rankings and the choropleth change only when scores, kawasan, sites or the
# catalogue change, and are read far more often. Their expensive parts are cached under keys
# that contain a fingerprint of exactly the rows they were built from, so a write makes new
# keys and nothing has to be invalidated: the old entries are never asked for again and
# expire. A fingerprint is read *before* the data it covers (READ COMMITTED): data newer
# than its key may be cached, data older than its key never is. The TTL only bounds what
# a write that bypasses the fingerprinted columns (a shell UPDATE, a catalogue or region
# rename in the admin) leaves on screen.

FRAGMENT_TTL = 15 * 60
LOCAL_COPY_TTL = 5 * 60


def _code_version() -> str:
    # Cached HTML must not outlive the templates and code that rendered it (a deploy).
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    templates = Path(settings.BASE_DIR) / "templates"
    files = [here / "dashboards.py", here / "rankings.py"]
    for folder in ("dashboard", "rankings"):
        files += sorted((templates / folder).glob("*.html"))
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(path.name.encode())
    return digest.hexdigest()[:8]


CODE_VERSION = _code_version()


def fingerprint(*parts) -> str:
    """A short stable digest of plain values (the key part of one state of the data)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def cache_key(kind: str, *parts) -> str:
    # Language in every key: fragments carry translated text.
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return f"kaltara:{kind}:{CODE_VERSION}:{lang}:{fingerprint(*parts)}"


class _LocalCopies:
    """Copies of cached HTML and JSON in this process, in front of the shared cache.

    A key of cache_key() names one value for good (the fingerprint of its data and the
    code version are in it), so a copy is never stale, only old: it expires with the
    shared entry's TTL and is evicted least recently used beyond max_bytes. A page then
    costs no cache round trip, nor the unpickling of a 200 KB map.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.items: OrderedDict[str, tuple[float, int, str]] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def holds(key: str, value=None) -> bool:
        return f":{CODE_VERSION}:" in key and (value is None or isinstance(value, str))

    def get(self, key: str) -> str | None:
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(key)
                return None
            self.items.move_to_end(key)
            return item[2]

    def put(self, key: str, value: str, timeout: int) -> None:
        size = len(value)
        if size > self.max_bytes // 8:
            return
        with self.lock:
            if key in self.items:
                self._drop(key)
            self.items[key] = (time.monotonic() + timeout, size, value)
            self.size += size
            while self.size > self.max_bytes:
                self._drop(next(iter(self.items)))

    def _drop(self, key: str) -> None:
        _expires, size, _value = self.items.pop(key)
        self.size -= size

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


LOCAL = _LocalCopies(max_bytes=32 * 1024 * 1024)


@receiver(setting_changed)
def _local_copies_follow_the_cache(setting, **kwargs):
    # A test that swaps CACHES must not read the copies of the previous cache's entries.
    if setting == "CACHES":
        LOCAL.clear()


def cache_get_many(keys: list[str]) -> dict:
    """cache.get_many through the local copies, or {} when the cache is unreachable:
    pages then render uncached."""
    found = {}
    for key in keys:
        if LOCAL.holds(key) and (value := LOCAL.get(key)) is not None:
            found[key] = value
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    try:
        fetched = cache.get_many(missing)
    except Exception as exc:  # any backend error: the cache is an optimisation only
        logger.warning("Cache unreachable (get_many %s): %s", missing[:1], exc)
        return found
    for key, value in fetched.items():
        if LOCAL.holds(key, value):
            # Its remaining lifetime in the shared cache is unknown: keep it a while only.
            LOCAL.put(key, value, LOCAL_COPY_TTL)
    return found | fetched


def cache_set_many(values: dict, timeout: int = FRAGMENT_TTL) -> None:
    for key, value in values.items():
        if LOCAL.holds(key, value):
            LOCAL.put(key, value, timeout)
    try:
        cache.set_many(values, timeout)
    except Exception as exc:
        logger.warning("Cache unreachable (set_many %s): %s", list(values)[:1], exc)


def cached(key: str, build, timeout: int = FRAGMENT_TTL):
    """The value cached under key, else build() (stored for the next request)."""
    value = cache_get_many([key]).get(key)
    if value is None:
        value = build()
        cache_set_many({key: value}, timeout)
    return value


# Compiled SQL of the version queries, per process. They nest dozens of subqueries, and the
# ORM would spend far longer compiling them than the database spends running them; their
# SQL and parameters depend only on the key given (the region, the grants), never on the
# data or the time, so each is compiled once.
_COMPILED: dict[tuple, tuple[str, str, tuple]] = {}
_COMPILED_MAX = 2048


def row_compiled_once(key: tuple, build) -> tuple | None:
    """The first row of build() (a values_list queryset), its SQL compiled once per key.

    The values come as the database driver returns them (no model field conversion):
    fit for fingerprints and plain text fields.
    """
    compiled = _COMPILED.get(key)
    if compiled is None:
        queryset = build()
        sql, params = queryset.query.sql_with_params()
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = (queryset.db, sql, tuple(params))
    db, sql, params = compiled
    connection = connections[db]
    with connection.cursor() as cursor:
        if _may_prepare(connection, cursor):
            return _fetch_prepared(connection, cursor, sql, params)
        cursor.execute(sql, params)
        return cursor.fetchone()


# On PostgreSQL the planner, not the execution, is most of such a query's cost (~1 ms of
# planning for ~0.3 ms of execution): with persistent connections each one is prepared
# once per connection and executed by name. Set KALTARA_PREPARED_QUERIES = False behind a
# pooler that does not keep sessions (PgBouncer in transaction mode).
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # raw connection -> names
_PREPARED_MAX = 64  # per connection


def _may_prepare(connection, cursor) -> bool:
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
        and getattr(settings, "KALTARA_PREPARED_QUERIES", True)
        and hasattr(cursor.cursor, "mogrify")  # client-side binding, Django's default
    )


def _fetch_prepared(connection, cursor, sql: str, params: tuple) -> tuple | None:
    # The parameters are bound into the statement (it is one per key anyway): a statement
    # without parameters gets its generic plan at once, planned on its first execution.
    literal = cursor.cursor.mogrify(sql, params)
    literal = literal.decode() if isinstance(literal, bytes) else literal
    name = "kaltara_" + hashlib.sha256(literal.encode()).hexdigest()[:24]
    prepared = _PREPARED.setdefault(connection.connection, set())
    if name not in prepared and len(prepared) >= _PREPARED_MAX:
        # Each statement holds a plan in the server's memory: a bounded number of them,
        # whatever the query strings a client sends (?kawasan=...) within a connection.
        cursor.execute(sql, params)
        return cursor.fetchone()

    def guard():
        # A savepoint inside a transaction: a failed statement must not abort the caller's.
        if connection.in_atomic_block:
            return transaction.atomic(using=connection.alias)
        return contextlib.nullcontext()

    try:
        with guard():
            if name not in prepared:
                cursor.execute(f"PREPARE {name} AS {literal}")
                prepared.add(name)
            cursor.execute(f"EXECUTE {name}")
            return cursor.fetchone()
    except DatabaseError as exc:
        # Gone (a pooler's new session) or invalid (a migration changed the result type):
        # forget it and run the statement as it is.
        logger.warning("Prepared statement %s failed, running it unprepared: %s", name, exc)
        prepared.discard(name)
        with contextlib.suppress(DatabaseError), guard():
            cursor.execute(f"DEALLOCATE {name}")
        cursor.execute(sql, params)
        return cursor.fetchone()


class Signature(Func):
    """Text that changes whenever one of its parts does: Signature(("COUNT", "pk"),
    ("MAX", "updated_at"), (None, "hub_id")) is COALESCE(CAST(COUNT(pk) AS TEXT), '') ||
    '/' || ... A part's function may be None (the value itself, a column or a subquery).

    A Func, not an Aggregate: no GROUP BY, so a subquery of it nests under any row, and
    one column holds what would otherwise take a subquery per aggregate (the planner's
    time grows with their number).
    """

    output_field = TextField()

    def __init__(self, *parts: tuple[str | None, object]):
        self.functions = tuple(function for function, _value in parts)
        super().__init__(*(F(v) if isinstance(v, str) else v for _f, v in parts))

    def as_sql(self, compiler, connection, **extra_context):
        pieces, params = [], []
        for function, arg in zip(self.functions, self.get_source_expressions(), strict=True):
            sql, arg_params = compiler.compile(arg)
            if function:
                sql = f"{function}({sql})"
            pieces.append(f"COALESCE(CAST({sql} AS TEXT), '')")
            params.extend(arg_params)
        return "(" + " || '/' || ".join(pieces) + ")", params


def signature(queryset: QuerySet, *parts: tuple[str | None, object]) -> Subquery:
    """SELECT Signature(*parts) FROM queryset, as a scalar subquery."""
    return Subquery(queryset.order_by().annotate(_sig=Signature(*parts)).values("_sig")[:1])


def data_version_signature() -> Signature:
    """One text value that versions the score data (for annotate()).

    The active policy, the stored scores, the kawasan, the monthly snapshots and the
    service-type catalogue. Every recompute stamps computed_at on the rows it stores;
    creating, editing or deleting a kawasan moves its count, id sum or updated_at; a
    snapshot run adds rows.
    """
    count = ("COUNT", "pk")
    # A score belongs to one kawasan, a cluster row to one type: one join reads both.
    return Signature(
        (None, signature(ScoringPolicy.objects.filter(is_active=True), ("MAX", "version"))),
        (
            None,
            signature(
                Kawasan.objects.all(),
                count,
                ("MAX", "updated_at"),
                ("SUM", "pk"),
                ("COUNT", "score__pk"),
                ("MAX", "score__computed_at"),
            ),
        ),
        (None, signature(ScoreSnapshot.objects.all(), count, ("MAX", "created_at"))),
        (None, signature(ServiceType.objects.all(), count, ("COUNT", "clusters__pk"))),
    )


def data_version() -> str:
    """The version of the score data (see data_version_signature), in one query."""

    def build():
        return (
            ScoringPolicy.objects.filter(is_active=True)
            .order_by()
            .annotate(_v=data_version_signature())
            .values_list("_v")[:1]
        )

    row = row_compiled_once(("data_version",), build)
    return fingerprint(row[0]) if row else "no-policy"


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


class RankingPage:
    """The rankings table of one query string, read on first use (see views.ranking_list)."""

    def __init__(self, level_key: str, data):
        self.level_key = level_key
        self.data = data

    @cached_property
    def _result(self):
        return ranking_rows(self.level_key, self.data)

    @property
    def filterset(self) -> RankingFilter:
        return self._result[0]

    @cached_property
    def rows(self) -> list[tuple[RegionScore, str, str]]:
        return [(r, region_url(r), confidence_mark(r.confidence)) for r in self._result[1]]


# What the page's own links and form send: a cache key is made only of these values, so a
# query string of anything else cannot fill the cache (it renders uncached).
_PAGE_PARAMS = {
    "tingkat": re.compile(r"(kota|kecamatan|kelurahan)"),
    "kota": re.compile(r"[0-9.]{0,13}"),
    "predikat": re.compile(r"[\w -]{0,40}"),
    "keyakinan": re.compile(r"(tinggi|sedang|rendah)?"),
    "urut": re.compile("(" + "|".join(re.escape(k) for k in SORTS) + ")?"),
}


def ranking_page_key(version: str, query) -> str | None:
    """The cache key of the rankings page for a query string, or None to render it uncached."""
    items = list(query.lists())
    for name, values in items:
        pattern = _PAGE_PARAMS.get(name)
        if pattern is None or len(values) != 1 or not pattern.fullmatch(values[0]):
            return None
    return cache_key("rankings", version, items)


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
            simple = region.boundary.simplify(tolerance, preserve_topology=True)
            if simple.empty:
                simple = region.boundary
            geometry = json.loads(simple.geojson)
            geometry["coordinates"] = _round_coords(geometry["coordinates"])
            shapes[region.code] = json.dumps(geometry, separators=(",", ":"))
        return shapes

    return cached(key, build, GEOMETRY_CACHE_TTL)


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


def choropleth_cached(
    level: str, *, detail: int = 0, version: str | None = None
) -> tuple[str, str]:
    """(the FeatureCollection, its ETag): built once per version of scores and boundaries.

    The body is the same for every provincial user, so it is cached whole: a request costs
    the version query and one cache read.
    """
    version = version or data_version()
    key = cache_key("choropleth", version, boundary_version(), level, detail)
    body = cached(key, lambda: choropleth_geojson(level, detail=detail))
    return body, f'"{fingerprint(key)}"'
