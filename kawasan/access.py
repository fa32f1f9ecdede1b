"""Who may reach a kawasan edit and which sites it may name: the same checks for the write
views here and for the pages that preview an edit (dashboards.kawasan_pages).

Out of the user's territory is 404, in it without the right to change 403. A site the user
may not see answers like a site that does not exist (404, no name), so nobody learns which
hidden sites belong to a kawasan.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from sites.models import Site
from web.validators import parse_id

from . import selectors
from .models import Kawasan


def changeable_kawasan(user, pk) -> Kawasan:
    """The kawasan for an edit: out of the user's territory 404, no right to change 403."""
    kawasan = get_object_or_404(selectors.kawasan_private_scope(user), pk=pk)
    if not selectors.kawasan_may_change(user, kawasan):
        raise PermissionDenied
    return kawasan


def _visible(user, details: bool):
    qs = Site.objects.visible_to(user)
    if details:  # for a page that shows the site's kelurahan and types
        qs = (
            qs.select_related("kelurahan")
            .defer("kelurahan__boundary", "kelurahan__centroid")
            .prefetch_related("types")
        )
    return qs


def addable_site(user, raw_pk: str, *, details: bool = False) -> Site:
    """A site the user may add: any site they may see, also verified sites outside the
    territory (the puskesmas kecamatan in the next kelurahan): membership is the kawasan's
    business."""
    pk = parse_id(raw_pk)
    if pk is None:
        raise Http404
    return get_object_or_404(_visible(user, details), pk=pk)


def visible_member(user, kawasan: Kawasan, site_pk, *, details: bool = False) -> Site:
    """A member the user may see; a hidden member answers exactly like a non-member."""
    return get_object_or_404(
        _visible(user, details).filter(memberships__kawasan=kawasan), pk=site_pk
    )
