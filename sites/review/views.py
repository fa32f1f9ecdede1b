"""Review pages: checklist, submit, the officer's queue, verify/return, pending changes, stale
sites. Each view starts with the access check: objects come through the scoped selectors
(out of scope: 404), and acting needs the right (CHANGE to submit, REVIEW to decide: else 403).
"""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from web.returning import return_path
from web.validators import parse_id

from .. import selectors as site_selectors
from ..editing import StaleEdit
from ..forms import ApproveForm, BulkVerifyForm, ChecklistForm, ReturnForm, VerifyForm, VersionForm
from ..models import (
    PendingChange,
    PendingChangeState,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    ServiceType,
    SiteDocument,
)
from . import checklists, freshness, pending, queue, selectors, transitions

QUEUE_PAGE_SIZE = 100


def _visible_site(request, pk):
    return get_object_or_404(
        site_selectors.Site.objects.visible_to(request.user)
        .select_related("kelurahan")
        .defer("kelurahan__boundary")
        .prefetch_related(Prefetch("types", queryset=ServiceType.objects.select_related("sector"))),
        pk=pk,
    )


def _reviewable_site(request, pk):
    site = _visible_site(request, pk)
    if not selectors.site_may_review(request.user, site):
        raise PermissionDenied(
            _("Hanya petugas suku dinas sektor situs ini di kotanya yang dapat meninjaunya.")
        )
    return site


def _changeable_site(request, pk):
    site = _visible_site(request, pk)
    if not site_selectors.site_may_change(request.user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    return site


def _errors(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc))


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)  # an ErrorList yields its messages' text


def site_review_context(request, site, may_change: bool) -> dict:
    """What the site page shows about the review: state, actions, open change, history.

    Review events exist only once a site has been submitted, and no step leads back to
    draft or registered, so such a site costs no query for them.
    """
    user = request.user
    events = []
    if site.review_state not in (ReviewState.DRAFT, ReviewState.REGISTERED):
        events = selectors.review_events_visible(user, site)
    pending = None
    # An open change is private work: shown to those who may see the site's drafts.
    if site.review_state == ReviewState.VERIFIED and selectors.site_may_see_pending(user, site):
        pending = selectors.pending_change_open(site)
    may_review = selectors.site_may_review(user, site)
    returned = next(
        (e for e in events if e.action == ReviewAction.RETURNED),
        None,
    )
    due = (
        site.verified_at + timedelta(days=freshness.freshness_days())
        if site.review_state == ReviewState.VERIFIED and site.verified_at
        else None
    )
    version_form = VersionForm(initial={"version": site.version}, auto_id=False)
    return {
        "review_events": events,
        "pending": pending,
        "may_review": may_review,
        "may_submit": may_change
        and site.review_state in transitions.TRANSITIONS[ReviewAction.SUBMITTED].sources,
        "may_request_reverify": may_change
        and site.review_state == ReviewState.VERIFIED
        and pending is None,
        "return_reason": returned
        if site.review_state == ReviewState.RETURNED and returned
        else None,
        "fresh_due": due,
        "is_stale": due is not None and due < timezone.now(),
        "version_form": version_form,
        "live_documents": [d for d in site.documents.all() if d.pending_change_id is None],
        # A next step's way back to its score, carried by the review buttons' forms.
        "kembali": return_path(request),
    }


# ---- the lurah: checklist and submit ----


