"""The confirmation pages of the site edits that reach kawasan scores: a link added, a link
ended, a site closed (pages of the "services" namespace, kaltara/urls.py).

Why here: sites sits below scoring, so the site pages may not show a score. Each page takes
the form's post, checks it as saving would (sites.services.*_check: a refusal goes back to
the form or the site page as the write view shows it), scores every kawasan the edit reaches
before and after (scoring.kawasan_preview, the pure function on the changed inputs) and
writes nothing. Its confirmation posts the same data, with the confirm flag and the version
read here, to the write view (sites.views), which checks the rights and the version again.
The access checks are the write views': out of scope 404, without the right 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kawasan import selectors as kawasan_selectors
from scoring import kawasan_preview as scoring_preview
from scoring.kawasan_preview import KawasanPreview
from sites import selectors as site_selectors
from sites import services as site_services
from sites import views as site_views
from sites.forms import LinkEndForm, LinkForm, SiteCloseForm, show_validation_messages
from sites.models import LinkKind, Site

from .kawasan_pages import COMPONENT_LABELS

# Posted fields the confirmation does not carry back as they came.
_NOT_CARRIED = frozenset({"csrfmiddlewaretoken", site_views.CONFIRM, site_views.EVIDENCE_AGAIN})


def _changeable_site(request, pk) -> Site:
    site = get_object_or_404(Site.objects.visible_to(request.user).prefetch_related("types"), pk=pk)
    if not site_selectors.site_may_change(request.user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    return site


def _kawasan_rows(user, previews: dict[int, KawasanPreview]) -> list[dict]:
    """One row per kawasan the user may see (by name), with its score before and after."""
    kawasan = kawasan_selectors.kawasan_list(user).filter(pk__in=list(previews))
    return [
        {
            "kawasan": k,
            "preview": previews[k.pk],
            "components": [(COMPONENT_LABELS[c.name], c) for c in previews[k.pk].components],
        }
        for k in sorted(kawasan, key=lambda k: (k.name, k.pk))
    ]


def _carried(request) -> dict[str, str]:
    """The form's fields as posted (a field the write view reads later comes along too)."""
    fields = {k: v for k, v in request.POST.items() if k not in _NOT_CARRIED}
    fields[site_views.CONFIRM] = "1"
    return fields


def _confirm_url(request, name: str, pk) -> str:
    url = reverse(name, args=[pk])
    query = request.META.get("QUERY_STRING")
    return f"{url}?{query}" if query else url


def _render(request, **ctx) -> HttpResponse:
    return render(request, "services/change_preview.html", ctx)


@require_POST
def link_create_preview(request, pk) -> HttpResponse:
    """What the new link would do to the kawasan of its ends; confirms to link_create."""
    site = _changeable_site(request, pk)
    form = LinkForm(
        request.POST,
        request.FILES,
        candidates_qs=Site.objects.visible_to(request.user).exclude(pk=site.pk),
    )
    if not form.is_valid():
        return site_views.link_create(request, pk)  # the form with what is wrong
    data = form.cleaned_data
    other = data["other"]
    try:
        site_services.link_create_check(
            user=request.user,
            site_a=site,
            site_b=other,
            kind=data["kind"],
            evidence=data["evidence"],
        )
    except ValidationError:
        return site_views.link_create(request, pk)  # the form shows the same refusal
    rows = _kawasan_rows(
        request.user,
        scoring_preview.preview_link_add(site.pk, other.pk, start_date=data["start_date"]),
    )
    if not rows:
        # No kawasan to show a score for: the form's own button was the confirmation. Saving
        # here also keeps an attached evidence file, which a second page could not carry.
        request.POST = request.POST.copy()
        request.POST[site_views.CONFIRM] = "1"
        return site_views.link_create(request, pk)
    evidence = data["evidence"]
    fields = _carried(request)
    if evidence:
        fields[site_views.EVIDENCE_AGAIN] = "1"
    return _render(
        request,
        action="link_create",
        site=site,
        title=_("Hubungkan %(a)s dengan %(b)s?") % {"a": site.name, "b": other.name},
        ends=(site.name, other.name),
        kind=LinkKind(data["kind"]).label,
        start_date=data["start_date"],
        starts_later=data["start_date"] > timezone.localdate(),
        rows=rows,
        # A file cannot be carried across a page: with one chosen on the form, the
        # confirmation asks for it again (required) rather than save the link without it.
        evidence_name=evidence.name if evidence else "",
        evidence_field=form["evidence"] if evidence else None,
        confirm_url=_confirm_url(request, "services:link_create", pk),
        confirm_label=_("Ya, simpan keterhubungan"),
        fields=fields,
        cancel_url=site.get_absolute_url(),
    )


