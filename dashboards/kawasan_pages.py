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

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kawasan import selectors as kawasan_selectors
from kawasan import undo
from kawasan.access import addable_site, changeable_kawasan, visible_member
from kawasan.forms import KawasanEditForm
from kawasan.models import Kawasan, Membership
from scoring import kawasan_preview as scoring_preview
from scoring import selectors as scoring_selectors
from scoring.kawasan_preview import KawasanPreview
from sites.models import Site
from sites.selectors import HIDDEN_SITE

from .reports import kawasan_reports

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
        fields={"site": site.pk, "version": kawasan.version},
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
        fields={"name": name, "hub": hub.pk if hub else "", "version": version},
    )


def _hub_title(hub: Site | None, hub_changes: bool) -> str:
    if not hub_changes:
        return _("Simpan perubahan kawasan?")
    if hub is None:
        return _("Lepaskan pusat kawasan?")
    return _("Jadikan %(site)s pusat kawasan?") % {"site": hub.name}
