"""The owner's pages of personal API tokens (/akun/token/): list, create, revoke.

Only the user's own tokens exist here (another user's is 404). The secret is shown once, in
the answer to the POST that made it, and never again (only its SHA-256 is kept).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import TokenCreateForm, TokenRevokeForm

STALE = gettext_lazy(
    "Token ini sudah dicabut atau diubah sejak halaman ini dibuka: periksa daftarnya yang sekarang."
)


@never_cache  # the answer to a creation carries the secret: no copy anywhere
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenCreateForm()
    ctx = {"form": form, "tokens": selectors.tokens_of(request.user), "created": created}
    return render(request, "api/token_list.html", ctx)


@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(selectors.tokens_of(request.user), pk=pk)
    if request.method == "GET":
        form = TokenRevokeForm(initial={"version": token.version})
        return render(request, "api/token_revoke.html", {"token": token, "form": form})
    form = TokenRevokeForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.token_revoke(token=token, version=version)
    except services.StaleToken:
        messages.error(request, STALE)
    else:
        messages.success(request, _("Token %(name)s dicabut.") % {"name": token.name})
    return redirect("tokens:list")