@require_POST
def link_end_preview(request, pk) -> HttpResponse:
    """What ending the link would do to the kawasan of its ends; confirms to link_end."""
    link = get_object_or_404(
        site_selectors.links_visible_to(request.user).select_related("site_a", "site_b"), pk=pk
    )
    if not site_selectors.link_may_change(request.user, link):
        raise PermissionDenied(_("Anda tidak berhak mengakhiri keterhubungan ini."))
    back = link.site_a if site_selectors.site_may_change(request.user, link.site_a) else link.site_b
    form = LinkEndForm(request.POST)
    if not form.is_valid():
        # A version that is not a number is refused like a stale one, as on saving.
        stale = "version" in form.errors
        messages.error(request, site_views.STALE_LINK if stale else site_views.LINK_END_DATE)
        return redirect(back)
    try:
        end_date = site_services.link_end_check(
            user=request.user, link=link, end_date=form.cleaned_data["end_date"]
        )
    except ValidationError as exc:
        show_validation_messages(request, exc)
        return redirect(back)
    version = form.cleaned_data["version"]
    if version is None or version != link.version:
        # Missing or stale: refused here as the write would refuse it.
        messages.error(request, site_views.STALE_LINK)
        return redirect(back)
    visible = site_selectors.visible_site_ids(request.user, {link.site_a_id, link.site_b_id})
    # Only the kawasan of the ends the user may see: those holding just a hidden end would
    # say where that site is a member, and their score does not change.
    previews = scoring_preview.preview_link_end(link, end_date=end_date, reach=visible)
    rows = _kawasan_rows(request.user, previews)
    fields = _carried(request)
    fields["end_date"] = end_date.isoformat()
    return _render(
        request,
        action="link_end",
        site=back,
        title=_("Akhiri keterhubungan ini?"),
        ends=(
            site_selectors.site_label(link.site_a, visible),
            site_selectors.site_label(link.site_b, visible),
        ),
        kind=link.get_kind_display(),
        start_date=link.start_date,
        end_date=end_date,
        counts_until_end=end_date >= timezone.localdate(),
        rows=rows,
        confirm_url=_confirm_url(request, "services:link_end", pk),
        confirm_label=_("Ya, akhiri"),
        confirm_class="danger-solid",
        fields=fields,
        cancel_url=back.get_absolute_url(),
    )


@require_POST
def site_close_preview(request, pk) -> HttpResponse:
    """What closing the site would do to its kawasan; confirms to site_close."""
    site = _changeable_site(request, pk)
    form = SiteCloseForm(request.POST)
    if not form.is_valid():
        # A missing version (or not a number) is refused like a stale page, as on saving.
        messages.error(
            request,
            site_views.STALE_CLOSE if "version" in form.errors else site_views.CLOSE_REASON,
        )
        return redirect(site)
    try:
        site_services.site_close_check(
            user=request.user, site=site, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        show_validation_messages(request, exc)
        return redirect(site)
    if form.cleaned_data["version"] != site.version:
        messages.error(request, site_views.STALE_CLOSE)
        return redirect(site)
    rows = _kawasan_rows(request.user, scoring_preview.preview_site_close(site.pk))
    return _render(
        request,
        action="site_close",
        site=site,
        title=_("Tutup %(name)s?") % {"name": site.name},
        reason=form.cleaned_data["reason"],
        rows=rows,
        confirm_url=_confirm_url(request, "services:site_close", pk),
        confirm_label=_("Ya, tutup situs"),
        confirm_class="danger-solid",
        fields=_carried(request),
        cancel_url=site.get_absolute_url(),
    )
