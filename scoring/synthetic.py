"""A reproducible national-scale data set for the scoring benchmarks (PostGIS only).

One kawasan per desa/kelurahan of the loaded code tree (about 83,000 nationally), about a
dozen sites each (about 1,000,000), one membership per site, a hub per kawasan and about
2,000,000 links between members. Everything it writes is marked so that it can be removed
without touching real data: kawasan named "SINTETIS ...", sites with source "synthetic"
(memberships, service roles and links hang off those).

Reproducible: each kawasan draws from its own random.Random seeded with (seed, region
code), so the same seed gives the same sites, roles, states, offsets and links whatever the
database ids, and a smaller run (--limit-kawasan) is the same data for the kawasan it keeps.
Locations: national rows carry no boundary, so a kelurahan without a centroid gets a
pseudo-centroid derived from its code alone (province centre + hashed offsets per kota,
kecamatan and desa); sites scatter within 1.5 km of it.

Fast: rows stream in batches of kawasan through PostgreSQL COPY (psycopg 3), never through
model save(); site and kawasan ids are reserved from their sequences per batch so that hubs
and memberships can name them. The whole run is one transaction: it is there or not at all.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, FloatField, Func
from django.utils import timezone

from kawasan.models import Kawasan, Membership
from regions.models import Level, Region
from sites.models import LinkKind, ServiceType, Site, SiteLink

SOURCE = "synthetic"
NAME_PREFIX = "SINTETIS"
DEFAULT_SEED = 42
DEFAULT_SITES = 1_000_000
DEFAULT_LINKS = 2_000_000
BATCH_KAWASAN = 4000
SCATTER_M = 1500.0  # sites lie within this distance of their kelurahan's (pseudo-)centroid
METRES_PER_DEGREE = 111_195.0

# Relative frequency of each service type among a desa's child-facing sites, after the
# national counts (about 300,000 posyandu, 200,000 PAUD, 150,000 SD, 10,000 puskesmas for
# 83,000 desa). A catalogue type not listed draws with weight 1.
TYPE_WEIGHTS = {
    "posyandu": 25.0,
    "paud": 17.0,
    "sd": 14.0,
    "rumah-ibadah": 12.0,
    "smp": 5.0,
    "patbm": 3.0,
    "perpustakaan": 3.0,
    "forum-anak": 3.0,
    "ruang-laktasi": 3.0,
    "rptra": 2.0,
    "sma": 2.0,
    "smk": 2.0,
    "puskesmas": 1.5,
    "daycare": 1.5,
    "akta-kelahiran": 1.0,
    "lksa": 1.0,
    "pos-pengaduan": 0.8,
    "puspaga": 0.7,
    "slb": 0.3,
    "rumah-aman": 0.2,
}
SECOND_ROLE_SHARE = 0.12  # a site holding a second role (an RPTRA hosting a posyandu)
SECOND_ROLE_SHARE_HUB = 0.5  # for an RPTRA
REVIEW_STATES = (  # state, share
    ("registered", 0.55),
    ("verified", 0.15),
    ("submitted", 0.10),
    ("draft", 0.12),
    ("returned", 0.08),
)
OPERATING_STATUSES = (("open", 0.95), ("temporarily_closed", 0.03), ("closed", 0.02))
HUB_LINK_SHARE = 0.35  # links drawn from the hub to a member; the rest join random pairs
ENDED_LINK_SHARE = 0.05

# Approximate centre (lat, lon) of each province of the code tree; others fall back to a
# hashed point in Indonesia's bounding box.
PROVINCE_CENTRES = {
    "11": (4.4, 96.9),
    "12": (2.2, 99.4),
    "13": (-0.8, 100.6),
    "14": (0.4, 101.7),
    "15": (-1.6, 103.3),
    "16": (-3.3, 104.2),
    "17": (-3.6, 102.3),
    "18": (-4.8, 105.2),
    "19": (-2.5, 106.4),
    "21": (0.9, 104.5),
    "31": (-6.2, 106.85),
    "32": (-6.9, 107.6),
    "33": (-7.2, 110.1),
    "34": (-7.9, 110.4),
    "35": (-7.6, 112.3),
    "36": (-6.4, 106.1),
    "51": (-8.4, 115.2),
    "52": (-8.6, 117.4),
    "53": (-9.0, 121.5),
    "61": (-0.1, 111.2),
    "62": (-1.6, 113.4),
    "63": (-3.0, 115.3),
    "64": (0.6, 116.3),
    "65": (3.0, 116.3),
    "71": (1.0, 124.4),
    "72": (-1.4, 121.4),
    "73": (-3.8, 120.0),
    "74": (-4.1, 122.2),
    "75": (0.7, 122.5),
    "76": (-2.6, 119.3),
    "81": (-3.2, 129.5),
    "82": (1.0, 127.8),
    "91": (-4.2, 138.5),
    "92": (-1.3, 133.0),
}
# Half-width (degrees) of the hashed offset at each level below the province.
OFFSET_DEGREES = (1.2, 0.25, 0.06)


class SyntheticError(Exception):
    """The synthetic data set cannot be written here; the message says what to do."""


@dataclass
class SyntheticReport:
    seed: int
    kawasan: int = 0
    sites: int = 0
    site_types: int = 0
    memberships: int = 0
    links: int = 0
    hubs: int = 0
    seconds: float = 0.0
    existing: bool = False  # the data was already there: nothing was written
    existing_seed: int | None = None
    timings: dict[str, float] = field(default_factory=dict)


# --- checks and inventory -------------------------------------------------------------


def is_postgis() -> bool:
    return connection.vendor == "postgresql" and "postgis" in connection.settings_dict["ENGINE"]


def require_postgis() -> None:
    if not is_postgis():
        raise SyntheticError(
            "Data sintetis hanya untuk PostGIS (COPY PostgreSQL); basis data ini "
            f"{connection.vendor}. Jalankan dengan DATABASE_URL=postgis://... ."
        )


def synthetic_sites():
    return Site.objects.filter(source=SOURCE)


def synthetic_kawasan():
    return Kawasan.objects.filter(name__startswith=NAME_PREFIX + " ")


def synthetic_counts() -> dict[str, int]:
    sites = synthetic_sites()
    return {
        "kawasan": synthetic_kawasan().count(),
        "sites": sites.count(),
        "memberships": Membership.objects.filter(site__in=sites).count(),
        "links": SiteLink.objects.filter(site_a__in=sites).count(),
    }


def synthetic_seed() -> int | None:
    """The seed of the synthetic data in the database (source_id "seed:code:n"), or None."""
    source_id = synthetic_sites().order_by("pk").values_list("source_id", flat=True).first()
    if source_id is None:
        return None
    try:
        return int(source_id.split(":", 1)[0])
    except ValueError:
        return -1  # marked synthetic but not by this module's format


def synthetic_exists() -> bool:
    return synthetic_sites().exists() or synthetic_kawasan().exists()


# --- removal --------------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _reverse_relations(model):
    """(related model, FK column, on_delete name) of every FK pointing at model."""
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel.related_model, rel.field.column, rel.on_delete.__name__


def _delete_cascading(cursor, model, where: str, params: list, depth: int = 0) -> None:
    """DELETE the model's rows matching `where`, with what the ORM would cascade to.

    Set-based, one statement per table (the ORM's collector would load a million rows into
    Python); covers the tables of apps this module does not know. PROTECT or DO_NOTHING
    relations are left to the database constraint, which then refuses as the ORM would.
    """
    if depth > 5:
        raise SyntheticError(f"Rantai hapus terlalu dalam di {model._meta.label}.")
    table = _table(model)
    pk = connection.ops.quote_name(model._meta.pk.column)
    ids = f"SELECT {pk} FROM {table} WHERE {where}"  # noqa: S608
    for related, column, on_delete in _reverse_relations(model):
        column = connection.ops.quote_name(column)
        if on_delete == "CASCADE":
            _delete_cascading(cursor, related, f"{column} IN ({ids})", params, depth + 1)
        elif on_delete == "SET_NULL":
            cursor.execute(
                f"UPDATE {_table(related)} SET {column} = NULL WHERE {column} IN ({ids})",  # noqa: S608
                params,
            )
    cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608


def synthetic_remove() -> dict[str, int]:
    """Remove every synthetic kawasan and site with what hangs off them; the counts removed."""
    require_postgis()
    counts = synthetic_counts()
    with transaction.atomic(), connection.cursor() as cursor:
        _delete_cascading(
            cursor, Kawasan, f"{_column(Kawasan, 'name')} LIKE %s", [NAME_PREFIX + " %"]
        )
        _delete_cascading(cursor, Site, f"{_column(Site, 'source')} = %s", [SOURCE])
    return counts


# --- locations ------------------------------------------------------------------------


def _unit(text: str) -> tuple[float, float]:
    """Two numbers in [-1, 1) from a string, stable across processes and machines."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    a = int.from_bytes(digest[:4], "big") / 2**32
    b = int.from_bytes(digest[4:], "big") / 2**32
    return 2 * a - 1, 2 * b - 1


