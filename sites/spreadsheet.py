"""The Excel round trip: export the sites a user keeps, read an edited file back, apply it.

The file is untrusted input. It is checked in layers before anything is parsed: size,
extension, that it really is an xlsx (a zip holding the spreadsheet content type, with a
bounded unpacked size), then every row. Nothing is written until the user confirms a dry
run without errors, and the apply is one transaction through the site write functions,
so history and signals happen exactly as for a form and any failure changes nothing.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from accounts import scoping
from accounts.scoping import Right
from regions.models import Level, Region

from . import selectors
from . import services as site_services
from .models import OperatingStatus, ServiceType, Site

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# An xlsx is a zip: a small file can unpack to gigabytes. This bounds what parsing may read.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_DATA_ROWS = 5000
UPLOAD_DIR = "uploads/spreadsheet"
UPLOAD_TTL = timedelta(hours=24)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Coordinates are written with 7 decimals (about 1 cm); a spreadsheet program may round
# the last digit, which is not a move.
COORD_DECIMALS = 7
COORD_TOLERANCE = 5e-7

SHEET_SITES = "Situs"
SHEET_CODES = "Kode"

# Column key -> header as written in row 1. The keys are the contract with users' files.
COLUMNS = {
    "id": "id",
    "name": "nama",
    "types": "kode_jenis",
    "kelurahan": "kode_kelurahan",
    "lat": "lat",
    "lon": "lon",
    "address": "alamat",
    "contact": "kontak",
    "operating_status": "status_operasional",
    "version": "versi",
}
HEADERS = list(COLUMNS.values())
MAX_LENGTHS = {"name": 200, "address": 300, "contact": 200}
CHANGE_LABELS = {
    "name": gettext_lazy("Nama"),
    "types": gettext_lazy("Jenis layanan"),
    "kelurahan": gettext_lazy("Kelurahan"),
    "location": gettext_lazy("Lokasi"),
    "address": gettext_lazy("Alamat"),
    "contact": gettext_lazy("Kontak"),
    "operating_status": gettext_lazy("Status operasional"),
}

# A spreadsheet program treats a cell starting with these as a formula (or DDE command).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UploadRejected(Exception):
    """The file as a whole is refused (size, type, not a readable workbook)."""


# ---- export ----


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _unneutralise(value: str) -> str:
    # The inverse of neutralise(), so an exported "-" or "+62…" comes back unchanged.
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def territory_kelurahan(user):
    """The kelurahan where the user may keep sites (their CHANGE territory)."""
    return (
        Region.objects.filter(scoping.region_q(user, Right.CHANGE, region_field="code"))
        .filter(level=Level.KELURAHAN)
        .only("code", "name")
        .order_by("code")
    )


def export_sites(user):
    return (
        selectors.Site.objects.editable_by(user)
        .select_related("kelurahan")
        .defer("kelurahan__boundary")
        .prefetch_related("types")
        .order_by("kelurahan_id", "name", "pk")
    )


def site_row(site: Site) -> list:
    return [
        site.pk,
        site.name,
        ", ".join(sorted(t.code for t in site.types.all())),
        site.kelurahan_id,
        round(site.location.y, COORD_DECIMALS),
        round(site.location.x, COORD_DECIMALS),
        site.address,
        site.contact,
        site.operating_status,
        site.version,
    ]


def export_workbook(user) -> bytes:
    """The user's sites, one row each, and a sheet of the codes they may use."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_SITES)
    for letter, width in zip("ABCDEFGHIJ", (8, 40, 24, 16, 12, 12, 40, 24, 20, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append(HEADERS)
    for site in export_sites(user).iterator(chunk_size=500):
        ws.append([neutralise(v) for v in site_row(site)])

    codes = wb.create_sheet(SHEET_CODES)
    for letter, width in zip("ABDEGH", (22, 40, 16, 32, 20, 20), strict=True):
        codes.column_dimensions[letter].width = width
    types = [(t.code, t.name) for t in ServiceType.objects.order_by("order", "code")]
    kelurahan = [(k.code, k.name) for k in territory_kelurahan(user)]
    statuses = [(s.value, str(s.label)) for s in OperatingStatus]
    codes.append(
        [
            "kode_jenis",
            _("jenis layanan"),
            None,
            "kode_kelurahan",
            _("kelurahan"),
            None,
            "status_operasional",
            _("arti"),
        ]
    )
    for i in range(max(len(types), len(kelurahan), len(statuses))):
        row = []
        for pairs in (types, kelurahan, statuses):
            row += list(pairs[i]) if i < len(pairs) else [None, None]
            row.append(None)
        codes.append([neutralise(v) for v in row[:-1]])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- upload checks ----


def check_upload(upload) -> None:
    """Refuse anything that is not a small, genuine xlsx, before a parser touches it."""
    name = (upload.name or "").lower()
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadRejected(
            _("Berkas terlalu besar (%(size)s KB); batasnya %(max)s KB. Unggah hanya lembar Situs.")
            % {"size": upload.size // 1024, "max": MAX_UPLOAD_BYTES // 1024}
        )
    if not name.endswith(".xlsx"):
        raise UploadRejected(
            _("Berkas harus berformat Excel .xlsx. Simpan ulang sebagai Excel Workbook (.xlsx).")
        )
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise UploadRejected(
            _(
                "Isi berkas bukan Excel .xlsx walau namanya .xlsx (mungkin CSV atau berkas "
                "lain yang diganti namanya). Simpan ulang sebagai Excel Workbook (.xlsx)."
            )
        )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise UploadRejected(
                    _("Isi berkas terlalu besar untuk dibaca. Unggah berkas Excel biasa.")
                )
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or _XLSX_MAIN not in zf.read(
                "[Content_Types].xml"
            ):
                raise UploadRejected(
                    _(
                        "Berkas ini bukan buku kerja Excel .xlsx. "
                        "Gunakan berkas hasil unduhan portal."
                    )
                )
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise UploadRejected(
            _("Berkas rusak dan tidak dapat dibaca. Unduh ulang dan coba lagi.")
        ) from exc
    finally:
        upload.seek(0)


# ---- the plan ----


@dataclass(frozen=True)
class Issue:
    row: int
    column: str  # the header name, or "" for the whole row
    message: str

    @property
    def column_letter(self) -> str:
        if self.column in HEADERS:
            return get_column_letter(HEADERS.index(self.column) + 1)
        return ""


@dataclass
class RowAdd:
    row: int
    data: dict  # for site_create
    display: dict  # field label -> value, for the dry run


@dataclass
class RowChange:
    row: int
    site: Site
    version: int
    data: dict  # changed fields for site_update (without a close)
    changes: list[tuple[str, str, str]]  # (label, old, new)
    close: bool = False


@dataclass
class Plan:
    adds: list[RowAdd] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    unchanged: int = 0

    @property
    def updates(self) -> list[RowChange]:
        return [c for c in self.changes if not c.close]

    @property
    def closes(self) -> list[RowChange]:
        return [c for c in self.changes if c.close]

    @property
    def is_empty(self) -> bool:
        return not self.adds and not self.changes

    @property
    def can_apply(self) -> bool:
        return not self.errors and not self.is_empty


def _status_lookup() -> dict[str, str]:
    lookup = {}
    for status in OperatingStatus:
        lookup[status.value] = status.value
        lookup[str(status.label).casefold()] = status.value
    return lookup


class _RowReader:
    """Turns one row's cells into typed values, recording an Issue per bad cell."""

    def __init__(self, plan: Plan, row_no: int, cells: dict[str, object]):
        self.plan = plan
        self.row = row_no
        self.cells = cells
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.plan.errors.append(Issue(self.row, COLUMNS.get(key, key), message))
        self.ok = False

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.cells.get(key)
        if value is None:
            value = ""
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, _("Isi sel harus teks."))
            return ""
        elif isinstance(value, float) and value.is_integer():
            value = str(int(value))
        value = _unneutralise(str(value)).strip()
        if required and not value:
            self.error(key, _("Wajib diisi."))
        limit = MAX_LENGTHS.get(key)
        if limit and len(value) > limit:
            self.error(
                key,
                _("Terlalu panjang (%(n)s karakter); paling banyak %(max)s.")
                % {"n": len(value), "max": limit},
            )
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.cells.get(key)
        if value is None or value == "":
            self.error(key, _("Wajib diisi dengan angka desimal, mis. -6.2251."))
            return None
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str):
            try:
                # Indonesian spreadsheets often use a decimal comma.
                value = float(value.strip().replace(",", "."))
            except ValueError:
                value = None
        if not isinstance(value, int | float):
            self.error(
                key,
                _("Harus berupa angka, bukan teks (%(value)s). Isi angka desimal, mis. -6.2251.")
                % {"value": str(self.cells.get(key))[:40]},
            )
            return None
        if not low <= value <= high:
            self.error(
                key,
                _("Angka di luar rentang %(low)s sampai %(high)s.") % {"low": low, "high": high},
            )
            return None
        return float(value)

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.cells.get(key)
        if value is None:
            if required:
                self.error(
                    key, _("Wajib diisi untuk situs yang sudah ada: salin dari berkas unduhan.")
                )
            return None
        number = _as_int(value)
        if number is None:
            self.error(key, _("Harus berupa bilangan bulat positif."))
        return number


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value >= 1 else None


def _read_rows(upload, plan: Plan):
    """Yield (row number, {column key: value}) for each non-empty data row; header issues
    go to the plan. Formula cells are errors here, before any value is interpreted."""
    try:
        wb = load_workbook(upload, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise UploadRejected(
            _("Berkas Excel tidak dapat dibaca. Simpan ulang sebagai Excel Workbook (.xlsx).")
        ) from exc
    try:
        ws = wb[SHEET_SITES] if SHEET_SITES in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows()
        header = next(rows, ())
        positions: dict[str, int] = {}
        by_header = {v: k for k, v in COLUMNS.items()}
        for index, cell in enumerate(header):
            name = str(cell.value).strip().lower() if cell.value is not None else ""
            if not name:
                continue
            letter = get_column_letter(index + 1)
            key = by_header.get(name)
            if key is None:
                plan.errors.append(
                    Issue(
                        1,
                        name,
                        _(
                            "Kolom %(letter)s '%(name)s' tidak dikenal. Hapus kolom itu atau "
                            "gunakan judul kolom dari berkas unduhan."
                        )
                        % {"letter": letter, "name": name},
                    )
                )
            elif key in positions:
                plan.errors.append(
                    Issue(1, name, _("Kolom '%(name)s' muncul dua kali.") % {"name": name})
                )
            else:
                positions[key] = index
        for key, header_name in COLUMNS.items():
            if key not in positions:
                plan.errors.append(
                    Issue(
                        1,
                        header_name,
                        _(
                            "Kolom '%(name)s' tidak ada di baris judul. Tambahkan "
                            "kolom itu atau unduh ulang berkasnya."
                        )
                        % {"name": header_name},
                    )
                )
        if plan.errors:
            return
        count = 0
        for row_no, row in enumerate(rows, start=2):
            cells: dict[str, object] = {}
            formula = False
            for key, index in positions.items():
                cell = row[index] if index < len(row) else None
                value = getattr(cell, "value", None)
                if isinstance(value, str) and not value.strip():
                    value = None
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.lstrip().startswith("=")
                ):
                    plan.errors.append(
                        Issue(
                            row_no,
                            COLUMNS[key],
                            _("Berisi rumus (formula); isi nilainya saja, tanpa '='."),
                        )
                    )
                    formula = True
                    value = None
                cells[key] = value
            if formula:
                continue
            if all(v is None for v in cells.values()):
                continue
            count += 1
            if count > MAX_DATA_ROWS:
                plan.errors.append(
                    Issue(
                        row_no,
                        "",
                        _("Paling banyak %(max)s baris per unggahan. Bagi berkasnya.")
                        % {"max": MAX_DATA_ROWS},
                    )
                )
                return
            yield row_no, cells
    finally:
        wb.close()


def _same_text(a: str, b: str) -> bool:
    return (a or "").strip() == (b or "").strip()


@dataclass
class _Lookups:
    """Everything the rows are checked against, read in a fixed number of queries."""

    types: dict[str, ServiceType]  # lower-case code -> type
    statuses: dict[str, str]
    sites: dict[int, Site]  # the user's changeable sites named in the file
    kelurahan: dict[str, Region]  # kelurahan named in the file, with boundaries
    territory: set[str]  # of those, the ones the user may change

    @classmethod
    def load(cls, user, rows) -> _Lookups:
        ids = {_as_int(c["id"]) for _, c in rows if c.get("id") is not None} - {None}
        codes = {str(c["kelurahan"]).strip() for _, c in rows if c.get("kelurahan") is not None}
        sites = (
            selectors.Site.objects.editable_by(user)
            .filter(pk__in=ids)
            .select_related("kelurahan")
            .defer("kelurahan__boundary")
            .prefetch_related("types")
        )
        return cls(
            types={t.code.lower(): t for t in ServiceType.objects.all()},
            statuses=_status_lookup(),
            sites={s.pk: s for s in sites},
            kelurahan={
                r.code: r for r in Region.objects.filter(code__in=codes, level=Level.KELURAHAN)
            },
            territory=set(
                territory_kelurahan(user).filter(code__in=codes).values_list("code", flat=True)
            ),
        )


@dataclass
class _Row:
    site: Site | None
    name: str
    types: list[ServiceType]
    kelurahan: Region
    lat: float
    lon: float
    address: str
    contact: str
    status: str | None
    version: int | None

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4326)


