from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sites.models import Site

from . import membership, selectors
from .forms import KawasanCreateForm, KawasanEditForm, KawasanFilterForm
from .models import Kawasan

PAGE_SIZE = 25


STALE = gettext_lazy(
    "Kawasan ini sudah diubah orang lain sejak halaman ini dibuka. Periksa datanya yang "
    "sekarang, lalu ulangi bila masih perlu."
)


def _changeable_kawasan(request, pk) -> Kawasan:
    """The kawasan for an edit: out of the user's territory 404, no right to change 403."""
    kawasan = get_object_or_404(selectors.kawasan_private_scope(request.user), pk=pk)
    if not selectors.kawasan_may_change(request.user, kawasan):
        raise PermissionDenied
    return kawasan


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_GET
def kawasan_list(request):
    # Kawasan are public facts: every signed-in user sees the whole list.
    form = KawasanFilterForm(request.GET or None, regions=selectors.kawasan_filter_regions())
    region = form.cleaned_data.get("wilayah") if form.is_valid() else None
    qs = selectors.kawasan_list(request.user, region_code=region.code if region else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": page,
        "region": region,
        "may_create": selectors.kawasan_create_regions(request.user).exists(),
    }
    return render(request, "kawasan/list.html", ctx)


@require_GET
def kawasan_detail(request, pk):
    # Public facts for signed-in users; private member sites stay hidden per user.
    kawasan = get_object_or_404(selectors.with_facts(Kawasan.objects.all()), pk=pk)
    may_change = selectors.kawasan_may_change(request.user, kawasan)
    view = selectors.kawasan_view(kawasan, request.user)
    query = request.GET.get("q", "")
    ctx = {
        "kawasan": kawasan,
        "view": view,
        "map_data": view.map_data(),
        "may_change": may_change,
        "query": query,
        "candidates": (
            selectors.kawasan_member_candidates(kawasan, request.user, query=query)
            if may_change
            else []
        ),
    }
    return render(request, "kawasan/detail.html", ctx)


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
    kawasan = _changeable_kawasan(request, pk)
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
            return redirect(kawasan)
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
    kawasan = _changeable_kawasan(request, pk)
    # Any site the user may see, also verified sites outside the territory (the
    # puskesmas kecamatan in the next kelurahan): membership is the kawasan's business.
    site_pk = request.POST.get("site", "")
    if not site_pk.isdigit():
        raise Http404
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=int(site_pk))
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
    return redirect(kawasan)


@require_POST
def kawasan_member_remove(request, pk, site_pk):
    kawasan = _changeable_kawasan(request, pk)
    # Only members the user may see: a hidden member answers exactly like a non-member
    # (404, no name), so nobody learns which hidden sites belong to the kawasan.
    site = get_object_or_404(
        Site.objects.visible_to(request.user).filter(memberships__kawasan=kawasan), pk=site_pk
    )
    was_hub = kawasan.hub_id == site.pk
    try:
        membership.kawasan_member_remove(
            kawasan=kawasan, site=site, user=request.user, version=_posted_version(request)
        )
    except membership.StaleKawasan:
        messages.error(request, STALE)
        return redirect(kawasan)
    if was_hub:
        msg = _("%(site)s dikeluarkan; kawasan kini tanpa pusat. Pilih pusat baru.")
    else:
        msg = _("%(site)s dikeluarkan dari kawasan.")
    messages.success(request, msg % {"site": site.name})
    return redirect(kawasan)
