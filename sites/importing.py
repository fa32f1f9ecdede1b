"""Importing the real Jakarta service sites (RPTRA, puskesmas, schools) from the data files.

Two phases, so that a broken file loads nothing:

1. read: every file is parsed into plain records; a structural error (a missing column, a
   text where a coordinate belongs, an unreadable file) raises ImportDataError naming the
   file and row. Rows that are well-formed but cannot be placed are *skipped* with a reason.
2. write (sites_write): the records are placed in a kelurahan by point-in-polygon against
   the loaded boundaries, in Python with GEOS prepared geometries (one query for all 267
   polygons), and upserted by (source, source_id) with bulk writes.

Decisions on the defects listed in the data README:

- no coordinates (RPTRA row 641 "Taman Apel", schools): skipped, reason "missing".
- zero coordinates (schools, a 0 in either axis): skipped, reason "zero".
- outside every kelurahan: the boundaries are simplified, so a point up to
  PLACEMENT_TOLERANCE_M outside is placed in the nearest kelurahan and says so in its
  source note; further out it is skipped, reason "outside".
- the same source id twice in one file: the second row is skipped, reason "duplicate".
- RPTRA pairs sharing identical coordinates (31/234, 45/143, ...): both are imported,
  because they are different RPTRA (other names, addresses, areas) and only one of the two
  points is a copy error, unknown which; each carries "koordinat sama dengan OBJECTID n"
  in its source note so the lurah can correct the location. Schools sharing a point are
  normal (several schools in one building) and are not flagged.
- LUAS is not imported, so its implausible values do not matter.
- spelling differences (WADMKD/WADMKC, Kemkes abbreviations): kelurahan come from the
  point, not from names; the Kemkes join normalises names (see puskesmas_name_key).

Sites the portal has taken over (edited by a user, or past the "registered" state) are never
overwritten by a re-import: they are counted as "kept".
"""

import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.models import Level, Region

from .models import OperatingStatus, ReviewState, ServiceType, Site, SiteChange

RPTRA_CSV = "rptra_jakartasatu_geoportal.csv"
PUSKESMAS_GEOJSON = "jakarta_puskesmas_points.geojson"
KEMKES_CSV = "puskesmas_kemkes_jakarta.csv"
SCHOOLS_CSV = "jakarta_sekolah_kemendikbud_2019.csv"

SOURCE_RPTRA = "jakartasatu-rptra"
SOURCE_PUSKESMAS = "jakartasatu-puskesmas"
SOURCE_SCHOOLS = "kemendikbud-2019"

SCHOOL_TYPES = {
    "SD": "sd",
    "SMP": "smp",
    "SMA": "sma",
    "SMK": "smk",
    "SLB": "slb",
    "SDLB": "slb",
    "SMPLB": "slb",
    "SMLB": "slb",
}

# The kelurahan polygons are simplified (README); schools a few tens of metres past the
# provincial edge are really in the border kelurahan. Beyond this they are left out.
PLACEMENT_TOLERANCE_M = 100
# Metres per degree near the equator: good to about 1% at Jakarta's latitude (6 degrees S),
# which is plenty to compare with the tolerance.
_M_PER_DEG = 111_320
_COORD_TOLERANCE = 1e-7  # the sources keep 7 decimals at most
_GRID_DEG = 0.02  # cell size of the point-in-polygon grid index (about 2 km)

MISSING = "missing"
ZERO = "zero"
OUTSIDE = "outside"
DUPLICATE = "duplicate"
UNKNOWN_TYPE = "unknown_type"
SKIP_REASONS = {
    MISSING: gettext_lazy("koordinat kosong"),
    ZERO: gettext_lazy("koordinat nol"),
    OUTSIDE: gettext_lazy("di luar Jakarta"),
    DUPLICATE: gettext_lazy("ID ganda di berkas"),
    UNKNOWN_TYPE: gettext_lazy("jenis layanan tidak dikenal"),
}

# The fields an import owns; everything else on a site (contact, status, review) is the portal's.
IMPORTED_FIELDS = ["name", "address", "kelurahan", "location", "source_note"]


