"""The scoring policy in the portal, for provincial staff: versions, drafts, the preview of
a version's effect on today's scores, and its activation.

Every page needs a provincial grant (403 otherwise); an unknown version is 404. A draft is
written through forms.PolicyForm (never as JSON) and saved with the revision it was read at
(services.policy_draft_update refuses a stale one); the preview (scoring.preview) reads and
computes only; the activation carries the revision previewed and a confirmation, records who
and when, and queues the recompute of every kawasan (queue.policy_activate).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import provincial_required
from web.validators import parse_id

from . import queue, selectors, services
from .forms import ActivateForm, PolicyForm, parameter_rows
from .models import ScoringPolicy
from .policy import policy_to_dict
from .preview import policy_preview

STALE = gettext_lazy(
    "Draf ini sudah disimpan orang lain sejak halaman ini dibuka. Periksa isinya yang "
    "sekarang, lalu simpan lagi bila masih perlu."
)
STALE_PREVIEW = gettext_lazy(
    "Draf ini diubah sejak pratinjau dibuka. Baca pratinjau yang baru ini, lalu aktifkan "
    "lagi bila sesuai."
)
NOT_A_DRAFT = gettext_lazy(
    "Versi ini sudah pernah diaktifkan dan tidak diubah lagi (skornya harus tetap dapat "
    "diulang). Buat draf baru darinya."
)


def _posted_int(request, name: str) -> int | None:
    raw = request.POST.get(name, "")
    return parse_id(raw, digits=9)


def _form(start: ScoringPolicy, data=None, *, initial=None) -> PolicyForm:
    """The form holding `start`'s parameters (the draft itself, or the version it copies)."""
    return PolicyForm(
        data,
        initial=initial,
        base=start.as_policy(),
        types=selectors.catalogue_types(),
        cluster_names=selectors.cluster_names(),
    )


@provincial_required
@require_GET
def policy_list(request):
    policies = ScoringPolicy.objects.select_related(
        "created_by", "updated_by", "activated_by"
    ).order_by("-is_active", "-created_at", "-pk")
    return render(request, "scoring/policy_list.html", {"policies": policies})


@provincial_required
@require_http_methods(["GET", "POST"])
def policy_create(request):
    """A new draft, starting from the active version (or ?dari=<pk>, any version)."""
    base_pk = request.GET.get("dari", "")
    if base_pk:
        if parse_id(base_pk) is None:
            raise Http404
        base = get_object_or_404(ScoringPolicy, pk=base_pk)
    else:
        base = selectors.policy_active()
    initial = {"name": _("Draf dari %(name)s") % {"name": base.name}}
    form = _form(base, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        assert form.policy is not None  # set by a valid form
        try:
            draft = services.policy_draft_create(
                base=base, name=form.cleaned_data["name"], policy=form.policy, user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Draf %(version)s disimpan. Baca pratinjau dampaknya sebelum mengaktifkan.")
                % {"version": draft.version},
            )
            return redirect("scoring:policy_preview", draft.pk)
    ctx = {"form": form, "base": base, "policy": None}
    return render(request, "scoring/policy_form.html", ctx)


@provincial_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk):
    policy = get_object_or_404(ScoringPolicy, pk=pk)
    if not policy.is_draft:
        messages.warning(request, NOT_A_DRAFT)
        return redirect("scoring:policy_preview", policy.pk)
    initial = {"name": policy.name}
    form = _form(policy, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        revision = _posted_int(request, "revision")
        if form.is_valid():
            assert form.policy is not None  # set by a valid form
            try:
                policy = services.policy_draft_update(
                    policy,
                    name=form.cleaned_data["name"],
                    params=_params(form),
                    revision=revision,
                    user=request.user,
                )
            except services.StalePolicy as exc:
                policy = exc.policy
                form.add_error(None, STALE)
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Draf %(version)s disimpan. Baca pratinjau dampaknya sebelum mengaktifkan.")
                    % {"version": policy.version},
                )
                return redirect("scoring:policy_preview", policy.pk)
        elif revision != policy.revision:
            form.add_error(None, STALE)
            status = 409
    ctx = {"form": form, "base": None, "policy": policy}
    return render(request, "scoring/policy_form.html", ctx, status=status)


def _params(form: PolicyForm) -> dict:
    assert form.policy is not None  # set by a valid form
    return policy_to_dict(form.policy)


@provincial_required
@require_GET
def policy_preview_page(request, pk):
    policy = get_object_or_404(ScoringPolicy.objects.select_related(*_PEOPLE), pk=pk)
    return _preview(request, policy, ActivateForm(initial={"revision": policy.revision}))


_PEOPLE = ("created_by", "updated_by", "activated_by")


def _preview(request, policy: ScoringPolicy, form: ActivateForm, *, status: int = 200):
    active = selectors.policy_active()
    current, candidate = active.as_policy(), policy.as_policy()
    types = selectors.catalogue_types()
    clusters = selectors.cluster_names()
    ctx = {
        "policy": policy,
        "active": active,
        "form": form,
        "parameters": parameter_rows(
            current,
            candidate,
            type_names={t.code: t.name for t in types},
            cluster_names=clusters,
        ),
        # The active version compared with itself says nothing: no computation then.
        "preview": None
        if policy.pk == active.pk
        else policy_preview(
            candidate,
            current=current,
            type_clusters={t.code: t.clusters for t in types},
        ),
    }
    return render(request, "scoring/policy_preview.html", ctx, status=status)


@provincial_required
@require_POST
def policy_activate(request, pk):
    policy = get_object_or_404(ScoringPolicy.objects.select_related(*_PEOPLE), pk=pk)
    if policy.is_active:
        messages.info(request, _("Versi %(version)s sudah aktif.") % {"version": policy.version})
        return redirect("scoring:policy_list")
    form = ActivateForm(request.POST)
    if not form.is_valid():
        if "revision" in form.errors:  # missing or malformed: refused like a stale one
            form = ActivateForm(initial={"revision": policy.revision})
            messages.error(request, STALE_PREVIEW)
            return _preview(request, policy, form, status=409)
        return _preview(request, policy, form, status=400)
    try:
        queue.policy_activate(policy, user=request.user, revision=form.cleaned_data["revision"])
    except services.StalePolicy as exc:
        messages.error(request, STALE_PREVIEW)
        fresh = ActivateForm(initial={"revision": exc.policy.revision})
        return _preview(request, exc.policy, fresh, status=409)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _preview(request, policy, form, status=400)
    messages.success(
        request,
        _("Versi %(version)s aktif; semua skor kawasan sedang dihitung ulang.")
        % {"version": policy.version},
    )
    return redirect("scoring:policy_list")