def pseudo_centroid(code: str) -> tuple[float, float]:
    """(lat, lon) for a region code without a boundary: a function of the code alone."""
    parts = code.split(".")
    centre = PROVINCE_CENTRES.get(parts[0])
    if centre is None:
        u, v = _unit(parts[0])
        centre = (-2.5 + 5.5 * u, 118.0 + 20.0 * v)
    lat, lon = centre
    for depth, half_width in enumerate(OFFSET_DEGREES, start=2):
        if len(parts) < depth:
            break
        u, v = _unit(".".join(parts[:depth]))
        lat += half_width * u * 0.7  # the archipelago is wider than it is tall
        lon += half_width * v
    return round(lat, 6), round(lon, 6)


def _coord(function: str, field_name: str) -> Func:
    return Func(F(field_name), function=function, output_field=FloatField())


def kelurahan_rows(
    *, region_prefix: str | None = None, limit: int | None = None
) -> list[tuple[str, str, float, float]]:
    """(code, name, lat, lon) of the kelurahan to generate for, in code order."""
    qs = Region.objects.filter(level=Level.KELURAHAN).order_by("code")
    if region_prefix:
        qs = qs.filter(code__startswith=region_prefix.rstrip(".") + ".")
    qs = qs.annotate(_lat=_coord("ST_Y", "centroid"), _lon=_coord("ST_X", "centroid"))
    if limit:
        qs = qs[:limit]
    rows = []
    for code, name, lat, lon in qs.values_list("code", "name", "_lat", "_lon"):
        if lat is None or lon is None:
            lat, lon = pseudo_centroid(code)
        rows.append((code, name, lat, lon))
    return rows