def _parse_row(r: _RowReader, look: _Lookups, seen_ids: dict[int, int]) -> _Row | None:
    """The row's typed values, or None when a cell is wrong (the issues are in the plan)."""
    site_id = r.integer("id")
    site = None
    if site_id is not None:
        if site_id in seen_ids:
            r.error(
                "id",
                _("Situs id %(id)s sudah ada di baris %(row)s; satu situs satu baris.")
                % {"id": site_id, "row": seen_ids[site_id]},
            )
            return None
        seen_ids[site_id] = r.row
        site = look.sites.get(site_id)
        if site is None:
            # The same answer whether the id exists elsewhere or not at all.
            r.error(
                "id",
                _(
                    "Situs id %(id)s tidak ada di wilayah tugas Anda. Hapus baris ini "
                    "atau kosongkan id untuk situs baru."
                )
                % {"id": site_id},
            )
            return None
    name = r.text("name", required=True)
    types = []
    for code in [c.strip() for c in r.text("types", required=True).split(",") if c.strip()]:
        service_type = look.types.get(code.lower())
        if service_type is None:
            r.error(
                "types",
                _("Kode jenis '%(code)s' tidak ada di katalog. Lihat lembar Kode.")
                % {"code": code},
            )
        elif service_type not in types:
            types.append(service_type)
    kel_code = r.text("kelurahan", required=True)
    kel = look.kelurahan.get(kel_code)
    if kel_code and kel is None:
        r.error(
            "kelurahan",
            _("Kode kelurahan '%(code)s' tidak dikenal. Lihat lembar Kode.") % {"code": kel_code},
        )
    elif kel is not None and kel.code not in look.territory:
        r.error(
            "kelurahan",
            _("Kelurahan %(name)s (%(code)s) di luar wilayah tugas Anda.")
            % {"name": kel.name, "code": kel.code},
        )
    lat = r.number("lat", -90, 90)
    lon = r.number("lon", -180, 180)
    address = r.text("address")
    contact = r.text("contact")
    status_text = r.text("operating_status")
    status = look.statuses.get(status_text.casefold()) if status_text else None
    if status_text and status is None:
        r.error(
            "operating_status",
            _("Status '%(value)s' tidak dikenal; isi open, temporarily_closed atau closed.")
            % {"value": status_text},
        )
    version = r.integer("version", required=True) if site is not None else None
    if not r.ok:
        return None
    return _Row(site, name, types, kel, lat, lon, address, contact, status, version)


