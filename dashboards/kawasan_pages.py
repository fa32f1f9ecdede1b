"""The kawasan page and the previews of kawasan edits: the pages of the "kawasan" namespace
that read scores.

Why here: kawasan sits below scoring (scoring reads kawasan), so the kawasan app may not
show a score. These pages compose the two, as the dashboards do: the kawasan page is the
live report of dashboards.reports (score, band, components, next steps, visible members
and links) with the kawasan's member table, candidates and undo offer; a preview scores the
kawasan as it is and as the edit would leave it (scoring.kawasan_preview) and writes nothing. Its
confirmation posts to the kawasan write views (kawasan.views), which carry the version and
check the rights as for any edit. The access checks are the write views' own
(kawasan.access): out of the territory 404, without the right to change 403, a hidden site
404 like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kawasan import membership, undo
from kawasan import selectors as kawasan_selectors
from kawasan.access import addable_site, changeable_kawasan, visible_member
from kawasan.forms import KawasanEditForm
from kawasan.models import Kawasan, Membership
from scoring import kawasan_preview as scoring_preview
from scoring import selectors as scoring_selectors
from scoring.kawasan_preview import KawasanPreview
from sites import selectors as site_selectors
from sites import views as site_views
from sites.editing import LikelyDuplicate
from sites.forms import SiteForm, show_validation_error
from sites.models import Site
from sites.selectors import HIDDEN_SITE
from web.returning import PARAM as KEMBALI
from web.returning import return_path
from web.validators import parse_id

from . import next_steps
from .reports import kawasan_reports

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COMPONENT_LABELS = {
    "coverage": gettext_lazy("Cakupan"),
    "connectivity": gettext_lazy("Keterhubungan"),
    "proximity": gettext_lazy("Kedekatan"),
    "freshness": gettext_lazy("Kebaruan"),
}

STALE = gettext_lazy(
    "Kawasan ini sudah diubah orang lain sejak formulir dibuka. Pratinjau ini memakai datanya "
    "yang sekarang; menyimpan akan ditolak sampai Anda membuka formulirnya lagi."
)


@require_GET
def kawasan_detail(request, pk):
    # Public facts for signed-in users; private member sites stay hidden per user.
    user = request.user
    kawasan = get_object_or_404(kawasan_selectors.with_facts(Kawasan.objects.all()), pk=pk)
    may_change = kawasan_selectors.kawasan_may_change(user, kawasan)
    policy = scoring_selectors.policy_active().as_policy()
    report = kawasan_reports([kawasan], user, policy=policy)[0]
    before = next_steps.signed_before(request.GET.get(next_steps.BEFORE, ""), kawasan)
    if before is not None:
        # Back from a next step's action: what it changed, then the page at its own address
        # (a reload or a bookmark does not repeat the message).
        messages.success(request, next_steps.gain_message(before, report.breakdown.total))
        return redirect(kawasan)
    # Distances only to a hub the user may see (it is then among the visible members):
    # distances to a hidden site would tell where it is.
    hub = next((s for s in report.members if s.pk == kawasan.hub_id), None)
    # (member, metres to the hub or None), in the report's order (by name).
    member_rows = [
        (
            site,
            kawasan_selectors.distance_m(
                hub.location.y, hub.location.x, site.location.y, site.location.x
            )
            if hub is not None
            else None,
        )
        for site in report.members
    ]
    query = request.GET.get("q", "")
    offer = undo.undo_offer(request, kawasan) if may_change else None
    undo_site = (
        Site.objects.visible_to(user).filter(pk=offer.site_id).only("pk", "name").first()
        if offer is not None
        else None
    )
    ctx = {
        "kawasan": kawasan,
        "report": report,
        "view": report,  # the members and hidden count the page lists
        "member_rows": member_rows,
        "by_distance": hub is not None,
        "map_data": report.map_data,
        "policy": policy,
        "may_change": may_change,
        "query": query,
        "candidates": (
            kawasan_selectors.kawasan_member_candidates(kawasan, user, hub=hub, query=query)
            if may_change
            else []
        ),
        "undo_offer": offer if undo_site is not None else None,
        "undo_site": undo_site,
    }
    return render(request, "kawasan/detail.html", ctx)


def _hub_label(user, kawasan: Kawasan) -> str:
    if kawasan.hub_id is None:
        return ""
    if Site.objects.visible_to(user).filter(pk=kawasan.hub_id).exists():
        return kawasan.hub.name if kawasan.hub else ""
    return str(HIDDEN_SITE)


def _render_preview(request, kawasan: Kawasan, preview: KawasanPreview | None, **ctx):
    ctx.update(
        kawasan=kawasan,
        preview=preview,
        components=([(COMPONENT_LABELS[c.name], c) for c in preview.components] if preview else []),
        hub_label=_hub_label(request.user, kawasan),
    )
    return render(request, "kawasan/preview.html", ctx)


@require_GET
def kawasan_member_add_preview(request, pk) -> HttpResponse:
    """What adding the site (?site=) would do; the confirmation posts to kawasan:member_add."""
    kawasan = changeable_kawasan(request.user, pk)
    site = addable_site(request.user, request.GET.get("site", ""), details=True)
    if Membership.objects.filter(kawasan=kawasan, site=site).exists():
        return _render_preview(request, kawasan, None, action="add", site=site, already=True)
    preview = scoring_preview.preview_member_add(kawasan.pk, site.pk)
    return _render_preview(
        request,
        kawasan,
        preview,
        action="add",
        site=site,
        title=_("Tambahkan %(site)s ke kawasan?") % {"site": site.name},
        confirm_url=reverse("kawasan:member_add", args=[kawasan.pk]),
        confirm_label=_("Ya, tambahkan"),
        fields=_with_return(request, {"site": site.pk, "version": kawasan.version}),
    )


@require_GET
def kawasan_member_remove_preview(request, pk, site_pk) -> HttpResponse:
    """What removing the member would do; the confirmation posts to kawasan:member_remove."""
    kawasan = changeable_kawasan(request.user, pk)
    site = visible_member(request.user, kawasan, site_pk, details=True)
    preview = scoring_preview.preview_member_remove(kawasan.pk, site.pk)
    return _render_preview(
        request,
        kawasan,
        preview,
        action="remove",
        site=site,
        removes_hub=kawasan.hub_id == site.pk,
        title=_("Keluarkan %(site)s dari kawasan?") % {"site": site.name},
        confirm_url=reverse("kawasan:member_remove", args=[kawasan.pk, site.pk]),
        confirm_label=_("Ya, keluarkan"),
        confirm_class="danger-solid",
        fields={"version": kawasan.version},
    )


@require_http_methods(["GET", "POST"])
def kawasan_hub_preview(request, pk) -> HttpResponse:
    """What another hub would do: from the edit form (POST: name, hub, the version the form
    was read at) or from a member's row (GET ?hub=). The confirmation posts to kawasan:edit."""
    kawasan = changeable_kawasan(request.user, pk)
    members = (
        Site.objects.visible_to(request.user).filter(memberships__kawasan=kawasan).order_by("name")
    )
    if request.method == "POST":
        data = request.POST
    else:
        data = {
            "name": kawasan.name,
            "hub": request.GET.get("hub", ""),
            "version": str(kawasan.version),
        }
    form = KawasanEditForm(data, members=members)
    if not form.is_valid():
        # Nothing to preview: the edit form again, with what is wrong (a hub that is not a
        # member, a missing version).
        status = 409 if "version" in form.errors else 200
        return render(
            request, "kawasan/form.html", {"form": form, "kawasan": kawasan}, status=status
        )
    hub = form.cleaned_data["hub"]
    name = form.cleaned_data["name"]
    version = form.cleaned_data["version"]
    hub_changes = kawasan.hub_id != (hub.pk if hub else None)
    preview = (
        scoring_preview.preview_hub(kawasan.pk, hub.pk if hub else None) if hub_changes else None
    )
    return _render_preview(
        request,
        kawasan,
        preview,
        action="hub",
        hub=hub,
        hub_changes=hub_changes,
        new_name=name if name != kawasan.name else "",
        stale=STALE if version != kawasan.version else "",
        title=_hub_title(hub, hub_changes),
        confirm_url=reverse("kawasan:edit", args=[kawasan.pk]),
        confirm_label=_("Ya, simpan"),
        fields=_with_return(
            request, {"name": name, "hub": hub.pk if hub else "", "version": version}
        ),
    )


