"""The dry run: what each row of an upload would do, compared with the database. Writes nothing.

A row without an id adds a site, a row with one changes or closes it, an identical row is
left alone. The Plan lists these with every error and warning; only a plan without errors
may be applied (applying.apply_plan), and the confirm plans the stored file afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import selectors
from ..models import OperatingStatus, Site
from .fileformat import COLUMNS, COORD_TOLERANCE, HEADERS
from .reading import Issue, Lookups, Row, RowReader, UploadRejected, parse_row, read_rows

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHANGE_LABELS = {
    "name": gettext_lazy("Nama"),
    "types": gettext_lazy("Jenis layanan"),
    "kelurahan": gettext_lazy("Kelurahan"),
    "location": gettext_lazy("Lokasi"),
    "address": gettext_lazy("Alamat"),
    "contact": gettext_lazy("Kontak"),
    "operating_status": gettext_lazy("Status operasional"),
}


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
    changes: list[tuple[StrOrPromise, str, str]]  # (label, old, new)
    close: bool = False


@dataclass
class Plan:
    """The dry run's answer; errors holds the reader's issues too, sorted by row and column."""

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


def _same_text(a: str, b: str) -> bool:
    return (a or "").strip() == (b or "").strip()


def _check_inside(r: RowReader, row: Row) -> bool:
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


def _plan_add(plan: Plan, r: RowReader, row: Row, user) -> None:
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
    duplicates = selectors.site_likely_duplicates(
        user=user, name=row.name, type_ids=[t.pk for t in row.types], point=row.point
    )
    for dup, dist in duplicates.visible:
        message = _("Mirip situs yang sudah ada: %(name)s (%(d)s m). Pastikan bukan situs ganda.")
        plan.warnings.append(
            Issue(r.row, COLUMNS["name"], message % {"name": dup.name, "d": round(dist)})
        )
    if duplicates.hidden:
        plan.warnings.append(
            Issue(
                r.row,
                COLUMNS["name"],
                _(
                    "Ada situs serupa di dekat titik ini yang tidak dapat ditampilkan. "
                    "Tanyakan kepada camat Anda sebelum menambahkannya."
                ),
            )
        )


def _plan_change(plan: Plan, r: RowReader, row: Row, site: Site) -> None:
    """Plan a row that names an existing site (its row.site, given narrowed by the caller)."""
    data: dict[str, object] = {}
    changes: list[tuple[StrOrPromise, str, str]] = []
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
    # The row's version, now known to equal the site's.
    plan.changes.append(RowChange(r.row, site, site.version, data, changes, close=close))


def plan_upload(user, upload) -> Plan:
    """Read the file and compare it with the database: the dry run. Writes nothing."""
    plan = Plan()
    try:
        rows = list(read_rows(upload, plan.errors))
    except UploadRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet that breaks the parser is unreadable
        raise UploadRejected(
            _("Berkas Excel rusak dan tidak dapat dibaca. Simpan ulang sebagai Excel Workbook.")
        ) from exc
    if not rows and not plan.errors:
        plan.errors.append(Issue(2, "", _("Berkas tidak berisi baris data di bawah baris judul.")))
    look = Lookups.load(user, rows)
    seen_ids: dict[int, int] = {}
    for row_no, cells in rows:
        reader = RowReader(plan.errors, row_no, cells)
        row = parse_row(reader, look, seen_ids)
        if row is None:
            continue
        if row.site is None:
            _plan_add(plan, reader, row, user)
        else:
            _plan_change(plan, reader, row, row.site)
    order = {h: i for i, h in enumerate(HEADERS)}
    plan.errors.sort(key=lambda i: (i.row, order.get(i.column, len(order))))
    return plan
