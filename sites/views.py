"""Site registry pages. Each view starts with the access check: objects come only through the
scoped selectors (out of scope: 404), and changing needs the CHANGE right (else 403)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import (
    conditional_page,
    require_GET,
    require_http_methods,
    require_POST,
)

from accounts import scoping
from web.audit import audited_download
from web.returning import return_path

from . import editing, map_data, selectors, services
from .filters import SiteFilter
from .forms import (
    LinkEndForm,
    LinkForm,
    SiteCloseForm,
    SiteDocumentForm,
    SiteForm,
    show_validation_error,
    show_validation_messages,
    site_form_initial,
)
from .models import Site
from .review import selectors as review_selectors
from .review import transitions
from .review import views as review_views

PAGE_SIZE = 50


def _filtered(request):
    site_filter = SiteFilter(
        request.GET or None, selectors.Site.objects.visible_to(request.user), request=request
    )
    # An invalid filter value (an out-of-scope region code) shows the form error, no rows.
    valid = not site_filter.is_bound or site_filter.is_valid()
    qs = site_filter.qs if valid else Site.objects.none()
    return site_filter, qs


def _site_or_404(request, pk):
    return get_object_or_404(
        selectors.Site.objects.visible_to(request.user).prefetch_related("types"), pk=pk
    )


def _changeable_site(request, pk):
    site = _site_or_404(request, pk)
    if not selectors.site_may_change(request.user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    return site


@require_GET
def site_list(request):
    site_filter, qs = _filtered(request)
    page = Paginator(selectors.site_list(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "services/site_list.html",
        {
            "filter": site_filter,
            "page": page,
            "query": query.urlencode(),
            "may_create": selectors.user_may_create_sites(request.user),
        },
    )


@require_GET
def site_map(request):
    site_filter, qs = _filtered(request)
    return render(
        request,
        "services/site_map.html",
        {
            "filter": site_filter,
            "territory_urls": _territory_urls(request.user, scoping.Right.SEE_PRIVATE)
            or [reverse("regions:boundary", args=["31"])],
            "query": request.GET.urlencode(),
            "may_create": selectors.user_may_create_sites(request.user),
            # Where the filtered sites are: the first view fits them, then asks for its data.
            "extent": map_data.site_map_extent(qs),
        },
    )


@require_GET
@conditional_page  # an ETag over the body: panning back to a view is answered 304
def site_map_data(request):
    """What the map's view shows: ?bbox=minlon,minlat,maxlon,maxlat&zoom=N and the filters
    of the list; clusters below CLUSTER_BELOW_ZOOM, the sites themselves from it on."""
    try:
        view = map_data.map_view_from(request.GET)
    except map_data.MapQueryError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    _site_filter, qs = _filtered(request)
    body = json.dumps(map_data.site_map_data(qs, view), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def site_detail(request, pk):
    try:
        site = selectors.site_detail(request.user, pk)
    except Site.DoesNotExist as exc:
        raise Http404 from exc
    may_change = selectors.site_may_change(request.user, site)
    review_context = review_views.site_review_context(request, site, may_change)
    link_rows = selectors.site_link_rows(request.user, site)
    link_points = [
        {
            "lat": row.other.location.y,
            "lon": row.other.location.x,
            "name": row.other.name,
            "kind": row.link.get_kind_display(),
            "url": row.other.get_absolute_url() if row.other_visible else "",
        }
        for row in link_rows
        if row.active and row.other_visible  # a hidden end has no place on the map either
    ]
    return render(
        request,
        "services/site_detail.html",
        {
            "site": site,
            "may_change": may_change,
            "link_rows": link_rows,
            "link_points": link_points,
            "checklist": selectors.site_checklist(site),
            "changes": _history_rows(request.user, site, review_context["review_events"]),
            "close_form": SiteCloseForm(initial={"version": site.version}) if may_change else None,
            **review_context,
        },
    )


# Link events whose other end could not be found (older rows): that end is never named.
LINK_ACTIONS = frozenset({"link_created", "link_ended"})


def _history_rows(user, site, review_events=()):
    """Edits (SiteChange) and review steps (ReviewEvent) as one list, newest first.

    A link's other end is named only if the user may see it (sites.selectors: the rule of
    the site page); review_events come already filtered to what the user may read.
    """
    changes = list(site.changes.all())
    visible = selectors.visible_site_ids(user, {c.other_site_id for c in changes})
    rows = []
    for change in changes:
        pairs = change.changes or {}
        if change.other_site_id not in visible and (
            change.other_site_id is not None or change.action in LINK_ACTIONS
        ):
            pairs = {name: [_mask_link(v) for v in pair] for name, pair in pairs.items()}
        fields = [
            (editing.FIELD_LABELS.get(name, name), *(list(pair) + ["", ""])[:2])
            for name, pair in pairs.items()
        ]
        rows.append(
            {
                "change": change,
                "action": services.ACTION_LABELS.get(change.action, change.action),
                "fields": fields,
                "review": False,
            }
        )
    for event in review_events:
        fields = [
            (editing.FIELD_LABELS.get(name, name), *(list(pair) + ["", ""])[:2])
            for name, pair in (event.changes or {}).items()
        ]
        rows.append(
            {
                "change": event,
                "action": event.get_action_display(),
                "fields": fields,
                "review": True,
            }
        )
    rows.sort(key=lambda r: (r["change"].at, r["review"], r["change"].pk), reverse=True)
    return rows


def _mask_link(value: str) -> str:
    # A link label is "<kind>: <other site's name>" (services.link_label); keep the kind.
    kind, sep, _name = str(value).partition(": ")
    return f"{kind}: {selectors.HIDDEN_SITE}" if sep else value


def territory_urls(user, right=scoping.Right.CHANGE):
    # Outlines of the user's territory on a map: orientation even without base tiles.
    codes = sorted({g.region_code for g in scoping.grants_with(user, right)})
    return [reverse("regions:boundary", args=[code]) for code in codes]


_territory_urls = territory_urls  # (also the kawasan's add page's site form)


_show_validation_error = show_validation_error


@require_http_methods(["GET", "POST"])
def site_create(request):
    if not selectors.user_may_create_sites(request.user):
        raise PermissionDenied(_("Anda tidak berhak menambah situs layanan."))
    form = SiteForm(request.POST or None, initial=site_form_initial(request.GET.get("jenis", "")))
    duplicates, hidden_duplicates = None, 0
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(user=request.user, data=form.service_data())
        except ValidationError as exc:
            _show_validation_error(form, exc)
        except editing.LikelyDuplicate as exc:
            duplicates, hidden_duplicates = exc.candidates, exc.hidden
        else:
            messages.success(request, _("Situs %(name)s disimpan.") % {"name": site.name})
            return redirect(site)
    return render(
        request,
        "services/site_form.html",
        {
            "form": form,
            "site": None,
            "duplicates": duplicates,
            "hidden_duplicates": hidden_duplicates,
            "territory_urls": _territory_urls(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def site_edit(request, pk):
    site = _changeable_site(request, pk)
    data = request.POST.copy() if request.method == "POST" else None
    pending = (
        review_selectors.pending_change_open(site) if site.review_state == "verified" else None
    )
    form = SiteForm(
        data, site=site, proposed=review_selectors.proposed_values(pending) if pending else None
    )
    duplicates = stale = conflict = None
    hidden_duplicates = 0
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_update(
                user=request.user,
                site=site,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            _show_validation_error(form, exc)
        except editing.LikelyDuplicate as exc:
            duplicates, hidden_duplicates = exc.candidates, exc.hidden
        except editing.StaleEdit as exc:
            stale = exc
            # The form keeps the user's values; saving again now knowingly replaces theirs.
            resubmit = request.POST.copy()
            resubmit["version"] = str(exc.version)
            form = SiteForm(resubmit, site=exc.site)
            form.is_valid()
        except transitions.ReviewConflict as exc:
            conflict = str(exc)
        else:
            if site.pending_change is not None:
                messages.success(
                    request,
                    _(
                        "Perubahan nama, jenis layanan atau lokasi situs %(name)s diajukan ke "
                        "suku dinas. Data yang berlaku tetap sampai usulan disetujui."
                    )
                    % {"name": site.name},
                )
                return redirect(site.pending_change)
            messages.success(request, _("Perubahan situs %(name)s disimpan.") % {"name": site.name})
            return redirect(site)
    return render(
        request,
        "services/site_form.html",
        {
            "form": form,
            "site": site,
            "duplicates": duplicates,
            "hidden_duplicates": hidden_duplicates,
            "stale": stale,
            "conflict": conflict,
            "pending": pending,
            "territory_urls": _territory_urls(request.user),
        },
    )


# The three site edits that reach kawasan scores (a link added or ended, a site closed) write
# only when their confirmation page posts this flag back. The page scores the kawasan before
# and after (services:*_preview, in dashboards: scoring sits above sites); a post without
# the flag (a form opened before the preview existed, a script) is sent there with its data.
CONFIRM = "confirm"


def _confirmed(request) -> bool:
    return request.POST.get(CONFIRM) == "1"


def _to_preview(request, name: str, pk) -> HttpResponseRedirect:
    # 307: the browser posts the same data (the evidence file too) to the preview.
    url = reverse(name, args=[pk])
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    response = HttpResponseRedirect(url)
    response.status_code = 307
    return response


STALE_CLOSE = gettext_lazy(
    "Situs ini sudah diubah orang lain, atau halaman ini sudah lama terbuka. Periksa datanya "
    "lalu tutup lagi bila perlu."
)
CLOSE_REASON = gettext_lazy("Alasan penutupan: tuliskan mengapa situs ini ditutup.")


@require_POST
def site_close(request, pk):
    site = _changeable_site(request, pk)
    if not _confirmed(request):
        return _to_preview(request, "services:site_close_preview", pk)
    form = SiteCloseForm(request.POST)
    if form.is_valid():
        try:
            services.site_close(
                user=request.user,
                site=site,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            show_validation_messages(request, exc)
        except editing.StaleEdit:
            messages.error(request, STALE_CLOSE)
        else:
            messages.success(request, _("Situs %(name)s ditutup.") % {"name": site.name})
    elif "version" in form.errors:  # missing or not a number: refused like a stale page
        messages.error(request, STALE_CLOSE)
    else:
        messages.error(request, CLOSE_REASON)
    return redirect(site)


@require_http_methods(["GET", "POST"])
def site_document_add(request, pk):
    site = _changeable_site(request, pk)
    form = SiteDocumentForm(request.POST or None, request.FILES or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.site_document_add(
                user=request.user,
                site=site,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
                checklist_item=form.cleaned_data["checklist_item"],
            )
        except ValidationError as exc:
            _show_validation_error(form, exc)
        else:
            if doc.pending_change is not None:
                messages.success(
                    request,
                    _("Dokumen disimpan dan diajukan ke suku dinas; tampil setelah disetujui."),
                )
                return redirect(doc.pending_change)
            messages.success(request, _("Dokumen disimpan."))
            return redirect(site)
    return render(request, "services/document_form.html", {"form": form, "site": site})


@require_http_methods(["GET", "POST"])
def link_create(request, pk):
    site = _changeable_site(request, pk)
    search = request.GET.get("cari", "").strip()[:100]
    # A next step "Hubungkan A dengan B" opens the form with B chosen and a kind suggested.
    prefill = selectors.link_other_prefill(request.user, site, request.GET.get("dengan", ""))
    form = LinkForm(
        request.POST or None,
        request.FILES or None,
        candidates_qs=selectors.Site.objects.visible_to(request.user).exclude(pk=site.pk),
        initial=(
            {"other": prefill[0].pk, "kind": selectors.suggested_link_kind(site, prefill[0])}
            if prefill
            else None
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = _link_create_post(request, site, form)
        except ValidationError as exc:
            _show_validation_error(form, exc)
        else:
            if outcome == "preview":
                return _to_preview(request, "services:link_create_preview", pk)
            if outcome == "saved":
                messages.success(request, _("Keterhubungan disimpan."))
                return redirect(return_path(request) or site)
    first = selectors.referral_first_candidates(request.user, site, search)
    # The chosen end first, wherever it would come by distance (not marked as a referral).
    lead = [prefill, *(r for r in first if r[0].pk != prefill[0].pk)] if prefill else first
    candidates = selectors.link_candidates(request.user, site, search, first=lead)
    chosen = form["other"].value()
    return render(
        request,
        "services/link_form.html",
        {
            "form": form,
            "site": site,
            "candidates": candidates,
            "referral_first_ids": {s.pk for s, _d in first},
            "search": search,
            "chosen": str(chosen or ""),
        },
    )


# Posted by the confirmation page when the form had a file: it asks for the file again.
EVIDENCE_AGAIN = "evidence_again"


def _link_create_post(request, site, form) -> str:
    """Once confirmed, save the link ("saved"). Before, check it as saving would and answer
    "preview" (a preview only for a link that can be saved: else the form shows the
    refusal). "" when the form got an error."""
    data = form.cleaned_data
    if not _confirmed(request):
        services.link_create_check(
            user=request.user,
            site_a=site,
            site_b=data["other"],
            kind=data["kind"],
            evidence=data["evidence"],
        )
        return "preview"
    if request.POST.get(EVIDENCE_AGAIN) == "1" and not data["evidence"]:
        # A file cannot be carried across a page: the confirmation page asks for the file
        # chosen on the form again, and saving without it would drop the evidence unseen.
        form.add_error("evidence", _("Dokumen bukti: pilih lagi berkasnya sebelum menyimpan."))
        return ""
    services.link_create(
        user=request.user,
        site_a=site,
        site_b=data["other"],
        kind=data["kind"],
        start_date=data["start_date"],
        note=data["note"],
        evidence=data["evidence"],
    )
    return "saved"


STALE_LINK = gettext_lazy(
    "Keterhubungan ini sudah berubah sejak halaman dibuka. Periksa lalu ulangi bila masih perlu."
)
LINK_END_DATE = gettext_lazy("Tanggal berakhir: isi tanggal yang sah.")


@require_POST
def link_end(request, pk):
    link = get_object_or_404(
        selectors.links_visible_to(request.user).select_related("site_a", "site_b"), pk=pk
    )
    if not selectors.link_may_change(request.user, link):
        raise PermissionDenied(_("Anda tidak berhak mengakhiri keterhubungan ini."))
    if not _confirmed(request):
        return _to_preview(request, "services:link_end_preview", pk)
    back = link.site_a if selectors.site_may_change(request.user, link.site_a) else link.site_b
    form = LinkEndForm(request.POST)
    if form.is_valid():
        try:
            services.link_end(
                user=request.user,
                link=link,
                version=form.cleaned_data["version"],
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            show_validation_messages(request, exc)
        except services.StaleLink:
            messages.error(request, STALE_LINK)
        else:
            messages.success(request, _("Keterhubungan diakhiri."))
    elif "version" in form.errors:  # not a number: refused like a stale page
        messages.error(request, STALE_LINK)
    else:
        messages.error(request, LINK_END_DATE)
    return redirect(back)


def _file_response(field_file, as_attachment=False):
    import mimetypes
    from pathlib import Path

    from django.http import FileResponse

    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("Berkas tidak ditemukan.")) from exc
    name = Path(field_file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=name, content_type=content_type
    )
    # Uploaded files are served only through these scoped views, never sniffed as HTML.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


@audited_download
@require_GET
def document_download(request, pk):
    """A site document, for users who may see its site; documents still waiting in a
    pending change only for those who may see the site's private work."""
    document = get_object_or_404(
        selectors.site_documents_visible_to(request.user).select_related("site"), pk=pk
    )
    return _file_response(document.file)


@audited_download
@require_GET
def link_evidence(request, pk):
    link = get_object_or_404(selectors.links_visible_to(request.user).exclude(evidence=""), pk=pk)
    return _file_response(link.evidence)
