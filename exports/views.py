"""Exports: the rankings and areas downloads, the user's background exports and their files.

Site exports are built from the owner's scope (exports.services); another user's export
does not exist for this one (404).
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import provincial_required
from dashboards import rankings
from sites.filters import SiteFilter
from web.audit import audited_download

from . import queue
from . import services as exports
from .models import Export, ExportFormat, ExportKind


def _download(body: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@audited_download
@require_GET
@provincial_required
def export_rankings(request, fmt):
    if fmt not in exports.FORMATS_BY_KIND[ExportKind.RANKINGS]:
        raise Http404
    params = exports.clean_params(ExportKind.RANKINGS, request.GET)
    table = exports.ranking_table(params)
    return _download(
        exports.table_bytes(table, fmt),
        exports.export_filename(ExportKind.RANKINGS, fmt, params),
        exports.CONTENT_TYPES[fmt],
    )


@audited_download
@require_GET
@provincial_required
def export_areas(request):
    params = exports.clean_params(ExportKind.AREAS, request.GET)
    return _download(
        exports.areas_geojson(params),
        exports.export_filename(ExportKind.AREAS, ExportFormat.GEOJSON, params),
        exports.GEOJSON_CONTENT_TYPE,
    )


@require_http_methods(["GET", "POST"])
def export_list(request):
    """The user's exports, and the form that starts a site-list export in the background."""
    user = request.user
    if not exports.may_export_sites(user):
        raise PermissionDenied
    if request.method == "POST":
        kind = request.POST.get("kind", ExportKind.SITES)
        fmt = request.POST.get("format", ExportFormat.XLSX)
        if kind not in ExportKind.values or fmt not in exports.FORMATS_BY_KIND[kind]:
            raise Http404
        if not exports.may_export(user, kind):
            raise PermissionDenied
        export = queue.export_create(
            user=user, kind=kind, fmt=fmt, params=exports.clean_params(kind, request.POST)
        )
        return redirect(export)
    site_filter = SiteFilter(request.GET or None, request=request)
    ctx = {
        "exports": Export.objects.filter(owner=user)[:20],
        "site_filter": site_filter,
        "may_export_rankings": exports.may_export_rankings(user),
        "levels": rankings.LEVEL_LABELS,
    }
    return render(request, "dashboard/exports.html", ctx)


def _own_export(request, pk) -> Export:
    # Another user's export does not exist for this one.
    return get_object_or_404(Export.objects.filter(owner=request.user), pk=pk)


@require_GET
def export_detail(request, pk):
    return render(request, "dashboard/export_detail.html", {"export": _own_export(request, pk)})


@require_GET
def export_status(request, pk):
    export = _own_export(request, pk)
    return JsonResponse(
        {
            "status": export.status,
            "status_label": export.get_status_display(),
            "progress": export.progress,
            "rows": export.row_count,
            "finished": export.is_finished,
            "error": export.error,
            "download": (
                reverse("kaltara:export_download", args=[export.pk]) if export.file else None
            ),
        }
    )


@audited_download
@require_GET
def export_download(request, pk):
    export = _own_export(request, pk)
    name = export.file.name  # a FieldFile is true when it has a name
    if not name:
        raise Http404(_("Berkas ekspor belum siap."))
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=name.rsplit("/", 1)[-1],
        content_type=exports.CONTENT_TYPES[export.format],
    )
