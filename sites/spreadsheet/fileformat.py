"""The portal's spreadsheet file: its sheets and columns, its limits, and its cell text.

What is written here is the contract with users' files: the export writes it and the
reader holds an upload to it. Text that a spreadsheet program would run as a formula is
neutralised on the way out and restored on the way back in; exports.services uses the same
neutralise() for its CSV and .xlsx downloads.
"""

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# An xlsx is a zip: a small file can unpack to gigabytes. This bounds what parsing may read.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_DATA_ROWS = 5000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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

# A spreadsheet program treats a cell starting with these as a formula (or DDE command).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
