"""What a kawasan edit would do to its score, before anything is written.

A preview reads the kawasan's scoring inputs as kawasan_inputs reads them, changes them as
the edit would change the rows (a member added or removed, the hub moved), and scores both
with the same pure function under the active policy. The changed input is the one
kawasan_inputs reads once the edit is saved (tests/kawasan/test_preview.py holds them
equal), so the "after" of a preview is the score the recompute stores after confirming.

Reads only: the policy, the catalogue's type clusters, the kawasan's inputs (3 queries) and,
for an added site, its row and its active links to the members (2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Q
from django.utils import timezone

from sites.models import SiteLink

from . import core, selectors
from .policy import Policy

COMPONENTS = ("coverage", "connectivity", "proximity", "freshness")


@dataclass(frozen=True)
class ComponentChange:
    name: str  # one of COMPONENTS
    weight: float
    before: float  # 0..1
    after: float
    points: float  # what the change of this component adds to the total (one decimal)


@dataclass(frozen=True)
class KawasanPreview:
    before: core.Breakdown
    after: core.Breakdown
    changed: core.KawasanInput  # the input the after is scored from
    policy: Policy

    @property
    def points(self) -> float:
        return core.round_total(self.after.total - self.before.total)

    @property
    def band_changed(self) -> bool:
        return self.before.band != self.after.band

    @property
    def components(self) -> list[ComponentChange]:
        result = []
        for name in COMPONENTS:
            weight = getattr(self.policy, f"weight_{name}")
            before, after = getattr(self.before, name), getattr(self.after, name)
            points = core.round_total(1000.0 * weight * (after - before))
            result.append(ComponentChange(name, weight, before, after, points))
        return result


def _preview(
    kawasan_id: int,
    change: Callable[[core.KawasanInput, dict], core.KawasanInput],
    *,
    policy: Policy | None,
    today: date | None,
) -> KawasanPreview:
    policy = policy or selectors.policy_active().as_policy()
    today = today or timezone.localdate()
    type_clusters = selectors.type_clusters_map()
    current = selectors.kawasan_inputs([kawasan_id], today=today, type_clusters=type_clusters)[
        kawasan_id
    ]
    changed = change(current, type_clusters)
    return KawasanPreview(
        before=core.score_kawasan(current, policy),
        after=core.score_kawasan(changed, policy),
        changed=changed,
        policy=policy,
    )


def preview_member_add(
    kawasan_id: int, site_id: int, *, policy: Policy | None = None, today: date | None = None
) -> KawasanPreview:
    """The kawasan with the site as one more member (unchanged if it already is one)."""

    def add(inp: core.KawasanInput, type_clusters) -> core.KawasanInput:
        member_ids = {s.id for s in inp.sites}
        if site_id in member_ids:
            return inp
        site = selectors.site_inputs([site_id], type_clusters=type_clusters)[site_id]
        # The links kawasan_inputs would then count: active, the new site at one end and a
        # member (or itself) at the other; a pair linked in two kinds comes once.
        ends = [*member_ids, site_id]
        day = inp.today
        rows = (
            SiteLink.objects.filter(
                Q(site_a_id=site_id, site_b_id__in=ends) | Q(site_b_id=site_id, site_a_id__in=ends)
            )
            .filter(start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .order_by()
            .values_list("site_a_id", "site_b_id")
            .distinct()
        )
        links = {(link.a, link.b) for link in inp.links} | set(rows)
        return replace(
            inp,
            sites=tuple(sorted((*inp.sites, site), key=lambda s: s.id)),
            links=tuple(core.LinkInput(a, b) for a, b in sorted(links)),
        )

    return _preview(kawasan_id, add, policy=policy, today=today)


def preview_member_remove(
    kawasan_id: int, site_id: int, *, policy: Policy | None = None, today: date | None = None
) -> KawasanPreview:
    """The kawasan without the member; removing the hub leaves it without one (as saving does)."""

    def remove(inp: core.KawasanInput, _type_clusters) -> core.KawasanInput:
        return replace(
            inp,
            sites=tuple(s for s in inp.sites if s.id != site_id),
            links=tuple(link for link in inp.links if site_id not in (link.a, link.b)),
            hub_id=None if inp.hub_id == site_id else inp.hub_id,
        )

    return _preview(kawasan_id, remove, policy=policy, today=today)


def preview_hub(
    kawasan_id: int, hub_id: int | None, *, policy: Policy | None = None, today: date | None = None
) -> KawasanPreview:
    """The kawasan with another hub (None: without one). The hub must be a member."""
    return _preview(
        kawasan_id, lambda inp, _tc: replace(inp, hub_id=hub_id), policy=policy, today=today
    )
