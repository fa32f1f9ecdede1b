"""Exports: rankings and site lists as CSV or .xlsx, areas with scores as GeoJSON.

Every table is built from its user's scope at the moment it runs: a site list is read
through services.selectors.Site.objects.visible_to(owner), so a lurah's file never holds another
kelurahan's non-public sites. Text cells that a spreadsheet would run as a formula are
neutralised (sites.spreadsheet.fileformat.neutralise) in CSV and .xlsx alike.

Small exports (rankings, areas) are served at once; a site list can hold thousands of rows
and runs as a Celery task that records its progress on the Export row (exports.queue records
the export and enqueues the task; the task calls export_run here, which enqueues nothing).
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import scoping
from accounts.scoping import Right
from dashboards import choropleth, rankings
from scoring.selectors import policy_active
from sites.filters import SiteFilter
from sites.models import Site
from sites.selectors import site_list
from sites.spreadsheet.fileformat import neutralise

from .models import Export, ExportFormat, ExportKind, ExportStatus

logger = logging.getLogger(__name__)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_CONTENT_TYPE = choropleth.GEOJSON_CONTENT_TYPE
# Keyed by the stored value: they are looked up with the strings of an Export row or a request.
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.CSV: CSV_CONTENT_TYPE,
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.GEOJSON: GEOJSON_CONTENT_TYPE,
}
FORMATS_BY_KIND: dict[str, tuple[str, ...]] = {
    ExportKind.SITES: (ExportFormat.XLSX, ExportFormat.CSV),
    ExportKind.RANKINGS: (ExportFormat.XLSX, ExportFormat.CSV),
    ExportKind.AREAS: (ExportFormat.GEOJSON,),
}
PROGRESS_EVERY = 250  # rows between progress updates
EXPORT_DIR = "exports"
EXPORT_TTL = timedelta(days=7)
# A running export older than this was lost with its worker: it may be claimed again.
STALE_RUNNING_AFTER = timedelta(minutes=15)
# Query-string keys kept from a submitted site-list filter.
SITE_FILTER_KEYS: tuple[str, ...] = ("q", "type", "cluster", "sector", "region", "review_state")
SITE_FILTER_KEYS += ("operating_status", "stale")
RANKING_KEYS = ("tingkat", "kota", "predikat", "keyakinan", "urut")


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list]
    count: int


# --- who may export what ---------------------------------------------------------------


def may_export_sites(user) -> bool:
    """Anyone holding a grant to see private work; the content is scoped to that grant."""
    return bool(scoping.grants_with(user, Right.SEE_PRIVATE))


def may_export_rankings(user) -> bool:
    return scoping.is_provincial(user)


def may_export(user, kind: str) -> bool:
    if kind == ExportKind.SITES:
        return may_export_sites(user)
    return may_export_rankings(user)


# --- tables ------------------------------------------------------------------------------


def _level(params: dict) -> str:
    """The level asked for (tingkat), or kelurahan when it is missing or unknown."""
    level = params.get("tingkat")
    return level if isinstance(level, str) and level in rankings.LEVELS else "kelurahan"


def ranking_table(params: dict) -> Table:
    level = _level(params)
    policy = policy_active().as_policy()
    _filterset, rows = rankings.ranking_rows(level, params, policy=policy)
    headers = [
        _("peringkat"),
        _("kode"),
        _("nama"),
        _("skor"),
        _("predikat"),
        _("jumlah kawasan"),
        _("perubahan sejak cuplikan bulanan"),
        _("keyakinan data"),
        _("tanda keyakinan"),
    ]
    body = [
        [
            r.rank,
            r.code,
            r.name,
            r.score,
            r.band if not r.no_kawasan else _("Belum ada kawasan"),
            r.kawasan_count,
            r.change,
            r.confidence,
            str(rankings.CONFIDENCE_LABELS[rankings.confidence_mark(r.confidence)]),
        ]
        for r in rows
    ]
    title = _("Peringkat %(level)s") % {"level": rankings.LEVEL_LABELS[level]}
    return Table(title=str(title), headers=headers, rows=body, count=len(body))


def _site_rows(queryset) -> Iterator[list]:
    for site in queryset.iterator(chunk_size=500):
        types = sorted(site.types.all(), key=lambda t: (t.order, t.name))
        kelurahan = site.kelurahan
        kecamatan = kelurahan.parent if kelurahan else None
        yield [
            site.pk,
            site.name,
            ", ".join(t.name for t in types),
            ", ".join(t.code for t in types),
            kelurahan.code if kelurahan else "",
            kelurahan.name if kelurahan else "",
            kecamatan.name if kecamatan else "",
            round(site.location.y, 7),
            round(site.location.x, 7),
            site.address,
            site.contact,
            site.get_operating_status_display(),
            site.get_review_state_display(),
            timezone.localtime(site.verified_at).strftime("%Y-%m-%d") if site.verified_at else "",
        ]


def site_queryset(user, params: dict):
    """The sites the user may see, narrowed by the site list's filters (its scoped form)."""
    # SiteFilter scopes its region choices to request.user: a stand-in request carries it.
    filterset = SiteFilter(
        {k: v for k, v in params.items() if k in SITE_FILTER_KEYS} or None,
        queryset=Site.objects.visible_to(user),
        request=SimpleNamespace(user=user),
    )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return site_list(qs).order_by("kelurahan_id", "name", "pk")