# --- drawing one kawasan --------------------------------------------------------------


@dataclass
class SitePlan:
    type_codes: tuple[str, ...]
    lat: float
    lon: float
    review_state: str
    # days since its verification (verified) or submission (submitted); else unused
    state_days_ago: int
    operating_status: str


@dataclass
class KawasanPlan:
    code: str
    name: str
    sites: list[SitePlan]
    hub: int | None  # index into sites
    # (index a, index b, kind, start days ago, end days ago or None); a < b
    links: list[tuple[int, int, str, int, int | None]]


def _pick(rng: random.Random, table) -> str:
    x = rng.random()
    for value, share in table:
        x -= share
        if x < 0:
            return value
    return table[-1][0]


class Drawer:
    """Draws the plan of one kawasan from its own seeded generator."""

    def __init__(self, *, seed: int, sites_per_kawasan: float, links_per_site: float, codes):
        self.seed = seed
        self.sites_mean = max(sites_per_kawasan, 1.0)
        self.links_per_site = max(links_per_site, 0.0)
        self.codes = list(codes)
        weights = [TYPE_WEIGHTS.get(code, 1.0) for code in self.codes]
        self.cum_weights = []
        total = 0.0
        for w in weights:
            total += w
            self.cum_weights.append(total)
        self.kinds = list(LinkKind.values)

    def plan(self, code: str, name: str, lat: float, lon: float) -> KawasanPlan:
        rng = random.Random(f"{self.seed}:{code}")
        # Uniform on [mean/2, 3 mean/2]: the total stays close to the requested count.
        low = max(1, round(self.sites_mean * 0.5))
        high = max(low, round(self.sites_mean * 1.5))
        n = rng.randint(low, high)
        primary = rng.choices(self.codes, cum_weights=self.cum_weights, k=n)
        lat_scale = SCATTER_M / METRES_PER_DEGREE
        lon_scale = lat_scale / max(math.cos(math.radians(lat)), 0.1)
        sites = []
        for first in primary:
            codes = [first]
            share = SECOND_ROLE_SHARE_HUB if first == "rptra" else SECOND_ROLE_SHARE
            if rng.random() < share:
                second = rng.choices(self.codes, cum_weights=self.cum_weights)[0]
                if second != first:
                    codes.append(second)
            # Uniform in a disc: radius ~ sqrt(u).
            r = math.sqrt(rng.random())
            theta = 2 * math.pi * rng.random()
            state = _pick(rng, REVIEW_STATES)
            # Verified within the last two years: about half of them stale (12-month window);
            # submitted within the last two months.
            state_days = rng.randint(0, 730 if state == "verified" else 60)
            sites.append(
                SitePlan(
                    type_codes=tuple(codes),
                    lat=round(lat + lat_scale * r * math.sin(theta), 7),
                    lon=round(lon + lon_scale * r * math.cos(theta), 7),
                    review_state=state,
                    state_days_ago=state_days,
                    operating_status=_pick(rng, OPERATING_STATUSES),
                )
            )
        open_sites = [i for i, s in enumerate(sites) if s.operating_status != "closed"]
        hub = next((i for i in open_sites if "rptra" in sites[i].type_codes), None)
        if hub is None and open_sites:
            hub = open_sites[0]
        return KawasanPlan(
            code=code, name=name, sites=sites, hub=hub, links=self._links(rng, n, hub)
        )

    def _links(self, rng: random.Random, n: int, hub: int | None):
        capacity = n * (n - 1) // 2
        wanted = self.links_per_site * n
        count = int(wanted) + (1 if rng.random() < wanted - int(wanted) else 0)
        count = min(count, capacity)
        pairs: list[tuple[int, int]] = []
        if count > capacity * 0.6:
            every = [(a, b) for a in range(n) for b in range(a + 1, n)]
            pairs = rng.sample(every, count)
        else:
            seen: set[tuple[int, int]] = set()
            while len(pairs) < count:
                if hub is not None and rng.random() < HUB_LINK_SHARE:
                    a, b = hub, rng.randrange(n)
                else:
                    a, b = rng.randrange(n), rng.randrange(n)
                if a == b:
                    continue
                pair = (a, b) if a < b else (b, a)
                if pair in seen:
                    continue
                seen.add(pair)
                pairs.append(pair)
        links = []
        for a, b in pairs:
            start = rng.randint(30, 1100)
            end = None
            if rng.random() < ENDED_LINK_SHARE:
                end = max(0, start - rng.randint(10, 365))
            links.append((a, b, rng.choice(self.kinds), start, end))
        return links


