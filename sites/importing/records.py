"""What the readers produce and the writer reports: plain records, skipped rows, per-file counts."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

MISSING = "missing"
ZERO = "zero"
OUTSIDE = "outside"
DUPLICATE = "duplicate"
UNKNOWN_TYPE = "unknown_type"
FORMER_OFFICE = "former_office"
LAND = "land"
OFFICIAL_HOUSE = "official_house"
NOT_KELURAHAN_OFFICE = "not_kelurahan_office"
SKIP_REASONS = {
    MISSING: gettext_lazy("koordinat kosong"),
    ZERO: gettext_lazy("koordinat nol"),
    OUTSIDE: gettext_lazy("di luar Jakarta"),
    DUPLICATE: gettext_lazy("ID ganda di berkas"),
    UNKNOWN_TYPE: gettext_lazy("jenis layanan tidak dikenal"),
    FORMER_OFFICE: gettext_lazy("bekas kantor"),
    LAND: gettext_lazy("tanah"),
    OFFICIAL_HOUSE: gettext_lazy("rumah dinas"),
    NOT_KELURAHAN_OFFICE: gettext_lazy("bukan kantor kelurahan (camat, wali kota, balai kota)"),
}


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
