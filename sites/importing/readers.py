"""Reading the sources: RPTRA CSV, puskesmas GeoJSON with the Kemkes list, schools CSV, and the
Jakarta Satu kelurahan offices and hospitals (GeoJSON, KUGI schema like the puskesmas).

Each reader returns a FileImport of plain records, or raises ImportDataError naming the file
and row; nothing here touches the database.
"""

import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

from django.utils.translation import gettext as _

from .records import (
    DUPLICATE,
    FORMER_OFFICE,
    LAND,
    MISSING,
    NOT_KELURAHAN_OFFICE,
    OFFICIAL_HOUSE,
    UNKNOWN_TYPE,
    ZERO,
    FileImport,
    ImportDataError,
    SiteRecord,
)

RPTRA_CSV = "rptra_jakartasatu_geoportal.csv"
PUSKESMAS_GEOJSON = "jakarta_puskesmas_points.geojson"
KEMKES_CSV = "puskesmas_kemkes_jakarta.csv"
SCHOOLS_CSV = "jakarta_sekolah_kemendikbud_2019.csv"
OFFICES_GEOJSON = "jakarta_kantor_pemerintahan_points.geojson"
HOSPITALS_GEOJSON = "jakarta_rumahsakit_points.geojson"

SOURCE_RPTRA = "jakartasatu-rptra"
SOURCE_PUSKESMAS = "jakartasatu-puskesmas"
SOURCE_SCHOOLS = "kemendikbud-2019"
SOURCE_OFFICES = "jakartasatu-pemerintahan"
SOURCE_HOSPITALS = "jakartasatu-rumahsakit"

# A current kelurahan office is a birth-certificate service point (the Satpel Dukcapil serves
# there): the catalogue's type that the policy expects in cluster I.
OFFICE_TYPE = "akta-kelahiran"
HOSPITAL_TYPE = "rumah-sakit"
# Hospital classes (REMARK) listed first as referral partners of a puskesmas.
REFERRAL_FIRST_CLASSES = ("RSIA", "RSUD")

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


def _usable_point(
    fi: FileImport, row, source_id, name, lon: float | None, lat: float | None
) -> tuple[float, float] | None:
    """(lon, lat), or None (and the row skipped) when the row has no usable point."""
    if lon is None or lat is None:
        fi.skip(row, source_id, name, MISSING)
        return None
    if lon == 0 or lat == 0:
        fi.skip(row, source_id, name, ZERO)
        return None
    return lon, lat


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
        point = _usable_point(fi, row, source_id, name, lon, lat)
        if point is None:
            continue
        lon, lat = point
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


def _geojson_points(path: Path, fi: FileImport):
    """(feature number, where, properties, cleaned NAMOBJ, lon, lat) for each feature of a
    KUGI point FeatureCollection; lon/lat are None without a geometry. Counts fi.read."""
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
    for number, feature in enumerate(features, start=1):
        fi.read += 1
        where = _("%(file)s fitur %(n)s") % {"file": fi.file, "n": number}
        # A feature or its properties of another JSON type read as empty: the NAMOBJ check
        # below then names the feature.
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        name = _clean(props.get("NAMOBJ"))
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
        yield number, where, props, name, lon, lat


def puskesmas_read(path: Path, kemkes_path: Path | None = None) -> FileImport:
    fi = FileImport(file=path.name, source=SOURCE_PUSKESMAS)
    kemkes = kemkes_read(kemkes_path) if kemkes_path is not None else {}
    seen: set[str] = set()
    for number, where, props, raw_name, lon, lat in _geojson_points(path, fi):
        source_id = _clean(props.get("OBJECTID"))
        name = _display_roman(raw_name)
        if not _seen_check(fi, seen, number, source_id, name, where):
            continue
        point = _usable_point(fi, number, source_id, name, lon, lat)
        if point is None:
            continue
        lon, lat = point
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
        point = _usable_point(fi, row, source_id, name, lon, lat)
        if point is None:
            continue
        lon, lat = point
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


# The office file is an asset register (data README): its names say what each row is.
_OFFICE_SKIPS = [
    (re.compile(r"\bRUMAH (DINAS|NEGARA)\b"), OFFICIAL_HOUSE),  # "RUMAH DINAS LURAH"
    (re.compile(r"^TANAH\b"), LAND),  # "TANAH EX KANTOR LURAH ...", not "... TANAH TINGGI"
    (
        re.compile(r"^(GEDUNG )?(EX|EKS)\b|\bYANG LAMA$"),
        FORMER_OFFICE,
    ),  # "EX-", "EKS.", "... YANG LAMA"
]
_KELURAHAN_OFFICE = re.compile(r"\bLURAH\b")
_OFFICE_COMPOUND = re.compile(r"^(KAWASAN|KOMPLEKS)\b")
_OFFICE_MISSPELT = re.compile(r"^(KNTOR|KANTO)\b")  # "KNTOR LURAH", "KANTO LURAH"