# --- writing --------------------------------------------------------------------------


def _reserve_ids(cursor, model, count: int) -> int:
    """The first of `count` consecutive ids taken from the model's sequence."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    sequence = cursor.fetchone()[0]
    # nextval then setval: the block is ours as long as nothing else inserts meanwhile
    # (the benchmark database is quiet while it is being filled).
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    if count > 1:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _defaults(model, explicit: list[str]) -> tuple[list[str], tuple]:
    """The model's other concrete fields and their defaults, so that a field added later
    (with a default) does not break the COPY; JSON defaults go in as JSON text."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in explicit:
            continue
        value = f.get_default()
        if isinstance(value, dict | list):
            value = json.dumps(value)
        names.append(f.name)
        values.append(value)
    return names, tuple(values)


def _copy(cursor, model, columns: list[str], rows: Iterable[tuple]) -> int:
    extra_names, extra_values = _defaults(model, columns)
    fields = [model._meta.get_field(name) for name in [*columns, *extra_names]]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    # Django's cursor wrapper passes .copy through to psycopg 3's cursor.
    with cursor.copy(f"COPY {_table(model)} ({cols}) FROM STDIN") as copy:  # noqa: S608
        for row in rows:
            copy.write_row(row + extra_values if extra_values else row)
            n += 1
    return n


