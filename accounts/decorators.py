"""Access decorators for views: the page-level form of the rules in accounts.scoping."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from . import scoping


def provincial_required(view):
    """Provincial pages (rankings, choropleth, province overview, rankings exports): a user
    without a provincial grant is refused with 403 (the pages exist, the right is missing)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not scoping.is_provincial(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
