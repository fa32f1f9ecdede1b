"""The kawasan list and the kawasan writes: create, edit, add, remove, take a removal back.

The kawasan page and the previews that show what an edit does to the score read scoring,
which sits above this app: they are composed in dashboards.kawasan_pages, under the same
"kawasan" URL namespace (kaltara/urls.py). The forms there post their confirmation here.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.models import Site
from web.returning import return_path
from web.validators import parse_id

from . import membership, selectors, undo
from .access import addable_site, changeable_kawasan, visible_member
from .forms import KawasanCreateForm, KawasanEditForm, KawasanFilterForm
from .models import Kawasan

PAGE_SIZE = 25


STALE = gettext_lazy(
    "Kawasan ini sudah diubah orang lain sejak halaman ini dibuka. Periksa datanya yang "
    "sekarang, lalu ulangi bila masih perlu."
)


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "")
    return parse_id(raw, digits=9)


@require_GET
def kawasan_list(request):
    # Kawasan are public facts: every signed-in user sees the whole list. It opens on the
    # user's own territory (a lurah's kelurahan, a camat's kecamatan); "Semua wilayah"
    # (wilayah= empty) shows all of it.
    home = selectors.kawasan_home_codes(request.user)
    params = request.GET
    own_default = "wilayah" not in params and bool(home)
    if own_default and len(home) == 1:
        params = params.copy()
        params["wilayah"] = home[0]
    form = KawasanFilterForm(params or None, regions=selectors.kawasan_filter_regions(home))
    region = form.cleaned_data.get("wilayah") if form.is_valid() else None
    codes = [region.code] if region else (home if own_default else [])
    qs = selectors.kawasan_list(request.user, region_codes=codes)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "region": region,
        "own_territory": own_default,
        "may_create": selectors.kawasan_create_regions(request.user).exists(),
    }
    return render(request, "kawasan/list.html", ctx)


@require_http_methods(["GET", "POST"])
def kawasan_create(request):
    regions = selectors.kawasan_create_regions(request.user)
    # Nothing to be out of scope of here: without a territory to change, no right.
    if not regions.exists():
        raise PermissionDenied
    form = KawasanCreateForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        kawasan = membership.kawasan_create(
            user=request.user,
            region=form.cleaned_data["region"],
            name=form.cleaned_data["name"],
            with_active_sites=form.cleaned_data["with_active_sites"],
        )
        messages.success(request, _("Kawasan %(name)s dibuat.") % {"name": kawasan.name})
        return redirect(kawasan)
    return render(request, "kawasan/form.html", {"form": form, "kawasan": None})


@require_http_methods(["GET", "POST"])
def kawasan_edit(request, pk):
    kawasan = changeable_kawasan(request.user, pk)
    members = (
        Site.objects.visible_to(request.user).filter(memberships__kawasan=kawasan).order_by("name")
    )
    initial = {"name": kawasan.name, "hub": kawasan.hub_id, "version": kawasan.version}
    form = KawasanEditForm(request.POST or None, initial=initial, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            membership.kawasan_update(
                kawasan=kawasan,
                user=request.user,
                name=form.cleaned_data["name"],
                hub=form.cleaned_data["hub"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except membership.StaleKawasan as exc:
            return _stale_form(request, exc.kawasan, members)
        else:
            messages.success(request, _("Kawasan disimpan."))
            return redirect(return_path(request) or kawasan)
    elif request.method == "POST" and "version" in form.errors:
        return _stale_form(request, kawasan, members)
    return render(request, "kawasan/form.html", {"form": form, "kawasan": kawasan})


def _stale_form(request, current: Kawasan, members):
    """The user's entries kept, the current name and hub shown, the current version carried:
    saving again after a look overwrites knowingly."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = KawasanEditForm(data, members=members)
    form.is_valid()
    form.add_error(None, STALE)
    ctx = {"form": form, "kawasan": current, "current": current}
    return render(request, "kawasan/form.html", ctx, status=409)


@require_POST
def kawasan_member_add(request, pk):
    """Add a member: the confirmation of kawasan:member_add_preview (or a direct post)."""
    kawasan = changeable_kawasan(request.user, pk)
    site = addable_site(request.user, request.POST.get("site", ""))
    try:
        added = membership.kawasan_member_add(
            kawasan=kawasan, site=site, user=request.user, version=_posted_version(request)
        )
    except membership.StaleKawasan:
        messages.error(request, STALE)
        return redirect(kawasan)
    if added:
        messages.success(request, _("%(site)s ditambahkan ke kawasan.") % {"site": site.name})
    else:
        messages.info(request, _("%(site)s sudah menjadi anggota.") % {"site": site.name})
    # A next step's add lands back on the score it came from (web.returning).
    return redirect(return_path(request) or kawasan)


@require_POST
def kawasan_member_remove(request, pk, site_pk):
    """Remove a member: the confirmation of kawasan:member_remove_preview. The kawasan page
    then offers to take it back for a while (kawasan.undo)."""
    kawasan = changeable_kawasan(request.user, pk)
    site = visible_member(request.user, kawasan, site_pk)
    was_hub = kawasan.hub_id == site.pk
    try:
        removed = membership.kawasan_member_remove(
            kawasan=kawasan, site=site, user=request.user, version=_posted_version(request)
        )
    except membership.StaleKawasan:
        messages.error(request, STALE)
        return redirect(kawasan)
    if removed:
        undo.remember_removal(request, kawasan, site.pk, was_hub=was_hub)
    if was_hub:
        msg = _("%(site)s dikeluarkan; kawasan kini tanpa pusat. Pilih pusat baru.")
    else:
        msg = _("%(site)s dikeluarkan dari kawasan.")
    messages.success(request, msg % {"site": site.name})
    return redirect(kawasan)


@require_POST
def kawasan_member_undo(request, pk):
    """Take a removal back: only the user's own, recent one, on an unchanged kawasan."""
    kawasan = changeable_kawasan(request.user, pk)
    site_pk = request.POST.get("site", "")
    offer = undo.undo_offer(request, kawasan)
    if offer is None or str(offer.site_id) != site_pk:
        messages.error(
            request,
            _(
                "Pengeluaran anggota itu tidak dapat diurungkan lagi: waktunya sudah lewat atau "
                "kawasan sudah diubah sejak itu."
            ),
        )
        return redirect(kawasan)
    site = addable_site(request.user, site_pk)
    try:
        membership.kawasan_member_restore(
            kawasan=kawasan,
            site=site,
            user=request.user,
            version=_posted_version(request),
            as_hub=offer.was_hub,
        )
    except membership.StaleKawasan:
        messages.error(request, STALE)
        return redirect(kawasan)
    undo.undo_forget(request)
    messages.success(request, _("%(site)s kembali menjadi anggota kawasan.") % {"site": site.name})
    return redirect(kawasan)