def site_table(user, params: dict) -> Table:
    qs = site_queryset(user, params)
    headers = [
        "id",
        _("nama"),
        _("jenis layanan"),
        "kode_jenis",
        "kode_kelurahan",
        _("kelurahan"),
        _("kecamatan"),
        "lat",
        "lon",
        _("alamat"),
        _("kontak"),
        _("status operasional"),
        _("status verifikasi"),
        _("terakhir diverifikasi"),
    ]
    return Table(title=_("Situs layanan"), headers=headers, rows=_site_rows(qs), count=qs.count())


# --- writers -----------------------------------------------------------------------------


def _with_progress(table: Table, progress) -> Iterator[list]:
    """The table's rows, calling progress(percent) every PROGRESS_EVERY rows."""
    for i, row in enumerate(table.rows):
        if progress and i and i % PROGRESS_EVERY == 0 and table.count:
            progress(min(99, i * 100 // table.count))
        yield row


def write_csv(table: Table, out, *, progress=None) -> int:
    """Write UTF-8 CSV with a BOM (so spreadsheet programs read the accents right)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([neutralise(str(h)) for h in table.headers])
    n = 0
    for row in _with_progress(table, progress):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
        n += 1
    text.flush()
    text.detach()  # the caller keeps the binary file open
    return n


def write_xlsx(table: Table, out, *, progress=None) -> int:
    wb = Workbook(write_only=True)
    # A sheet title has at most 31 characters and none of []:*?/ or a backslash.
    title = "".join(" " if ch in "[]:*?/\\" else ch for ch in table.title)[:31]
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    ws.append([neutralise(str(h)) for h in table.headers])
    n = 0
    for row in _with_progress(table, progress):
        ws.append([neutralise(v) for v in row])
        n += 1
    wb.save(out)
    return n


def table_bytes(table: Table, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == ExportFormat.CSV:
        write_csv(table, out)
    else:
        write_xlsx(table, out)
    return out.getvalue()


def areas_geojson(params: dict) -> str:
    # The finest kept detail: an export is for GIS work, not for the browser.
    return choropleth.choropleth_geojson(rankings.LEVELS[_level(params)], detail=2)


def export_filename(kind: str, fmt: str, params: dict) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == ExportKind.SITES:
        base = "situs"
    elif kind == ExportKind.RANKINGS:
        base = f"peringkat-{params.get('tingkat') or 'kelurahan'}"
    else:
        base = f"wilayah-skor-{params.get('tingkat') or 'kelurahan'}"
    return f"kaltara-{slugify(base)}-{stamp}.{fmt}"


# --- background exports ------------------------------------------------------------------


def clean_params(kind: str, data) -> dict:
    keys = SITE_FILTER_KEYS if kind == ExportKind.SITES else RANKING_KEYS
    return {k: str(data.get(k)) for k in keys if data.get(k) not in (None, "")}


def _claim(export_id: int) -> Export | None:
    """Take the export for this run; None when it is done or another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        export = (
            Export.objects.select_for_update().select_related("owner").filter(pk=export_id).first()
        )
        if export is None or export.is_finished:
            return None
        if (
            export.status == ExportStatus.RUNNING
            and export.started_at is not None
            and export.started_at > now - STALE_RUNNING_AFTER
        ):
            return None
        export.status = ExportStatus.RUNNING
        export.started_at = now
        export.progress = 0
        export.save(update_fields=["status", "started_at", "progress"])
    return export


def export_progress(export_id: int, percent: int) -> None:
    # An update outside the export's row lock: the status page reads it while it runs.
    Export.objects.filter(pk=export_id).update(progress=percent)


def export_run(export_id: int) -> Export | None:
    """Build the export's file under MEDIA_ROOT/exports/<random>/ and mark it done.

    Idempotent: a redelivered task finds the export done (or running) and does nothing. An
    error marks it failed with a message; the file, if any, is removed.
    """
    export = _claim(export_id)
    if export is None:
        return None

    def progress(percent: int) -> None:
        export_progress(export.pk, percent)

    # A random folder: the file name alone must not be guessable under MEDIA_URL.
    filename = export_filename(export.kind, export.format, export.params)
    name = f"{EXPORT_DIR}/{uuid.uuid4().hex}/{filename}"
    stored = None
    try:
        with tempfile.TemporaryFile() as tmp:
            if export.kind == ExportKind.AREAS:
                tmp.write(areas_geojson(export.params).encode())
                rows = None
            else:
                table = (
                    site_table(export.owner, export.params)
                    if export.kind == ExportKind.SITES
                    else ranking_table(export.params)
                )
                writer = write_csv if export.format == ExportFormat.CSV else write_xlsx
                rows = writer(table, tmp, progress=progress)
            tmp.seek(0)
            stored = default_storage.save(name, File(tmp, name=name))
        export.file.name = stored
        export.row_count = rows or 0
        export.status = ExportStatus.DONE
        export.progress = 100
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "row_count", "status", "progress", "finished_at"])
    except Exception as exc:
        logger.exception("export %s failed", export.pk)
        if stored:
            default_storage.delete(stored)
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:300],
            file="",
            finished_at=timezone.now(),
        )
        export.refresh_from_db()
    return export


def exports_cleanup(*, now=None) -> int:
    """Delete exports (and their files) older than EXPORT_TTL; returns how many."""
    cutoff = (now or timezone.now()) - EXPORT_TTL
    old = list(Export.objects.filter(created__lt=cutoff).only("pk", "file"))
    for export in old:
        # A FieldFile is true exactly when it has a name; testing the name types it as str.
        if export.file.name:
            default_storage.delete(export.file.name)
    Export.objects.filter(pk__in=[e.pk for e in old]).delete()
    return len(old)
