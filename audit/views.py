"""The audit trail page: for provincial staff and administrators only."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import scoping

from . import selectors
from .forms import AuditFilterForm

PAGE_SIZE = 50


def user_may_audit(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or scoping.is_provincial(user)))


@require_GET
def audit_list(request):
    # No object to be out of scope of: the whole trail is provincial oversight, so 403.
    if not user_may_audit(request.user):
        raise PermissionDenied(_("Jejak audit hanya untuk staf provinsi dan admin."))
    form = AuditFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    flt = form.audit_filter() if form.is_bound and valid else selectors.AuditFilter()
    entries = selectors.audit_entries(flt) if valid else selectors.audit_entries_none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.audit_rows(page.object_list),
            "query": query.urlencode(),
        },
    )