def _check_inside(r: _RowReader, row: _Row) -> bool:
    if row.kelurahan.boundary and row.kelurahan.boundary.intersects(row.point):
        return True
    r.error(
        "lat",
        _(
            "Titik (%(lat)s, %(lon)s) berada di luar Kelurahan %(name)s. "
            "Periksa lat/lon atau kode_kelurahan."
        )
        % {"lat": row.lat, "lon": row.lon, "name": row.kelurahan.name},
    )
    return False


def _plan_add(plan: Plan, r: _RowReader, row: _Row) -> None:
    status = row.status or OperatingStatus.OPEN
    if status == OperatingStatus.CLOSED:
        r.error("operating_status", _("Situs baru tidak bisa langsung berstatus tutup."))
        return
    if not _check_inside(r, row):
        return
    data = {
        "name": row.name,
        "types": row.types,
        "location": row.point,
        "address": row.address,
        "contact": row.contact,
        "operating_status": status,
    }
    display = {
        "name": row.name,
        "types": ", ".join(t.name for t in row.types),
        "kelurahan": row.kelurahan.name,
        "location": f"{row.lat:.6f}, {row.lon:.6f}",
    }
    plan.adds.append(RowAdd(r.row, data, display))
    for dup, dist in selectors.site_likely_duplicates(
        name=row.name, type_ids=[t.pk for t in row.types], point=row.point
    ):
        message = _("Mirip situs yang sudah ada: %(name)s (%(d)s m). Pastikan bukan situs ganda.")
        plan.warnings.append(
            Issue(r.row, COLUMNS["name"], message % {"name": dup.name, "d": round(dist)})
        )