def office_skip_reason(name: str) -> str | None:
    """Why an office row is not a current kelurahan office, or None when it is one.

    Former offices, office land and official houses are left out, and so are the kecamatan
    and walikota offices and Balai Kota (no "LURAH" in the name). "KAWASAN/KOMPLEKS KANTOR
    LURAH X" and "GEDUNG KANTOR LURAH" are kept: each is the only office point of the
    kelurahan it lies in (in Glodok and Kampung Bali the other point is the former office).
    """
    upper = name.upper()
    for pattern, reason in _OFFICE_SKIPS:
        if pattern.search(upper):
            return reason
    return None if _KELURAHAN_OFFICE.search(upper) else NOT_KELURAHAN_OFFICE


def offices_read(path: Path) -> FileImport:
    """The current kelurahan offices, as birth-certificate service points (registered)."""
    fi = FileImport(file=path.name, source=SOURCE_OFFICES)
    seen: set[str] = set()
    for number, where, props, raw_name, lon, lat in _geojson_points(path, fi):
        source_id = _clean(props.get("OBJECTID"))
        name = _OFFICE_MISSPELT.sub("KANTOR", raw_name)
        if not _seen_check(fi, seen, number, source_id, name, where):
            continue
        reason = office_skip_reason(name)
        if reason is not None:
            fi.skip(number, source_id, name, reason)
            continue
        point = _usable_point(fi, number, source_id, name, lon, lat)
        if point is None:
            continue
        lon, lat = point
        record = SiteRecord(
            SOURCE_OFFICES,
            source_id,
            name,
            OFFICE_TYPE,
            _clean(props.get("REMARK")),
            lon,
            lat,
            number,
        )
        record.notes.append(
            _(
                "kantor kelurahan: layanan akta kelahiran (Satpel Dukcapil) menunggu konfirmasi "
                "petugas Dukcapil"
            )
        )
        if name != raw_name:
            record.notes.append(_("nama di sumber: %(name)s") % {"name": raw_name})
        if _OFFICE_COMPOUND.search(name.upper()):
            record.notes.append(_("tercatat sebagai kawasan/kompleks kantor: periksa lokasi"))
        fi.records.append(record)
    _flag_shared_names(fi)
    _flag_shared_points(fi, "OBJECTID")
    return fi


def _flag_shared_names(fi: FileImport) -> None:
    # "KANTOR LURAH HARAPAN MULYA" twice, about 100 m apart: one may be an old office.
    by_name = defaultdict(list)
    for record in fi.records:
        by_name[record.name.upper()].append(record)
    for group in by_name.values():
        if len(group) < 2:
            continue
        for record in group:
            others = ", ".join(r.source_id for r in group if r is not record)
            record.notes.append(
                _("nama sama dengan OBJECTID %(ids)s: periksa mana yang masih berlaku")
                % {"ids": others}
            )


def hospital_class_note(hospital_class: str) -> str:
    """The first source note of an imported hospital. Not translated: sites.selectors reads
    it back to list RSIA and RSUD first as referral partners."""
    return f"kelas {hospital_class}"


def hospitals_read(path: Path) -> FileImport:
    """The hospitals, with their class (REMARK: RSU, RSUD, RS Khusus, RSIA) in the note."""
    fi = FileImport(file=path.name, source=SOURCE_HOSPITALS)
    seen: set[str] = set()
    fi.extra["referral_first"] = 0
    for number, where, props, name, lon, lat in _geojson_points(path, fi):
        source_id = _clean(props.get("OBJECTID"))
        if not _seen_check(fi, seen, number, source_id, name, where):
            continue
        point = _usable_point(fi, number, source_id, name, lon, lat)
        if point is None:
            continue
        lon, lat = point
        record = SiteRecord(
            SOURCE_HOSPITALS,
            source_id,
            name,
            HOSPITAL_TYPE,
            _clean(props.get("RSALAMAT")),
            lon,
            lat,
            number,
        )
        hospital_class = _clean(props.get("REMARK"))
        if hospital_class:
            record.notes.append(hospital_class_note(hospital_class))
        if hospital_class in REFERRAL_FIRST_CLASSES:
            fi.extra["referral_first"] += 1
        fi.records.append(record)
    # RSAB and RSJP Harapan Kita share a point, as do RS Jiwa Soeharto Heerdjan and RS
    # Marinir Cilandak (a copy error: Cilandak is 15 km south): both imported, both flagged.
    _flag_shared_points(fi, "OBJECTID")
    return fi


def files_read(data_dir: Path) -> list[FileImport]:
    """Read every source; raises ImportDataError before anything is written."""
    data_dir = Path(data_dir)
    return [
        rptra_read(data_dir / RPTRA_CSV),
        puskesmas_read(data_dir / PUSKESMAS_GEOJSON, data_dir / KEMKES_CSV),
        schools_read(data_dir / SCHOOLS_CSV),
        offices_read(data_dir / OFFICES_GEOJSON),
        hospitals_read(data_dir / HOSPITALS_GEOJSON),
    ]
