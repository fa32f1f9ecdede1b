"""Whether a user may see an area: the predicates every dashboard view checks first.

An area or kawasan outside all of the user's grants does not exist for them (404); one in
reach of a sector grant only (suku dinas) has no territorial view (403).
"""

from accounts import scoping
from accounts.scoping import Right
from regions.models import code_covers
from web.fragments import fingerprint


def region_in_reach(user, code: str) -> bool:
    """Whether any grant to see private work covers the region (a sector grant too).

    Outside every grant the region's dashboard does not exist for the user (404).
    """
    return any(
        code_covers(g.region_code, code) for g in scoping.grants_with(user, Right.SEE_PRIVATE)
    )


def region_territorial(user, code: str) -> bool:
    """Whether a territorial grant (not limited to a sector) covers the region.

    Territorial dashboards and kawasan reports show every sector's sites and the next steps
    naming them: a suku dinas officer, whose reach is one sector, may not open them (403).
    """
    return any(
        g.sector_id is None and code_covers(g.region_code, code)
        for g in scoping.grants_with(user, Right.SEE_PRIVATE)
    )


def territory_codes(user) -> list[str]:
    """The kelurahan and kecamatan the user keeps by territory (lurah, camat)."""
    return scoping.territory_codes(user, Right.CHANGE)


def sector_grants(user) -> list[scoping.Grant]:
    """The user's suku dinas grants: one sector in one kota each."""
    return [g for g in scoping.grants_with(user, Right.REVIEW) if g.sector_id is not None]


def grants_key(user) -> str:
    """The user's grants as a key part: users whose grants are equal see the same thing.

    Every scoped read (visible and private sites, the right to change) is a function of the
    grants alone, so fragments keyed by them are never shown to a user of another scope.
    """
    grants = sorted((g.role, g.region_code, g.sector_id or 0) for g in scoping.grants_for(user))
    return fingerprint("grants", *grants)