def _plan_change(plan: Plan, r: _RowReader, row: _Row) -> None:
    site = row.site
    data, changes = {}, []
    if not _same_text(row.name, site.name):
        data["name"] = row.name
        changes.append((CHANGE_LABELS["name"], site.name, row.name))
    current_types = list(site.types.all())
    if {t.pk for t in row.types} != {t.pk for t in current_types}:
        data["types"] = row.types
        old = ", ".join(sorted(t.name for t in current_types))
        changes.append((CHANGE_LABELS["types"], old, ", ".join(sorted(t.name for t in row.types))))
    moved = (
        abs(site.location.y - row.lat) > COORD_TOLERANCE
        or abs(site.location.x - row.lon) > COORD_TOLERANCE
    )
    if moved or row.kelurahan.code != site.kelurahan_id:
        # Only a moved point is checked against its kelurahan: an untouched row keeps its
        # place even where simplified boundaries and the real point disagree by metres.
        if not _check_inside(r, row):
            return
        data["location"] = row.point
        old = f"{site.location.y:.6f}, {site.location.x:.6f}"
        changes.append((CHANGE_LABELS["location"], old, f"{row.lat:.6f}, {row.lon:.6f}"))
        if row.kelurahan.code != site.kelurahan_id:
            changes.append((CHANGE_LABELS["kelurahan"], site.kelurahan.name, row.kelurahan.name))
    for key, new in (("address", row.address), ("contact", row.contact)):
        if not _same_text(new, getattr(site, key)):
            data[key] = new
            changes.append((CHANGE_LABELS[key], getattr(site, key), new))
    status = row.status or site.operating_status
    close = status == OperatingStatus.CLOSED and site.operating_status != OperatingStatus.CLOSED
    if status != site.operating_status:
        if not close:
            data["operating_status"] = status
        old = str(OperatingStatus(site.operating_status).label)
        changes.append((CHANGE_LABELS["operating_status"], old, str(OperatingStatus(status).label)))
    if not changes:
        plan.unchanged += 1
        return
    # A row that differs from the database while its version is old would undo someone
    # else's save: refused. An old but identical row changes nothing and passes.
    if row.version != site.version:
        r.error(
            "version",
            _(
                "Situs %(name)s sudah diubah orang lain sejak berkas diunduh (versi %(old)s, "
                "kini %(new)s). Unduh ulang berkasnya lalu ulangi perubahan baris ini."
            )
            % {"name": site.name, "old": row.version, "new": site.version},
        )
        return
    plan.changes.append(RowChange(r.row, site, row.version, data, changes, close=close))