def _with_return(request, fields: dict) -> dict:
    """The confirmation's fields, with a next step's way back to its score (web.returning)."""
    back = return_path(request)
    return {**fields, KEMBALI: back} if back else fields


def _hub_title(hub: Site | None, hub_changes: bool) -> str:
    if not hub_changes:
        return _("Simpan perubahan kawasan?")
    if hub is None:
        return _("Lepaskan pusat kawasan?")
    return _("Jadikan %(site)s pusat kawasan?") % {"site": hub.name}


STALE_ADD = gettext_lazy(
    "Kawasan ini sudah diubah orang lain sejak halaman ini dibuka, jadi situs belum disimpan. "
    "Periksa anggotanya sekarang; simpan lagi bila situs ini masih perlu didaftarkan."
)
KAWASAN_VERSION = "kawasan_version"  # the add_type form's hidden field: the kawasan as read


@require_http_methods(["GET", "POST"])
def kawasan_add_type(request, pk) -> HttpResponse:
    """A next step "add a verified site of this type near the hub" (?jenis=<type code>).

    First the existing sites of the type within walking distance of the hub that are not
    members yet (each adds through the member-add preview), then the new-site form with
    the type chosen and the hub's walking circle on the map; the new site joins the
    kawasan (kawasan.membership.kawasan_site_create) carrying the kawasan's version. Out of
    the territory 404, without the right to change the kawasan or to register sites 403.
    """
    kawasan = changeable_kawasan(request.user, pk)
    if not site_selectors.user_may_create_sites(request.user):
        raise PermissionDenied
    policy = scoring_selectors.policy_active().as_policy()
    page = next_steps.add_type_page(request.user, kawasan, request.GET.get("jenis", ""), policy)
    if page is None:
        raise Http404
    form = SiteForm(request.POST or None, initial={"types": [page.service_type]})
    duplicates, hidden_duplicates = None, 0
    stale: StrOrPromise = ""
    version = kawasan.version
    if request.method == "POST" and form.is_valid():
        raw = request.POST.get(KAWASAN_VERSION, "")
        posted = parse_id(raw, digits=9)
        try:
            site = membership.kawasan_site_create(
                kawasan=kawasan, user=request.user, data=form.service_data(), version=posted
            )
        except ValidationError as exc:
            show_validation_error(form, exc)
        except LikelyDuplicate as exc:
            duplicates, hidden_duplicates = exc.candidates, exc.hidden
        except membership.StaleKawasan as exc:
            # Nothing saved; the form keeps the entries and carries the current version.
            stale, version = STALE_ADD, exc.kawasan.version
        else:
            messages.success(
                request,
                _("Situs %(name)s disimpan dan ditambahkan ke kawasan %(kawasan)s.")
                % {"name": site.name, "kawasan": kawasan.name},
            )
            return redirect(return_path(request) or kawasan)
    return render(
        request,
        "kawasan/add_type.html",
        {
            "form": form,
            "site": None,
            "kawasan": kawasan,
            "page": page,
            "kawasan_version": version,
            "kawasan_stale": stale,
            "duplicates": duplicates,
            "hidden_duplicates": hidden_duplicates,
            "territory_urls": site_views.territory_urls(request.user),
            "kembali": return_path(request),  # carried by the nearby sites' add links
        },
    )