class ImportDataError(Exception):
    """A data file cannot be imported; the message names the file, row and problem."""


@dataclass
class SiteRecord:
    source: str
    source_id: str
    name: str
    type_code: str
    address: str
    lon: float
    lat: float
    row: int
    notes: list[str] = field(default_factory=list)
    kelurahan: str | None = None  # set when placed

    def __post_init__(self):
        # Cut to the model's lengths here, so a re-run compares like with like.
        self.name, self.address = self.name[:200], self.address[:300]

    @property
    def source_note(self) -> str:
        return "; ".join(self.notes)[:300]


@dataclass
class SkippedRow:
    file: str
    row: int
    source_id: str
    name: str
    reason: str

    @property
    def reason_label(self) -> str:
        return str(SKIP_REASONS.get(self.reason, self.reason))


@dataclass
class FileImport:
    """One file's records and, after writing, what happened to them."""

    file: str
    source: str
    read: int = 0
    records: list[SiteRecord] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)

    def skip(self, row: int, source_id: str, name: str, reason: str) -> None:
        self.skipped.append(SkippedRow(self.file, row, source_id, name, reason))

    @property
    def skipped_counts(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped))


# ---------------------------------------------------------------------------- reading


def _where(filename: str, row: int | str) -> str:
    return _("%(file)s baris %(row)s") % {"file": filename, "row": row}


