"""Cached fragments of pages, keyed by the version of the data they show.

Pages read far more often than their data change keep their expensive parts in the cache
under keys that contain a fingerprint of exactly the rows they were built from, so a write
makes new keys and nothing has to be invalidated: the old entries are never asked for again
and expire. A fingerprint is read *before* the data it covers (READ COMMITTED): data newer
than its key may be cached, data older than its key never is. The TTL only bounds what a
write that bypasses the fingerprinted columns (a shell UPDATE, a rename in the admin)
leaves on screen.

The pieces: cache_key() names a value for good (kind, code version, language, fingerprint);
cache_get_many/cache_set_many/cached read and write through a per-process copy of such
values, and give up quietly when the cache is down; Signature/signature build the text
column a version is read from, and row_compiled_once reads it with its SQL compiled once
(prepared once per connection on PostgreSQL); fragments() renders templates into a page
from cached parts. Plumbing only: it knows no app, each app lists the files its cached HTML
depends on in its AppConfig (fragment_sources).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cachetools import TLRUCache
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Func, QuerySet, Subquery, TextField
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

FRAGMENT_TTL = 15 * 60
LOCAL_COPY_TTL = 5 * 60


@functools.cache
def code_version() -> str:
    """A digest of the code and templates that render cached HTML: a deploy that changes
    them changes every key, so no page shows fragments of the previous one.

    Each app names them in its AppConfig as `fragment_sources`, glob patterns under
    BASE_DIR. Read once per process, on first use (the app registry is ready by then).
    """
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    files = [Path(__file__).resolve()]
    for config in apps.get_app_configs():
        for pattern in getattr(config, "fragment_sources", ()):
            files += sorted(base.glob(pattern))
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(path.name.encode())
    return digest.hexdigest()[:8]


def fingerprint(*parts) -> str:
    """A short stable digest of plain values (the key part of one state of the data)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def cache_key(kind: str, *parts) -> str:
    # Language in every key: fragments carry translated text.
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return f"kaltara:{kind}:{code_version()}:{lang}:{fingerprint(*parts)}"


def _now() -> float:
    # Looked up at each call, not bound once as cachetools' default timer is: a test that
    # moves time.monotonic moves the copies' clock too.
    return time.monotonic()


class _LocalCopies:
    """Copies of cached HTML and JSON in this process, in front of the shared cache.

    A key of cache_key() names one value for good (the fingerprint of its data and the
    code version are in it), so a copy is never stale, only old: it expires with the
    shared entry's TTL and is evicted least recently used beyond max_bytes (a TLRU cache
    sized by the length of its texts). A page then costs no cache round trip, nor the
    unpickling of a 200 KB map. cachetools' caches are not thread-safe: one lock.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self._timeout = 0  # of the entry being stored: put() sets it under the lock
        self.items: TLRUCache[str, str, float] = TLRUCache(
            maxsize=max_bytes, ttu=self._expiry, timer=_now, getsizeof=len
        )

    def _expiry(self, _key: str, _value: str, now: float) -> float:
        return now + self._timeout

    @property
    def size(self) -> int:
        return int(self.items.currsize)  # a sum of len()s: typed float for other sizers

    @staticmethod
    def holds(key: str, value=None) -> bool:
        return f":{code_version()}:" in key and (value is None or isinstance(value, str))

    def get(self, key: str) -> str | None:
        with self.lock:
            return self.items.get(key)

    def put(self, key: str, value: str, timeout: int) -> None:
        if len(value) > self.max_bytes // 8:  # one page must not push out dozens
            return
        with self.lock:
            self._timeout = timeout
            self.items[key] = value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


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


# --- version queries: one text column, its SQL compiled once --------------------------


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

    # Writes its own SQL, so Func's function/template/arg_joiner parameters never apply.
    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
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


@dataclass
class _Compiled:
    db: str
    sql: str
    params: tuple
    literal: str | None = None  # the statement with its parameters bound (PostgreSQL)


# Compiled SQL of the version queries, per process. They nest dozens of subqueries, and the
# ORM would spend far longer compiling them than the database spends running them; their
# SQL and parameters depend only on the key given (the region, the grants), never on the
# data or the time, so each is compiled once.
_COMPILED: dict[tuple, _Compiled] = {}
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
        compiled = _COMPILED[key] = _Compiled(queryset.db, sql, tuple(params))
    connection = connections[compiled.db]
    if _may_prepare(connection):
        return _fetch_prepared(connection, compiled)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        return cursor.fetchone()


# On PostgreSQL the planner, not the execution, is most of such a query's cost (~1 ms of
# planning for ~0.3 ms of execution): with persistent connections each one is prepared
# once per connection by psycopg (prepare=True) and then executed by its name. Set
# KALTARA_PREPARED_QUERIES = False behind a pooler that keeps no prepared statements.
#
# Measured on PostGIS 3.3 / PostgreSQL 15 with the demo data (import_sites, seed_demo,
# recompute_scores), 2,000 calls each, the three ways interleaved in batches of 100 on a
# shared 2-core machine (total; mean per call):
#                                    data_version()        area_region() of a camat
#   unprepared                       1.17 s; 0.59 ms       7.64 s; 3.82 ms
#   hand PREPARE ... / EXECUTE name  0.61 s; 0.31 ms       3.39 s; 1.70 ms  (the code before)
#   psycopg prepare=True             0.54 s; 0.27 ms       3.24 s; 1.62 ms  (this code)
# The parameters are bound into the statement text once: it then has one generic plan,
# made on its first execution. Passed as parameters (server-side binding) PostgreSQL plans
# the area query anew on each call (custom plans): about 1.7 times slower than bound.
_NEVER_AUTOMATICALLY = sys.maxsize


def _may_prepare(connection) -> bool:
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
        and getattr(settings, "KALTARA_PREPARED_QUERIES", True)
    )


class _PreparingCursor(psycopg.Cursor):
    """A psycopg cursor whose statements psycopg prepares on first use and keeps per
    connection (at most its prepared_max, the least recently used deallocated; all of
    them after a ROLLBACK, which psycopg answers with DEALLOCATE ALL: prepared again on
    their next use)."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


