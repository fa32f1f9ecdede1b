"""Reading an upload: the checks on the file as a whole, the parse, each row checked and typed.

A file is refused (UploadRejected) before a parser touches it unless it is a small, genuine
xlsx. Then every cell problem becomes an Issue naming its row and column, so the dry run can
list them all; a row with any Issue gives no Row.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from accounts import scoping
from accounts.scoping import Right
from regions.models import Level, Region

from .. import selectors
from ..models import OperatingStatus, ServiceType, Site
from .fileformat import (
    COLUMNS,
    HEADERS,
    MAX_DATA_ROWS,
    MAX_LENGTHS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_ZIP_ENTRIES,
    SHEET_SITES,
    _unneutralise,
)

_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


class UploadRejected(Exception):
    """The file as a whole is refused (size, type, not a readable workbook)."""


def territory_kelurahan(user):
    """The kelurahan where the user may keep sites (their CHANGE territory).

    The reader accepts these codes and the export's Kode sheet lists them: one query for both,
    so the codes offered are the codes accepted.
    """
    return (
        Region.objects.filter(scoping.region_q(user, Right.CHANGE, region_field="code"))
        .filter(level=Level.KELURAHAN)
        .only("code", "name")
        .order_by("code")
    )


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
            # Every member decompressed once, with its checksum (the size is bounded above):
            # a damaged one is refused here, not halfway through reading the rows.
            if zf.testzip() is not None:
                raise zipfile.BadZipFile("checksum")
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error, EOFError) as exc:
        raise UploadRejected(
            _("Berkas rusak dan tidak dapat dibaca. Unduh ulang dan coba lagi.")
        ) from exc
    finally:
        upload.seek(0)


# ---- rows ----


@dataclass(frozen=True)
class Issue:
    """One problem in the file, at a cell, a whole row (column "") or the header (row 1)."""

    row: int
    column: str  # the header name, or "" for the whole row
    message: str

    @property
    def column_letter(self) -> str:
        if self.column in HEADERS:
            return get_column_letter(HEADERS.index(self.column) + 1)
        return ""


def _status_lookup() -> dict[str, str]:
    lookup = {}
    for status in OperatingStatus:
        lookup[status.value] = status.value
        lookup[str(status.label).casefold()] = status.value
    return lookup


class RowReader:
    """Turns one row's cells into typed values, recording an Issue per bad cell."""

    def __init__(self, errors: list[Issue], row_no: int, cells: dict[str, object]):
        self.errors = errors
        self.row = row_no
        self.cells = cells
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.errors.append(Issue(self.row, COLUMNS.get(key, key), message))
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


def read_rows(upload, errors: list[Issue]):
    """Yield (row number, {column key: value}) for each non-empty data row; header issues
    go to errors. Formula cells are errors here, before any value is interpreted."""
    try:
        wb = load_workbook(upload, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise UploadRejected(
            _("Berkas Excel tidak dapat dibaca. Simpan ulang sebagai Excel Workbook (.xlsx).")
        ) from exc
    try:
        ws = wb[SHEET_SITES] if SHEET_SITES in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows()
        positions = _header_positions(next(rows, ()), errors)
        if errors:
            return
        count = 0
        for row_no, row in enumerate(rows, start=2):
            cells = _row_cells(row_no, row, positions, errors)
            if cells is None or all(v is None for v in cells.values()):
                continue
            count += 1
            if count > MAX_DATA_ROWS:
                errors.append(
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


def _header_positions(header, errors: list[Issue]) -> dict[str, int]:
    """{column key: cell index} from the header row; unknown, doubled and missing columns
    go to errors."""
    positions: dict[str, int] = {}
    by_header = {v: k for k, v in COLUMNS.items()}
    for index, cell in enumerate(header):
        name = str(cell.value).strip().lower() if cell.value is not None else ""
        if not name:
            continue
        letter = get_column_letter(index + 1)
        key = by_header.get(name)
        if key is None:
            errors.append(
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
            errors.append(Issue(1, name, _("Kolom '%(name)s' muncul dua kali.") % {"name": name}))
        else:
            positions[key] = index
    for key, header_name in COLUMNS.items():
        if key not in positions:
            errors.append(
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
    return positions


def _row_cells(
    row_no: int, row, positions: dict[str, int], errors: list[Issue]
) -> dict[str, object] | None:
    """{column key: value} of one data row (blank text as None), or None when a cell holds
    a formula: each such cell is an error, and the row is not read further."""
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
            errors.append(
                Issue(
                    row_no,
                    COLUMNS[key],
                    _("Berisi rumus (formula); isi nilainya saja, tanpa '='."),
                )
            )
            formula = True
            value = None
        cells[key] = value
    return None if formula else cells


@dataclass
class Lookups:
    """Everything the rows are checked against, read in a fixed number of queries."""

    types: dict[str, ServiceType]  # lower-case code -> type
    statuses: dict[str, str]
    sites: dict[int, Site]  # the user's changeable sites named in the file
    kelurahan: dict[str, Region]  # kelurahan named in the file, with boundaries
    territory: set[str]  # of those, the ones the user may change

    @classmethod
    def load(cls, user, rows) -> Lookups:
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
class Row:
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


def parse_row(r: RowReader, look: Lookups, seen_ids: dict[int, int]) -> Row | None:
    """The row's typed values, or None when a cell is wrong (the RowReader recorded why)."""
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
    # A row without errors has its kelurahan and both coordinates (each is required).
    if not r.ok or kel is None or lat is None or lon is None:
        return None
    return Row(site, name, types, kel, lat, lon, address, contact, status, version)
