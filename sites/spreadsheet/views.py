"""The Excel round trip: download, upload for a dry run, confirm to apply."""

import logging

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from web.audit import audited_download
from web.validators import CleanTextMixin

from .. import selectors
from . import applying, exporting, planning, reading, uploads
from .fileformat import HEADERS, XLSX_CONTENT_TYPE

logger = logging.getLogger(__name__)


class UploadForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas Excel (.xlsx)"),
        help_text=gettext_lazy("Paling besar 2 MB, dari tombol Unduh di atas."),
    )


def _require_change_right(user) -> None:
    # No object to be out of scope of: without a territory to change, the answer is 403.
    if not selectors.user_may_create_sites(user):
        raise PermissionDenied


@audited_download
@require_GET
def spreadsheet_export(request):
    _require_change_right(request.user)
    body = exporting.export_workbook(request.user)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="situs-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def spreadsheet_upload(request):
    _require_change_right(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            reading.check_upload(upload)
            plan = planning.plan_upload(request.user, upload)
        except reading.UploadRejected as exc:
            form.add_error("file", str(exc))
        else:
            token = uploads.upload_store(request.user, upload) if plan.can_apply else None
            return _dry_run(request, plan, token)
    return render(request, "services/spreadsheet_upload.html", {"form": form})


def _dry_run(request, plan, token, status=200):
    ctx = {"plan": plan, "token": token, "headers": HEADERS}
    return render(request, "services/spreadsheet_dry_run.html", ctx, status=status)


def _stored_plan(request, token):
    upload = uploads.upload_open(request.user, token)
    if upload is None:
        raise Http404
    # The file is read again against the database as it is now: the plan applied is the
    # plan a dry run would show at this moment, never a stale copy.
    try:
        return planning.plan_upload(request.user, upload)
    except reading.UploadRejected as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def spreadsheet_confirm(request, token):
    _require_change_right(request.user)
    if request.method == "GET":
        plan = _stored_plan(request, token)
        return _dry_run(request, plan, token if plan.can_apply else None)
    # A double click or a second tab must not add the new sites twice: one confirm at a
    # time per file (cache.add is atomic on Redis and in memory), and the file is read only
    # after the claim, so a confirm that waited finds it gone.
    claim = f"spreadsheet-confirm:{request.user.pk}:{token}"
    try:
        claimed = cache.add(claim, 1, timeout=600)
    except Exception:
        # Without the cache the double-confirm guard cannot hold: apply nothing, keep the file.
        logger.exception("Cache unreachable: spreadsheet confirm postponed")
        messages.error(
            request, _("Berkas belum dapat diterapkan saat ini; coba lagi sebentar lagi.")
        )
        return redirect("spreadsheet:confirm", token=token)
    if not claimed:
        messages.warning(request, _("Berkas ini sedang diterapkan. Tunggu sebentar."))
        return redirect("spreadsheet:upload")
    try:
        return _confirm(request, token)
    finally:
        try:
            cache.delete(claim)
        except Exception:
            # The claim expires by itself after its timeout.
            logger.exception("Cache unreachable: spreadsheet confirm claim left to expire")


def _confirm(request, token):
    plan = _stored_plan(request, token)
    if not plan.can_apply:
        return _dry_run(request, plan, None, status=409)
    try:
        counts = applying.apply_plan(request.user, plan)
    except applying.ApplyFailed as exc:
        plan.errors.append(exc.issue)
        return _dry_run(request, plan, None, status=409)
    uploads.upload_delete(request.user, token)
    messages.success(
        request,
        _("Perubahan diterapkan: %(added)s situs baru, %(changed)s diubah, %(closed)s ditutup.")
        % counts,
    )
    return redirect("spreadsheet:upload")