def _fetch_prepared(connection, compiled: _Compiled) -> tuple | None:
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's statement cache off unless OPTIONS set prepare_threshold.
        # On, but never by itself: only the statements executed with prepare=True are.
        raw.prepare_threshold = _NEVER_AUTOMATICALLY
    if compiled.literal is None:
        # The same text on every connection to the database: bound once per process.
        with psycopg.ClientCursor(raw) as binder:
            compiled.literal = binder.mogrify(compiled.sql, compiled.params)

    def guard():
        # A savepoint inside a transaction: a failed statement must not abort the caller's.
        if connection.in_atomic_block:
            return transaction.atomic(using=connection.alias)
        return contextlib.nullcontext()

    # Through Django's cursor wrapper: its error translation, query log and wrappers.
    make = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    try:
        with guard(), make(_PreparingCursor(raw)) as cursor:
            cursor.execute(compiled.literal)
            return cursor.fetchone()
    except DatabaseError as exc:
        # Gone (a pooler's new session) or invalid (a migration changed the result type):
        # DEALLOCATE ALL empties the server's statements and psycopg's list of them (it
        # watches for that command), then the statement runs as it is.
        logger.warning("Prepared statement failed, running it unprepared: %s", exc)
        with connection.cursor() as cursor:
            with contextlib.suppress(DatabaseError), guard():
                cursor.execute("DEALLOCATE ALL")
            cursor.execute(compiled.sql, compiled.params)
            return cursor.fetchone()


# --- pages from cached fragments ---------------------------------------------------------


class LazyHtml:
    """HTML made when the page template prints it (so the page's own template renders
    first, and a page that fails before printing it builds nothing)."""

    def __init__(self, build):
        self._build = build
        self._html: SafeString | None = None

    def __html__(self) -> SafeString:
        if self._html is None:
            self._html = self._build()
        return self._html

    __str__ = __html__


def cached_html(parts: list[tuple[str, str]], ctx: dict) -> LazyHtml:
    """fragments(parts, ctx), rendered when the page prints it."""
    return LazyHtml(lambda: fragments(parts, ctx))


def fragments(parts: list[tuple[str, str]], ctx: dict) -> SafeString:
    """The fragments (template, cache key) rendered with ctx, each from the cache if there.

    The joined page is cached too, under a key made of the parts' keys: a page whose data
    did not change costs one cache read; after a change only the parts it touched render.
    Rendered without the request: nothing per request (CSRF token, CSP nonce, user) can
    end up cached.
    """
    keys = [key for _template, key in parts]
    page_key = keys[0] if len(keys) == 1 else cache_key("page", *keys)
    found = cache_get_many([page_key])
    if page_key in found:
        return mark_safe(found[page_key])  # noqa: S308 - rendered by our templates below
    found = cache_get_many(keys) if len(keys) > 1 else {}
    html: list[str] = []
    missing: dict[str, str] = {}
    for template, key in parts:
        fragment = found.get(key)
        if fragment is None:
            fragment = missing[key] = render_to_string(template, ctx)
        html.append(fragment)
    page = missing[page_key] = "".join(html)
    cache_set_many(missing)
    return mark_safe(page)  # noqa: S308 - autoescaped templates