def plan_upload(user, upload) -> Plan:
    """Read the file and compare it with the database: the dry run. Writes nothing."""
    plan = Plan()
    try:
        rows = list(_read_rows(upload, plan))
    except UploadRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet that breaks the parser is unreadable
        raise UploadRejected(
            _("Berkas Excel rusak dan tidak dapat dibaca. Simpan ulang sebagai Excel Workbook.")
        ) from exc
    if not rows and not plan.errors:
        plan.errors.append(Issue(2, "", _("Berkas tidak berisi baris data di bawah baris judul.")))
    look = _Lookups.load(user, rows)
    seen_ids: dict[int, int] = {}
    for row_no, cells in rows:
        reader = _RowReader(plan, row_no, cells)
        row = _parse_row(reader, look, seen_ids)
        if row is None:
            continue
        if row.site is None:
            _plan_add(plan, reader, row)
        else:
            _plan_change(plan, reader, row)
    order = {h: i for i, h in enumerate(HEADERS)}
    plan.errors.sort(key=lambda i: (i.row, order.get(i.column, len(order))))
    return plan


# ---- the apply ----


class ApplyFailed(Exception):
    def __init__(self, issue: Issue):
        self.issue = issue
        super().__init__(issue.message)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def apply_plan(user, plan: Plan) -> dict[str, int]:
    """Write the plan in one transaction through the site write functions.

    Any refusal (someone saved a site meanwhile, a right withdrawn) rolls everything
    back and raises ApplyFailed naming the row.
    """
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    with transaction.atomic():
        for change in plan.changes:
            try:
                site, version = change.site, change.version
                if change.data:
                    site = site_services.site_update(
                        user=user,
                        site=site,
                        version=version,
                        data={
                            **change.data,
                            "confirm_duplicate": True,
                            "reason": _("Diubah lewat unggahan Excel (baris %(row)s).")
                            % {"row": change.row},
                        },
                    )
                    version = site.version
                if change.close:
                    site_services.site_close(
                        user=user,
                        site=site,
                        version=version,
                        reason=_("Ditutup lewat unggahan Excel (baris %(row)s).")
                        % {"row": change.row},
                    )
            except site_services.StaleEdit as exc:
                raise ApplyFailed(
                    Issue(
                        change.row,
                        COLUMNS["version"],
                        _("Situs %(name)s baru saja diubah orang lain. Unduh ulang berkasnya.")
                        % {"name": exc.site.name},
                    )
                ) from exc
            except (ValidationError, PermissionDenied) as exc:
                raise ApplyFailed(Issue(change.row, "", _message(exc))) from exc
        for add in plan.adds:
            try:
                site_services.site_create(user=user, data={**add.data, "confirm_duplicate": True})
            except (ValidationError, PermissionDenied) as exc:
                raise ApplyFailed(Issue(add.row, "", _message(exc))) from exc
    return {"added": len(plan.adds), "changed": len(plan.updates), "closed": len(plan.closes)}


# ---- the uploaded file between dry run and confirm ----


def _upload_path(user, token: uuid.UUID) -> str:
    # The user's id is part of the path: another user's token names no file of theirs.
    return f"{UPLOAD_DIR}/{user.pk}/{token}.xlsx"


def upload_store(user, upload) -> uuid.UUID:
    upload_cleanup(user)
    token = uuid.uuid4()
    upload.seek(0)
    default_storage.save(_upload_path(user, token), upload)
    return token


def upload_open(user, token: uuid.UUID):
    """The stored file, or None when it does not exist (anymore) for this user."""
    path = _upload_path(user, token)
    if not default_storage.exists(path):
        return None
    try:
        if timezone.now() - default_storage.get_modified_time(path) > UPLOAD_TTL:
            default_storage.delete(path)
            return None
    except NotImplementedError:
        pass
    with default_storage.open(path, "rb") as fh:
        return io.BytesIO(fh.read())


def upload_delete(user, token: uuid.UUID) -> None:
    default_storage.delete(_upload_path(user, token))


def upload_cleanup(user) -> None:
    """Drop this user's dry runs that were never confirmed."""
    folder = f"{UPLOAD_DIR}/{user.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    cutoff = timezone.now() - UPLOAD_TTL
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
