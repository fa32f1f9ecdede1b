"""What a kawasan edit, or a site edit that reaches kawasan, would do to their scores,
before anything is written.

A preview reads the kawasan's scoring inputs as kawasan_inputs reads them, changes them as
the edit would change the rows (a member added or removed, the hub moved; a link added or
ended, a site closed), and scores both with the same pure function under the active policy.
The changed input is the one kawasan_inputs reads once the edit is saved
(tests/kawasan/test_preview.py and tests/scoring/test_change_previews.py hold them equal),
so the "after" of a preview is the score the recompute stores after confirming.

Reads only: the policy, the catalogue's type clusters, the kawasan's inputs (3 queries for
any number of kawasan) and, for an added site, its row and its active links to the members
(2); a site edit first finds the kawasan it reaches (1) and an ended link asks whether
another kind still joins the pair (1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    return _previews([kawasan_id], change, policy=policy, today=today)[kawasan_id]


def _previews(
    kawasan_ids: Iterable[int],
    change: Callable[[core.KawasanInput, dict], core.KawasanInput],
    *,
    policy: Policy | None,
    today: date | None,
) -> dict[int, KawasanPreview]:
    """The preview of each kawasan (unknown ids left out), the inputs read in one batch."""
    ids = list(kawasan_ids)
    if not ids:
        return {}
    policy = policy or selectors.policy_active().as_policy()
    today = today or timezone.localdate()
    type_clusters = selectors.type_clusters_map()
    inputs = selectors.kawasan_inputs(ids, today=today, type_clusters=type_clusters)
    result = {}
    for kawasan_id, current in inputs.items():
        changed = change(current, type_clusters)
        result[kawasan_id] = KawasanPreview(
            before=core.score_kawasan(current, policy),
            after=core.score_kawasan(changed, policy),
            changed=changed,
            policy=policy,
        )
    return result


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


# --- site edits: every kawasan that has an end of the link, or the site, as member or hub ---
# (scoring.selectors.kawasan_ids_for_sites, the set the recompute after saving is queued for)


def _with_links(inp: core.KawasanInput, pairs: set[tuple[int, int]]) -> core.KawasanInput:
    return replace(inp, links=tuple(core.LinkInput(a, b) for a, b in sorted(pairs)))


def preview_link_add(
    site_a_id: int,
    site_b_id: int,
    *,
    start_date: date,
    policy: Policy | None = None,
    today: date | None = None,
) -> dict[int, KawasanPreview]:
    """Each kawasan reached by a new link between the two sites, with the link counted.

    kawasan_inputs counts an active link (started on or before the day, not ended) whose two
    ends are members of the kawasan, one pair once whatever its kinds: a link starting
    later, or joining a member to an outsider, changes nothing today.
    """
    today = today or timezone.localdate()
    a, b = min(site_a_id, site_b_id), max(site_a_id, site_b_id)  # stored ordered

    def add(inp: core.KawasanInput, _type_clusters) -> core.KawasanInput:
        member_ids = {s.id for s in inp.sites}
        if start_date > inp.today or not {a, b} <= member_ids:
            return inp
        return _with_links(inp, {(link.a, link.b) for link in inp.links} | {(a, b)})

    ids = selectors.kawasan_ids_for_sites([a, b])
    return _previews(ids, add, policy=policy, today=today)


def preview_link_end(
    link: SiteLink,
    *,
    end_date: date,
    reach: Iterable[int] | None = None,
    policy: Policy | None = None,
    today: date | None = None,
) -> dict[int, KawasanPreview]:
    """Each kawasan reached by the link's ends (or only by the ends in `reach`), with the
    link ended on end_date.

    A link counts through its end date: ended today or later, it still counts today, and
    the score changes only from the day after (the nightly recompute stores that). The pair
    stays linked while another active link of another kind joins it. A kawasan holding one
    end only does not count the link: leaving out the kawasan of an end the user may not
    see (reach) drops no change, and does not tell where that site is a member.
    """
    today = today or timezone.localdate()
    a, b = min(link.site_a_id, link.site_b_id), max(link.site_a_id, link.site_b_id)
    still_linked = end_date >= today or (
        SiteLink.objects.filter(site_a_id=a, site_b_id=b, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(pk=link.pk)
        .exists()
    )

    def end(inp: core.KawasanInput, _type_clusters) -> core.KawasanInput:
        if still_linked:
            return inp
        return _with_links(inp, {(x.a, x.b) for x in inp.links} - {(a, b)})

    ids = selectors.kawasan_ids_for_sites([a, b] if reach is None else reach)
    return _previews(ids, end, policy=policy, today=today)


def preview_site_close(
    site_id: int, *, policy: Policy | None = None, today: date | None = None
) -> dict[int, KawasanPreview]:
    """Each kawasan that has the site as member or hub, with the site closed.

    A closed member stays a member but counts in no component, and a closed hub is no hub
    (scoring.core): the score drops as it will once the closure is saved.
    """

    def close(inp: core.KawasanInput, _type_clusters) -> core.KawasanInput:
        return replace(
            inp,
            sites=tuple(
                replace(s, operating_status=core.CLOSED) if s.id == site_id else s
                for s in inp.sites
            ),
        )

    ids = selectors.kawasan_ids_for_sites([site_id])
    return _previews(ids, close, policy=policy, today=today)