@require_http_methods(["GET", "POST"])
def checklist_edit(request, pk):
    site = _changeable_site(request, pk)
    items = selectors.checklist_items(site)
    answers = {a.item_id: (a.answer, a.note) for a in site.checklist_answers.all()}
    pending = (
        selectors.pending_change_open(site) if site.review_state == ReviewState.VERIFIED else None
    )
    answers.update(selectors.proposed_checklist(pending))
    form = ChecklistForm(
        request.POST or None, items=items, answers=answers, initial={"version": site.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = checklists.checklist_save(
                user=request.user,
                site=site,
                answers=form.answers(),
                version=form.cleaned_data["version"],
            )
            if request.POST.get("ajukan") and change is None:
                site.refresh_from_db()
                transitions.site_submit(user=request.user, site=site, version=site.version)
                messages.success(
                    request,
                    _("Daftar periksa disimpan dan situs diajukan ke suku dinas."),
                )
                return redirect(return_path(request) or site)
        except StaleEdit:
            messages.error(
                request,
                _("Situs ini diubah orang lain sejak halaman dibuka. Periksa lagi isiannya."),
            )
            return redirect("services:checklist_edit", pk=site.pk)
        except (ValidationError, transitions.ReviewConflict) as exc:
            _errors(request, exc)
            return redirect(site)
        if change is not None:
            messages.success(
                request,
                _("Perubahan daftar periksa diajukan ke suku dinas; berlaku setelah disetujui."),
            )
            return redirect(change)
        messages.success(request, _("Daftar periksa disimpan."))
        return redirect(site)
    return render(
        request,
        "services/review_checklist.html",
        {"site": site, "form": form, "pending": pending},
    )


@require_POST
def site_submit(request, pk):
    site = _changeable_site(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Formulir tidak lengkap. Muat ulang halaman."))
        return redirect(site)
    try:
        transitions.site_submit(user=request.user, site=site, version=form.cleaned_data["version"])
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Situs %(name)s diajukan ke suku dinas.") % {"name": site.name})
        return redirect(return_path(request) or site)
    return redirect(site)


@require_POST
def site_reverify_request(request, pk):
    """The lurah says the verified data is still right and asks for a re-verification."""
    site = _changeable_site(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Formulir tidak lengkap. Muat ulang halaman."))
        return redirect(site)
    try:
        change = pending.pending_change_propose(
            user=request.user, site=site, version=form.cleaned_data["version"], reverify=True
        )
    except StaleEdit:
        messages.error(request, _("Situs ini diubah orang lain sejak halaman dibuka."))
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Permintaan verifikasi ulang dikirim ke suku dinas."))
        # A re-verify request is itself a change, so one is open (the site as a fallback).
        return redirect(return_path(request) or change or site)
    return redirect(site)


# ---- the officer: queue, verify, return, re-verify ----


@require_GET
def review_queue(request):
    if not selectors.user_may_review(request.user):
        raise PermissionDenied(_("Antrean tinjauan hanya untuk petugas suku dinas."))
    items = queue.review_queue(request.user)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "services/review_queue.html",
        {
            "page": page,
            "total": len(items),
            "overdue": sum(1 for i in items if i.overdue),
            "overdue_days": queue.overdue_days(),
            "bulk_form": BulkVerifyForm(),
        },
    )


@require_POST
def review_bulk_verify(request):
    """Verify the chosen rows. When some have items answered "belum terpenuhi", a second step
    lists them with those items first: the officer ticks the ones still to verify; the
    others are left out (and so are they when the first step is skipped)."""
    if not selectors.user_may_review(request.user):
        raise PermissionDenied(_("Antrean tinjauan hanya untuk petugas suku dinas."))
    form = BulkVerifyForm(request.POST)
    if not form.is_valid():
        for field in ("pilih", "sertakan"):
            for error in form.errors.get(field, []):
                # Stubs: ErrorList items are typed ValidationError | str, but yield their text.
                messages.error(request, error)  # type: ignore[arg-type]
        return redirect("services:review_queue")
    pairs = form.cleaned_data["pilih"]
    if not form.cleaned_data["ditanya"]:
        unmet = queue.bulk_unmet(request.user, [pk for pk, _version in pairs])
        if unmet:
            return render(
                request,
                "services/review_bulk_confirm.html",
                {
                    "pairs": [f"{pk}:{version}" for pk, version in pairs],
                    "unmet": unmet,
                    "others": len(pairs) - len(unmet),
                },
            )
    result = queue.sites_verify_bulk(
        user=request.user, items=pairs, include_unmet=form.cleaned_data["sertakan"]
    )
    if result.verified:
        messages.success(
            request,
            _("%(n)s situs diverifikasi: %(names)s")
            % {"n": len(result.verified), "names": ", ".join(s.name for s in result.verified)},
        )
    if result.with_unmet:
        messages.info(
            request,
            _("Diverifikasi atas pilihan Anda meski ada butir belum terpenuhi: %(names)s")
            % {"names": ", ".join(s.name for s in result.with_unmet)},
        )
    for name, why in result.skipped:
        messages.warning(request, _("%(name)s dilewati: %(why)s") % {"name": name, "why": why})
    return redirect("services:review_queue")


@require_GET
def site_review(request, pk):
    site = _reviewable_site(request, pk)
    return _review_page(request, site, VerifyForm(initial={"version": site.version}))


def _review_page(request, site, verify_form, refused=None):
    """The review page: the checklist with nothing confirmed until the officer ticks it, items
    not met flagged; after a refused verify, the officer's ticks kept and the refused items
    (refused: {item id: message}) marked where they are."""
    refused = refused or {}
    items = selectors.checklist_items(site)
    answers = {a.item_id: a for a in site.checklist_answers.all()}
    own = selectors.review_sector_ids(request.user, site)
    ticked: set[int] = set()
    if verify_form.is_bound:
        ticked = {
            pk
            for i in verify_form.data.getlist("confirmed")
            if (pk := parse_id(str(i))) is not None
        }
    rows: list[dict[str, Any]] = []
    for item in items:
        answer = answers.get(item.pk)
        rows.append(
            {
                "item": item,
                "answer": answer,
                "met": answer is not None and answer.answer,
                "mine": item.service_type.sector_id in own,
                "ticked": item.pk in ticked,
                "refused": refused.get(item.pk, ""),
            }
        )
    documents = list(
        SiteDocument.objects.filter(site=site, pending_change__isnull=True).select_related(
            "checklist_item"
        )
    )
    docs_by_item: dict[int | None, list[SiteDocument]] = {}
    for doc in documents:
        docs_by_item.setdefault(doc.checklist_item_id, []).append(doc)
    for row in rows:
        row["documents"] = docs_by_item.get(row["item"].pk, [])
    return render(
        request,
        "services/review_site.html",
        {
            "site": site,
            "rows": rows,
            "not_met": [r for r in rows if not r["met"]],
            "may_confirm_met": any(r["mine"] and r["met"] for r in rows),
            "other_documents": docs_by_item.get(None, []),
            "problems": selectors.submission_problems(site),
            "is_submitted": site.review_state == ReviewState.SUBMITTED,
            "verify_form": verify_form,
            "refused": list(refused.values()),
            "return_form": ReturnForm(initial={"version": site.version}),
            "events": ReviewEvent.objects.filter(site=site)
            .select_related("user")
            .order_by("-at", "-pk")[:10],
            "kembali": return_path(request),  # a next step's way back to its score
        },
    )


@require_POST
def site_verify(request, pk):
    site = _reviewable_site(request, pk)
    item_ids = [i.pk for i in selectors.checklist_items(site)]
    form = VerifyForm(request.POST, item_ids=item_ids)
    if not form.is_valid():
        messages.error(request, _("Formulir tidak lengkap. Muat ulang halaman."))
        return redirect("services:site_review", pk=site.pk)
    try:
        transitions.site_verify(
            user=request.user,
            site=site,
            version=form.cleaned_data["version"],
            confirmed_item_ids=form.cleaned_data["confirmed"],
            confirm_all_met=form.cleaned_data["konfirmasi_semua"],
        )
    except ValidationError as exc:
        refused = {
            e.params["item_id"]: e.messages[0]
            for e in exc.error_list
            if e.code == "unmet" and e.params
        }
        if not refused:
            _errors(request, exc)
            return redirect(site)
        # Shown where the officer decides, with their ticks kept: nothing was written.
        return _review_page(request, _reviewable_site(request, pk), form, refused)
    except transitions.ReviewConflict as exc:
        _errors(request, exc)
        return redirect(site)
    messages.success(request, _("Situs %(name)s diverifikasi.") % {"name": site.name})
    return redirect(return_path(request) or "services:review_queue")


@require_POST
def site_return(request, pk):
    site = _reviewable_site(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("services:site_review", pk=site.pk)
    try:
        transitions.site_return(
            user=request.user,
            site=site,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
        return redirect(site)
    messages.success(request, _("Situs %(name)s dikembalikan ke lurah.") % {"name": site.name})
    return redirect("services:review_queue")


@require_POST
def site_reverify(request, pk):
    site = _reviewable_site(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Formulir tidak lengkap. Muat ulang halaman."))
        return redirect(site)
    try:
        transitions.site_reverify(
            user=request.user, site=site, version=form.cleaned_data["version"]
        )
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Situs %(name)s diverifikasi ulang.") % {"name": site.name})
        return redirect(return_path(request) or site)
    return redirect(site)


# ---- pending changes ----


def _visible_change(request, pk) -> PendingChange:
    return get_object_or_404(
        selectors.pending_changes_visible_to(request.user).select_related(
            "site", "site__kelurahan", "proposed_by", "reviewed_by"
        ),
        pk=pk,
    )


def _reviewable_change(request, pk) -> PendingChange:
    change = _visible_change(request, pk)
    if not selectors.change_review_sector_ids(request.user, change):
        raise PermissionDenied(
            _("Hanya petugas suku dinas sektor yang disentuh usulan ini yang dapat meninjaunya.")
        )
    if selectors.is_own_change(request.user, change):
        raise PermissionDenied(selectors.OWN_CHANGE)
    return change


@require_GET
def pending_change_detail(request, pk):
    change = _visible_change(request, pk)
    site = change.site
    diff = pending.pending_change_diff(change, site)
    new_location = (change.data or {}).get("location")
    first_type = site.types.first()
    mine = selectors.change_review_sector_ids(request.user, change)
    approved = selectors.change_approved_sector_ids(change)
    own = selectors.is_own_change(request.user, change)
    may_review = bool(mine - approved) and not own
    return render(
        request,
        "services/review_change.html",
        {
            "change": change,
            "site": site,
            "diff": diff,
            "first_type": first_type,
            "map_points": [
                {
                    "lat": new_location[1],
                    "lon": new_location[0],
                    "name": _("Lokasi usulan"),
                    "kind": _("usulan perubahan"),
                    "url": "",
                }
            ]
            if new_location
            else [],
            "documents": list(change.documents.all()),
            "may_review": may_review and change.state == PendingChangeState.PENDING,
            "own_change": own and bool(mine),
            "sector_approvals": [
                (sector, sector.pk in approved)
                for sector in sorted(change.sectors.all(), key=lambda s: s.name)
            ],
            "may_fix": change.is_open and site_selectors.site_may_change(request.user, site),
            "approve_form": ApproveForm(
                initial={"version": change.version, "site_version": site.version}
            ),
            "return_form": ReturnForm(initial={"version": change.version}),
            "events": change.events.select_related("user").order_by("-at", "-pk"),
        },
    )


@require_POST
def pending_change_approve(request, pk):
    change = _reviewable_change(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Formulir tidak lengkap. Muat ulang halaman."))
        return redirect(change)
    try:
        pending.pending_change_approve(
            user=request.user,
            change=change,
            version=form.cleaned_data["version"],
            site_version=form.cleaned_data["site_version"],
        )
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
        return redirect(change)
    change.refresh_from_db()
    if change.state == PendingChangeState.APPROVED:
        message = _("Perubahan situs %(name)s disetujui dan berlaku.")
    else:
        message = _(
            "Bagian sektor Anda atas perubahan situs %(name)s disetujui. Perubahan berlaku "
            "setelah sektor lain yang disentuhnya juga menyetujui."
        )
    messages.success(request, message % {"name": change.site.name})
    return redirect("services:review_queue")


@require_POST
def pending_change_return(request, pk):
    change = _reviewable_change(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(change)
    try:
        pending.pending_change_return(
            user=request.user,
            change=change,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, transitions.ReviewConflict) as exc:
        _errors(request, exc)
        return redirect(change)
    messages.success(
        request, _("Usulan perubahan %(name)s dikembalikan.") % {"name": change.site.name}
    )
    return redirect("services:review_queue")


# ---- freshness ----


@require_GET
def review_stale(request):
    if not selectors.user_may_see_stale(request.user):
        raise PermissionDenied(_("Daftar ini untuk lurah, camat, suku dinas dan provinsi."))
    groups = freshness.stale_by_kelurahan(request.user)
    return render(
        request,
        "services/review_stale.html",
        {
            "groups": groups,
            "total": sum(len(g.sites) for g in groups),
            "freshness_days": freshness.freshness_days(),
            "may_review": selectors.user_may_review(request.user),
        },
    )