def _point(lat: float, lon: float) -> str:
    return f"SRID=4326;POINT({lon} {lat})"


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _site_rows(plans, site_base, labels, seed, now, with_submitted_at):
    """The Site rows of the plans, in site_columns' order; a plan's sites from its base id."""
    for p, base in zip(plans, site_base, strict=True):
        for j, s in enumerate(p.sites):
            row: tuple[object, ...] = (
                base + j,
                f"{labels[s.type_codes[0]]} {p.name} {j + 1}",
                p.code,
                _point(s.lat, s.lon),
                s.operating_status,
                s.review_state,
                now - timedelta(days=s.state_days_ago) if s.review_state == "verified" else None,
                SOURCE,
                f"{seed}:{p.code}:{j + 1}",
                now,
                now,
            )
            if with_submitted_at:
                row += (
                    now - timedelta(days=s.state_days_ago)
                    if s.review_state == "submitted"
                    else None,
                )
            yield row


def synthetic_generate(
    *,
    seed: int = DEFAULT_SEED,
    sites: int = DEFAULT_SITES,
    links: int = DEFAULT_LINKS,
    limit_kawasan: int | None = None,
    region_prefix: str | None = None,
    batch_kawasan: int = BATCH_KAWASAN,
    progress: Callable[[str], None] | None = None,
) -> SyntheticReport:
    """Write the synthetic data set unless some is already there (then report it, write none).

    Callers wanting fresh data call synthetic_remove() first. The regions must be loaded.
    """
    require_postgis()
    started = time.monotonic()
    report = SyntheticReport(seed=seed)
    if synthetic_exists():
        report.existing = True
        report.existing_seed = synthetic_seed()
        report.__dict__.update(synthetic_counts())
        return report
    kelurahan = kelurahan_rows(region_prefix=region_prefix, limit=limit_kawasan)
    if not kelurahan:
        raise SyntheticError(
            "Tidak ada kelurahan/desa untuk dibuatkan kawasan: muat wilayah dulu "
            "(manage.py load_regions --national)."
        )
    catalogue = {
        code: (pk, name) for pk, code, name in ServiceType.objects.values_list("pk", "code", "name")
    }
    if not catalogue:
        raise SyntheticError("Katalog jenis layanan kosong: jalankan manage.py migrate.")
    type_ids = {code: pk for code, (pk, _name) in catalogue.items()}
    # "RPTRA (Ruang Publik ...)" -> "RPTRA": site names stay short.
    labels = {code: name.split(" (")[0] for code, (_pk, name) in catalogue.items()}
    drawer = Drawer(
        seed=seed,
        sites_per_kawasan=sites / len(kelurahan),
        links_per_site=links / max(sites, 1),
        codes=sorted(catalogue),
    )
    now = timezone.now()
    today = timezone.localdate()

    site_columns = [
        "id",
        "name",
        "kelurahan",
        "location",
        "operating_status",
        "review_state",
        "verified_at",
        "source",
        "source_id",
        "created_at",
        "updated_at",
    ]
    # A submission knows its date where the model records it (the review queue's age).
    with_submitted_at = _has_field(Site, "submitted_at")
    if with_submitted_at:
        site_columns.append("submitted_at")
    through = Site.types.through
    timings = report.timings
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(kelurahan), batch_kawasan):
            batch = kelurahan[start : start + batch_kawasan]
            t0 = time.monotonic()
            plans = [drawer.plan(*row) for row in batch]
            first_site = _reserve_ids(cursor, Site, sum(len(p.sites) for p in plans))
            first_kawasan = _reserve_ids(cursor, Kawasan, len(plans))
            site_base = []  # id of each plan's first site: a plan's sites are consecutive
            next_id = first_site
            for p in plans:
                site_base.append(next_id)
                next_id += len(p.sites)
            t1 = time.monotonic()

            rows = _site_rows(plans, site_base, labels, seed, now, with_submitted_at)
            report.sites += _copy(cursor, Site, site_columns, rows)
            report.site_types += _copy(
                cursor,
                through,
                ["site", "servicetype"],
                (
                    (base + j, type_ids[code])
                    for p, base in zip(plans, site_base, strict=True)
                    for j, s in enumerate(p.sites)
                    for code in s.type_codes
                ),
            )
            hubs = [
                base + p.hub if p.hub is not None else None
                for p, base in zip(plans, site_base, strict=True)
            ]
            report.hubs += sum(1 for h in hubs if h is not None)
            report.kawasan += _copy(
                cursor,
                Kawasan,
                ["id", "name", "region", "hub", "is_base", "created_at", "updated_at"],
                (
                    (first_kawasan + i, f"{NAME_PREFIX} {p.name}", p.code, hub, False, now, now)
                    for i, (p, hub) in enumerate(zip(plans, hubs, strict=True))
                ),
            )
            report.memberships += _copy(
                cursor,
                Membership,
                ["kawasan", "site", "added_at"],
                (
                    (first_kawasan + i, base + j, now)
                    for i, (p, base) in enumerate(zip(plans, site_base, strict=True))
                    for j in range(len(p.sites))
                ),
            )
            report.links += _copy(
                cursor,
                SiteLink,
                ["site_a", "site_b", "kind", "start_date", "end_date", "created_at"],
                (
                    (
                        base + a,
                        base + b,
                        kind,
                        today - timedelta(days=start_days),
                        today - timedelta(days=end_days) if end_days is not None else None,
                        now,
                    )
                    for p, base in zip(plans, site_base, strict=True)
                    for a, b, kind, start_days, end_days in p.links
                ),
            )
            t2 = time.monotonic()
            timings["draw"] = timings.get("draw", 0.0) + (t1 - t0)
            timings["copy"] = timings.get("copy", 0.0) + (t2 - t1)
            if progress:
                progress(
                    f"  {start + len(batch)}/{len(kelurahan)} kawasan, {report.sites} situs, "
                    f"{report.links} keterhubungan ({time.monotonic() - started:.0f} s)"
                )
        t3 = time.monotonic()
    # Leaving the atomic block commits: the deferred foreign-key checks run here.
    timings["commit"] = time.monotonic() - t3
    t4 = time.monotonic()
    # Fresh planner statistics: a million new rows would otherwise be planned as none.
    # VACUUM too where it can run (not inside a transaction, e.g. a test's): it sets the
    # visibility map now instead of autovacuum doing it in the middle of a benchmark.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in (Site, through, Kawasan, Membership, SiteLink):
            cursor.execute(f"{command} {_table(model)}")
    timings["vacuum" if command != "ANALYZE" else "analyze"] = time.monotonic() - t4
    report.seconds = time.monotonic() - started
    return report


def scores_checksum(kawasan_qs=None) -> str:
    """md5 of (region code, total) of the synthetic kawasan's stored scores, in code order.

    Ids differ between runs; region codes do not (one synthetic kawasan per kelurahan).
    """
    qs = kawasan_qs if kawasan_qs is not None else synthetic_kawasan()
    digest = hashlib.md5(usedforsecurity=False)
    rows = qs.order_by("region_id").values_list("region_id", "score__total")
    for code, total in rows.iterator(chunk_size=5000):
        digest.update(f"{code}={total};".encode())
    return digest.hexdigest()
