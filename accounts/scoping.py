"""The one place that answers what a user may see and change.

Two poles: camat and lurah act by territory (a region and everything below it), suku
dinas officers by sector within their kota. Every view fetches objects through querysets
built here (out of scope: 404) and asks the predicates here before acting (no right: 403).
It fails closed: a user with no assignment may see no private work and change nothing.

Objects are described by plain keys, so this module imports no higher app:
``region_code`` is the Kemendagri code the object sits in and ``sector_ids`` the sectors
it belongs to (a site with an RPTRA and a posyandu role belongs to two).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from regions.models import code_covers, subtree_q

from .memo import UserMemo
from .models import Role

# The grants each worker read, by (user, grants_version): no query per request while the
# user's assignments stand (any ORM change to them bumps the version; see accounts.models).
# A minute bounds a change made behind the ORM's back.
GRANTS_MAX_AGE = 60.0
_grants_memo = UserMemo("grants_version", max_age=GRANTS_MAX_AGE)


class Right(StrEnum):
    SEE_PRIVATE = "see_private"  # drafts, submissions, queues, membership edits
    CHANGE = "change"  # create and edit sites, links, kawasan
    REVIEW = "review"  # verify or return a sector's sites


ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    Role.LURAH: frozenset({Right.SEE_PRIVATE, Right.CHANGE}),
    Role.CAMAT: frozenset({Right.SEE_PRIVATE, Right.CHANGE}),
    Role.SUDIN: frozenset({Right.SEE_PRIVATE, Right.REVIEW}),
    # The province oversees everything but keeps nobody's sites for them.
    Role.PROVINSI: frozenset({Right.SEE_PRIVATE}),
    Role.ADMIN: frozenset({Right.SEE_PRIVATE, Right.CHANGE, Right.REVIEW}),
}


@dataclass(frozen=True)
class Grant:
    role: str
    region_code: str
    sector_id: int | None  # only suku dinas grants are limited to a sector

    def covers(self, region_code: str, sector_ids: Iterable[int]) -> bool:
        if not code_covers(self.region_code, region_code):
            return False
        return self.sector_id is None or self.sector_id in set(sector_ids)


def grants_for(user) -> tuple[Grant, ...]:
    """The user's grants: kept on the user object, and per worker by grants version."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_kaltara_grants", None)
    if cached is None:
        cached = user._kaltara_grants = _grants_memo.get(user, lambda: _read_grants(user))
    return cached


def _read_grants(user) -> tuple[Grant, ...]:
    return tuple(
        Grant(role, region_id, sector_id)
        for role, region_id, sector_id in user.assignments.values_list(
            "role", "region_id", "sector_id"
        )
    )


def grants_with(user, right: Right) -> tuple[Grant, ...]:
    return tuple(g for g in grants_for(user) if right in ROLE_RIGHTS.get(g.role, ()))


def has_right(user, right: Right, *, region_code: str, sector_ids: Iterable[int] = ()) -> bool:
    sector_ids = tuple(sector_ids)
    return any(g.covers(region_code, sector_ids) for g in grants_with(user, right))


def may_see_private(user, *, region_code: str, sector_ids: Iterable[int] = ()) -> bool:
    return has_right(user, Right.SEE_PRIVATE, region_code=region_code, sector_ids=sector_ids)


def may_change(user, *, region_code: str, sector_ids: Iterable[int] = ()) -> bool:
    return has_right(user, Right.CHANGE, region_code=region_code, sector_ids=sector_ids)


def may_review(user, *, region_code: str, sector_ids: Iterable[int] = ()) -> bool:
    # Reviewing is always sector work: a grant without a sector covers every sector.
    return has_right(user, Right.REVIEW, region_code=region_code, sector_ids=sector_ids)


def is_provincial(user) -> bool:
    return any(g.role in (Role.PROVINSI, Role.ADMIN) for g in grants_for(user))


def region_q(user, right: Right, *, region_field: str, sector_field: str | None = None) -> Q:
    """A filter for querysets: rows whose region (and sector) a grant with `right` covers.

    `region_field` is the lookup path to a Kemendagri code; `sector_field` the path to a
    sector id (None when the rows have no sector: then sectoral grants cover nothing).
    Matching is by whole code parts: '31.75' covers '31.75.03' but not '31.750'.
    """
    q = Q(pk__in=[])  # fail closed
    for grant in grants_with(user, right):
        territory = subtree_q(region_field, grant.region_code)
        if grant.sector_id is not None:
            if sector_field is None:
                continue
            territory &= Q(**{sector_field: grant.sector_id})
        q |= territory
    return q


def territory_codes(user, right: Right) -> list[str]:
    """Region codes of the user's grants with `right` that are not limited to a sector."""
    return sorted({g.region_code for g in grants_with(user, right) if g.sector_id is None})