def _coordinate(value, where: str, column: str) -> float | None:
    """A coordinate cell: None when empty, a float otherwise; text is a broken file."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer past float
        number = math.nan
    if not math.isfinite(number):
        raise ImportDataError(
            _("%(where)s: kolom %(column)s berisi '%(value)s', bukan angka koordinat")
            % {"where": where, "column": column, "value": value}
        )
    return number


def _coordinates_check(fi: FileImport, row, source_id, name, lon, lat) -> bool:
    """False (and the row skipped) when the row has no usable point."""
    if lon is None or lat is None:
        fi.skip(row, source_id, name, MISSING)
        return False
    if lon == 0 or lat == 0:
        fi.skip(row, source_id, name, ZERO)
        return False
    return True


def _csv_rows(path: Path, required: set[str], **reader_kwargs):
    """(line number, row dict) for each data row; checks the header first."""
    if not path.exists():
        raise ImportDataError(_("Berkas tidak ditemukan: %(path)s") % {"path": path})
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, **reader_kwargs)
            missing = required - set(reader.fieldnames or [])
            if missing:
                raise ImportDataError(
                    _("%(file)s baris 1: kolom hilang: %(cols)s. Periksa judul kolom berkas.")
                    % {"file": path.name, "cols": ", ".join(sorted(missing))}
                )
            # The reader's line_num counts physical lines, right for quoted newlines too.
            for rec in reader:
                yield reader.line_num, rec
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportDataError(f"{path.name}: {exc}") from exc


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _seen_check(fi: FileImport, seen: set[str], row, source_id, name, where=None) -> bool:
    """False (and the row skipped) when the source id was seen before in this file."""
    if not source_id:
        raise ImportDataError(
            _("%(where)s: ID kosong; setiap baris perlu ID sumber")
            % {"where": where or _where(fi.file, row)}
        )
    if source_id in seen:
        fi.skip(row, source_id, name, DUPLICATE)
        return False
    seen.add(source_id)
    return True


def rptra_read(path: Path) -> FileImport:
    fi = FileImport(file=path.name, source=SOURCE_RPTRA)
    seen: set[str] = set()
    required = {"OBJECTID", "NAMA_RPTRA", "ALAMAT", "X", "Y"}
    for row, rec in _csv_rows(path, required):
        fi.read += 1
        source_id = _clean(rec["OBJECTID"])
        raw_name = _clean(rec["NAMA_RPTRA"])
        if not raw_name:
            raise ImportDataError(
                _("%(where)s: NAMA_RPTRA kosong") % {"where": _where(fi.file, row)}
            )
        name = raw_name if raw_name.upper().startswith("RPTRA") else f"RPTRA {raw_name}"
        lon = _coordinate(rec["X"], _where(fi.file, row), "X")
        lat = _coordinate(rec["Y"], _where(fi.file, row), "Y")
        if not _seen_check(fi, seen, row, source_id, name):
            continue
        if not _coordinates_check(fi, row, source_id, name, lon, lat):
            continue
        fi.records.append(
            SiteRecord(SOURCE_RPTRA, source_id, name, "rptra", _clean(rec["ALAMAT"]), lon, lat, row)
        )
    _flag_shared_points(fi, "OBJECTID")
    return fi


def _flag_shared_points(fi: FileImport, id_label: str) -> None:
    by_point = defaultdict(list)
    for record in fi.records:
        by_point[(record.lon, record.lat)].append(record)
    for group in by_point.values():
        if len(group) < 2:
            continue
        for record in group:
            others = ", ".join(r.source_id for r in group if r is not record)
            record.notes.append(
                _("koordinat sama dengan %(label)s %(ids)s: periksa lokasi")
                % {"label": id_label, "ids": others}
            )


_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "ll": "ii", "lll": "iii"}
_ROMAN_WORDS = {"i", "ii", "iii", "iv"}
_ABBREVIATIONS = [
    (r"\bkel\b\.?", "kelurahan "),
    (r"\bkec\b\.?", "kecamatan "),
    (r"\bkep\b\.?", "kepulauan "),
    (r"\bp\.\s*kusuma\b", "perdana kusuma"),
    (r"\bp\.\s*", "pulau "),
    (r"\btmr\b\.?", "timur "),
    (r"\bsel\b\.?", "selatan "),
    (r"\butr\b\.?", "utara "),
    (r"\bbrt\b\.?", "barat "),
]


def _name_words(name: str) -> list[str]:
    key = name.lower()
    key = key.split(",")[0]  # ", Kec. Pancoran, Jakarta Selatan" and similar trailers
    key = re.sub(r"\(.*?\)", " ", key)  # "( PKC BARU )"
    key = key.split(" / ")[0]  # "Gandaria Utara I / PLT"
    for pattern, replacement in _ABBREVIATIONS:
        key = re.sub(pattern, replacement, key)
    return [_ROMAN.get(w, w) for w in re.findall(r"[a-z0-9]+", key)]


def puskesmas_name_key(name: str) -> str:
    """A join key for puskesmas names across the two sources.

    'Puskesmas Kelurahan Kalibata I, Kec. Pancoran, Jakarta Selatan' and
    'PUSKESMAS KELURAHAN KALIBATA 1' both give 'puskesmaskelurahankalibatai'.
    """
    return "".join(_name_words(name))


def puskesmas_loose_key(name: str) -> str:
    """The key without roman numerals: 'Kamal' ~ 'KAMAL 1', 'Penggilingan Elok' ~ 'I ELOK'."""
    return "".join(w for w in _name_words(name) if w not in _ROMAN_WORDS)


def _display_roman(name: str) -> str:
    # "Klender ll" in the points file is a typo for the roman numeral.
    return re.sub(r"\b(l{2,3})\b", lambda m: "I" * len(m.group(1)), name)


def kemkes_read(path: Path) -> dict[str, str]:
    """Kemkes unit name -> kode_instansi."""
    codes = {}
    for row, rec in _csv_rows(path, {"kode_instansi", "unit_kerja"}):
        code, unit = _clean(rec["kode_instansi"]), _clean(rec["unit_kerja"])
        if not code or not unit:
            raise ImportDataError(
                _("%(where)s: kode_instansi atau unit_kerja kosong")
                % {"where": _where(path.name, row)}
            )
        codes[unit] = code
    return codes


def kemkes_join(records: list[SiteRecord], kemkes: dict[str, str]) -> int:
    """Note the Kemkes code on each record whose name matches; returns how many matched.

    Exact normalised names first; then, for what is left on both sides, names that agree
    without their roman numerals, only where that pairing is one to one.
    """
    by_key = {puskesmas_name_key(unit): code for unit, code in kemkes.items()}
    codes: dict[int, str] = {}
    for i, record in enumerate(records):
        code = by_key.get(puskesmas_name_key(record.name))
        if code:
            codes[i] = code
    used = set(codes.values())
    left_units = defaultdict(list)
    for unit, code in kemkes.items():
        if code not in used:
            left_units[puskesmas_loose_key(unit)].append(code)
    left_records = defaultdict(list)
    for i, record in enumerate(records):
        if i not in codes:
            left_records[puskesmas_loose_key(record.name)].append(i)
    for key, indexes in left_records.items():
        if len(indexes) == 1 and len(left_units.get(key, ())) == 1:
            codes[indexes[0]] = left_units[key][0]
    for i, code in codes.items():
        records[i].notes.append(_("kode Kemkes %(code)s") % {"code": code})
    return len(codes)


def puskesmas_read(path: Path, kemkes_path: Path | None = None) -> FileImport:
    fi = FileImport(file=path.name, source=SOURCE_PUSKESMAS)
    kemkes = kemkes_read(kemkes_path) if kemkes_path is not None else {}
    if not path.exists():
        raise ImportDataError(_("Berkas tidak ditemukan: %(path)s") % {"path": path})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ImportDataError(
            _("%(file)s: bukan GeoJSON yang sah: %(err)s") % {"file": path.name, "err": exc}
        ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportDataError(_("%(file)s: tidak ada FeatureCollection") % {"file": path.name})
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        fi.read += 1
        where = _("%(file)s fitur %(n)s") % {"file": fi.file, "n": number}
        # A feature or its properties of another JSON type read as empty: the NAMOBJ check
        # below then names the feature.
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        source_id = _clean(props.get("OBJECTID"))
        name = _display_roman(_clean(props.get("NAMOBJ")))
        if not name:
            raise ImportDataError(_("%(where)s: NAMOBJ kosong") % {"where": where})
        geometry = feature.get("geometry")
        lon = lat = None
        if geometry is not None:
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                raise ImportDataError(
                    _("%(where)s: geometri harus Point [bujur, lintang]") % {"where": where}
                )
            lon = _coordinate(coords[0], where, "coordinates[0]")
            lat = _coordinate(coords[1], where, "coordinates[1]")
        if not _seen_check(fi, seen, number, source_id, name, where):
            continue
        if not _coordinates_check(fi, number, source_id, name, lon, lat):
            continue
        fi.records.append(
            SiteRecord(SOURCE_PUSKESMAS, source_id, name, "puskesmas", "", lon, lat, number)
        )
    fi.extra["kemkes_joined"] = kemkes_join(fi.records, kemkes)
    return fi


def schools_read(path: Path) -> FileImport:
    fi = FileImport(file=path.name, source=SOURCE_SCHOOLS)
    seen: set[str] = set()
    required = {"npsn", "sekolah", "bentuk", "alamat_jalan", "lintang", "bujur"}
    for row, rec in _csv_rows(path, required):
        fi.read += 1
        source_id = _clean(rec["npsn"])
        name = _clean(rec["sekolah"])
        if not name:
            raise ImportDataError(
                _("%(where)s: nama sekolah kosong") % {"where": _where(fi.file, row)}
            )
        lat = _coordinate(rec["lintang"], _where(fi.file, row), "lintang")
        lon = _coordinate(rec["bujur"], _where(fi.file, row), "bujur")
        if not _seen_check(fi, seen, row, source_id, name):
            continue
        type_code = SCHOOL_TYPES.get(_clean(rec["bentuk"]).upper())
        if type_code is None:
            fi.skip(row, source_id, name, UNKNOWN_TYPE)
            continue
        if not _coordinates_check(fi, row, source_id, name, lon, lat):
            continue
        fi.records.append(
            SiteRecord(
                SOURCE_SCHOOLS,
                source_id,
                name,
                type_code,
                _clean(rec["alamat_jalan"]),
                lon,
                lat,
                row,
            )
        )
    return fi


def files_read(data_dir: Path) -> list[FileImport]:
    """Read all three sources; raises ImportDataError before anything is written."""
    data_dir = Path(data_dir)
    return [
        rptra_read(data_dir / RPTRA_CSV),
        puskesmas_read(data_dir / PUSKESMAS_GEOJSON, data_dir / KEMKES_CSV),
        schools_read(data_dir / SCHOOLS_CSV),
    ]


# ---------------------------------------------------------------------------- placing


class KelurahanIndex:
    """Point-in-polygon over all kelurahan, in memory: one query, prepared geometries, a grid."""

    def __init__(self, regions: Iterable[Region]):
        self.polygons = []  # (code, name, geometry, prepared)
        self.grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for region in sorted(regions, key=lambda r: r.code):
            if region.boundary is None:
                continue
            index = len(self.polygons)
            self.polygons.append(
                (region.code, region.name, region.boundary, region.boundary.prepared)
            )
            # Registered in every cell its extent (plus the tolerance) touches.
            pad = PLACEMENT_TOLERANCE_M / _M_PER_DEG
            xmin, ymin, xmax, ymax = region.boundary.extent
            for ix in range(self._cell(xmin - pad), self._cell(xmax + pad) + 1):
                for iy in range(self._cell(ymin - pad), self._cell(ymax + pad) + 1):
                    self.grid[(ix, iy)].append(index)

    @classmethod
    def from_db(cls) -> "KelurahanIndex":
        regions = Region.objects.filter(level=Level.KELURAHAN).only("code", "name", "boundary")
        return cls(regions)

    @staticmethod
    def _cell(value: float) -> int:
        return math.floor(value / _GRID_DEG)

    def __len__(self):
        return len(self.polygons)

    def locate(self, lon: float, lat: float) -> tuple[str, float] | None:
        """(kelurahan code, metres outside it) or None when no kelurahan is near enough.

        A point on a shared edge goes to the lowest code, like regions.selectors.kelurahan_at.
        """
        candidates = self.grid.get((self._cell(lon), self._cell(lat)), ())
        if not candidates:
            return None
        point = Point(lon, lat, srid=4326)
        for index in candidates:
            if self.polygons[index][3].covers(point):
                return self.polygons[index][0], 0.0
        nearest = min(
            ((self.polygons[i][2].distance(point) * _M_PER_DEG, i) for i in candidates),
            default=None,
        )
        if nearest is None or nearest[0] > PLACEMENT_TOLERANCE_M:
            return None
        return self.polygons[nearest[1]][0], nearest[0]


def records_place(fi: FileImport, index: KelurahanIndex) -> None:
    """Give each record its kelurahan; records outside every kelurahan become skipped rows."""
    placed = []
    for record in fi.records:
        found = index.locate(record.lon, record.lat)
        if found is None:
            fi.skip(record.row, record.source_id, record.name, OUTSIDE)
            continue
        record.kelurahan, metres = found
        if metres:
            record.notes.append(
                _("%(m)s m di luar batas kelurahan (batas disederhanakan); periksa lokasi")
                % {"m": round(metres)}
            )
        placed.append(record)
    fi.records = placed


# ---------------------------------------------------------------------------- writing


def _is_taken_over(site: Site) -> bool:
    """True once the portal owns the site: a user edited it, or it entered the review flow."""
    return site.updated_by_id is not None or site.review_state != ReviewState.REGISTERED


def _record_changes(site: Site, record: SiteRecord) -> dict[str, list[str]]:
    changes = {}
    for attr, new in (
        ("name", record.name),
        ("address", record.address),
        ("kelurahan_id", record.kelurahan),
        ("source_note", record.source_note),
    ):
        old = getattr(site, attr)
        if old != new:
            changes[attr.removesuffix("_id")] = [old, new]
    if site.location is None or not site.location.equals_exact(
        Point(record.lon, record.lat, srid=4326), tolerance=_COORD_TOLERANCE
    ):
        old = site.location.wkt if site.location is not None else ""
        changes["location"] = [old, Point(record.lon, record.lat).wkt]
    return changes


def file_write(fi: FileImport, types_by_code: dict[str, ServiceType], *, batch_size=500) -> None:
    """Upsert one file's placed records by (source, source_id), with bulk writes."""
    now = timezone.now()
    reason = _("Impor dari %(file)s") % {"file": fi.file}
    existing = {
        site.source_id: site
        for site in Site.objects.filter(source=fi.source).only(
            "pk",
            "source_id",
            "name",
            "address",
            "kelurahan_id",
            "location",
            "source_note",
            "review_state",
            "updated_by_id",
            "version",
        )
    }
    Through = Site.types.through
    site_types = set(
        Through.objects.filter(site__source=fi.source).values_list("site_id", "servicetype_id")
    )
    to_create, to_update, updated_changes, through_rows = [], [], [], []
    for record in fi.records:
        type_id = types_by_code[record.type_code].pk
        site = existing.get(record.source_id)
        if site is None:
            to_create.append(
                Site(
                    name=record.name,
                    kelurahan_id=record.kelurahan,
                    location=Point(record.lon, record.lat, srid=4326),
                    address=record.address,
                    operating_status=OperatingStatus.OPEN,
                    review_state=ReviewState.REGISTERED,
                    source=record.source,
                    source_id=record.source_id,
                    source_note=record.source_note,
                )
            )
            continue
        if _is_taken_over(site):
            fi.kept += 1
            continue
        changes = _record_changes(site, record)
        if (site.pk, type_id) not in site_types:
            through_rows.append(Through(site_id=site.pk, servicetype_id=type_id))
            changes["types"] = ["", record.type_code]
        if not changes:
            fi.unchanged += 1
            continue
        site.name, site.address = record.name, record.address
        site.kelurahan_id, site.source_note = record.kelurahan, record.source_note
        site.location = Point(record.lon, record.lat, srid=4326)
        # A form opened before the import must not silently overwrite it (optimistic locking).
        site.version += 1
        site.updated_at = now
        to_update.append(site)
        updated_changes.append((site, {k: [str(a), str(b)] for k, (a, b) in changes.items()}))

    created = Site.objects.bulk_create(to_create, batch_size=batch_size)
    if created and created[0].pk is None:  # a backend that does not return keys
        ids = dict(
            Site.objects.filter(
                source=fi.source, source_id__in=[s.source_id for s in created]
            ).values_list("source_id", "pk")
        )
        for site in created:
            site.pk = ids[site.source_id]
    record_by_id = {r.source_id: r for r in fi.records}
    through_rows += [
        Through(
            site_id=site.pk, servicetype_id=types_by_code[record_by_id[site.source_id].type_code].pk
        )
        for site in created
    ]
    Through.objects.bulk_create(through_rows, batch_size=batch_size)
    Site.objects.bulk_update(
        to_update,
        ["name", "address", "kelurahan", "location", "source_note", "version", "updated_at"],
        batch_size=batch_size,
    )
    SiteChange.objects.bulk_create(
        [SiteChange(site=site, action="import_create", reason=reason) for site in created]
        + [
            SiteChange(site=site, action="import_update", changes=changes, reason=reason)
            for site, changes in updated_changes
        ],
        batch_size=batch_size,
    )
    fi.created, fi.updated = len(created), len(to_update)
    fi.created_ids = [site.pk for site in created]
    fi.updated_ids = [site.pk for site in to_update]


def service_types_for_import() -> dict[str, ServiceType]:
    codes = {"rptra", "puskesmas", *SCHOOL_TYPES.values()}
    types = ServiceType.objects.in_bulk(list(codes), field_name="code")
    missing = codes - set(types)
    if missing:
        raise ImportDataError(
            _("Jenis layanan belum ada: %(codes)s. Jalankan migrate terlebih dahulu.")
            % {"codes": ", ".join(sorted(missing))}
        )
    return types


@transaction.atomic
def sites_write(files: list[FileImport], index: KelurahanIndex | None = None) -> list[FileImport]:
    """Place and upsert the records of every file, in one transaction."""
    index = index or KelurahanIndex.from_db()
    if not len(index):
        raise ImportDataError(
            _("Belum ada batas kelurahan di basis data. Jalankan load_regions terlebih dahulu.")
        )
    types_by_code = service_types_for_import()
    for fi in files:
        records_place(fi, index)
        file_write(fi, types_by_code)
    return files


def sites_import(data_dir: Path) -> list[FileImport]:
    """Read every file, then write them all; a broken file raises and nothing is written."""
    return sites_write(files_read(data_dir))
