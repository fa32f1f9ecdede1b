"""Reads of the review workflow: who may review a site, its checklist and what stops its
submission, the open pending change of a verified site and its proposed values.

Views check access only through these predicates; the services use check_right, the same
predicates as a guard that raises PermissionDenied.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import scoping
from accounts.scoping import Right

from .. import selectors as site_selectors
from ..models import (
    ChecklistItem,
    OperatingStatus,
    PendingChange,
    PendingChangeState,
    ReviewAction,
    ReviewEvent,
    ServiceType,
    Site,
)

# ---- who may review ----


def sites_reviewable_by(user) -> QuerySet[Site]:
    """Sites one of whose types belongs to a sector the user reviews, in their territory."""
    if not scoping.grants_with(user, Right.REVIEW):
        return Site.objects.none()
    q = scoping.region_q(
        user, Right.REVIEW, region_field="kelurahan__code", sector_field="types__sector"
    )
    # A pk__in subquery: a site with two types of the officer's sector must not come twice.
    return Site.objects.filter(pk__in=Site.objects.filter(q).values("pk"))


def site_may_review(user, site: Site) -> bool:
    return scoping.may_review(
        user, region_code=site.kelurahan_id, sector_ids=site_selectors.site_sector_ids(site)
    )


def user_may_review(user) -> bool:
    return bool(scoping.grants_with(user, Right.REVIEW))


def review_sector_ids(user, site: Site) -> set[int]:
    """The site's sectors whose checklist items this user confirms."""
    return {
        sector_id
        for sector_id in site_selectors.site_sector_ids(site)
        if scoping.may_review(user, region_code=site.kelurahan_id, sector_ids=[sector_id])
    }


# The review steps of a site that anyone who may see the site may read: its verifications
# and the changes that were approved (their content is the live record now). Submissions,
# returns with their reasons and open or returned change proposals are private work.
PUBLIC_REVIEW_ACTIONS = frozenset({ReviewAction.VERIFIED, ReviewAction.REVERIFIED})


def review_events_visible(user, site: Site) -> list[ReviewEvent]:
    """The site's review history as the user may read it, newest first."""
    events = (
        ReviewEvent.objects.filter(site=site)
        .select_related("user", "pending_change")
        .order_by("-at", "-pk")
    )
    if site_may_see_pending(user, site):
        return list(events)
    return [
        e
        for e in events
        if e.action in PUBLIC_REVIEW_ACTIONS
        or (
            e.pending_change is not None
            and e.pending_change.state == PendingChangeState.APPROVED
            and e.action in (ReviewAction.CHANGE_PROPOSED, ReviewAction.CHANGE_APPROVED)
        )
    ]


def site_may_see_pending(user, site: Site) -> bool:
    """An open change is private work: shown to those who may see the site's drafts."""
    return scoping.may_see_private(
        user, region_code=site.kelurahan_id, sector_ids=site_selectors.site_sector_ids(site)
    )


def user_may_see_stale(user) -> bool:
    """The stale-sites list is for those who see some drafts: lurah, camat, officers, province."""
    return bool(scoping.grants_with(user, Right.SEE_PRIVATE))


def check_right(user, site: Site, right: Right) -> None:
    if right == Right.CHANGE and not site_selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengajukan situs ini."))
    if right == Right.REVIEW and not site_may_review(user, site):
        raise PermissionDenied(
            _("Hanya petugas suku dinas sektor situs ini di kotanya yang dapat meninjaunya.")
        )


# ---- checklists ----


def checklist_items(site: Site) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(service_type__in=site.types.all())
        .select_related("service_type")
        .order_by("service_type__order", "service_type__name", "order")
    )


def _answer_display(answer) -> str:
    if answer is None:
        return _("belum dijawab")
    return _("terpenuhi") if answer else _("belum terpenuhi")


def answer_text(answer, note: str) -> str:
    text = _answer_display(answer)
    return f"{text} ({note})" if note else text


def submission_problems(site: Site, item_ids_by_type=None, answers=None) -> list[str]:
    """What stops a submission or a quick (bulk) verification, in words the user can act on.

    item_ids_by_type ({type id: [item ids]}) and answers ({item id: ChecklistAnswer}) can be
    passed in by lists that fetched them for many sites at once.
    """
    problems = []
    if site.operating_status == OperatingStatus.CLOSED:
        problems.append(_("Situs sudah tutup."))
    if item_ids_by_type is None:
        item_ids_by_type = defaultdict(list)
        for item in checklist_items(site):
            item_ids_by_type[item.service_type_id].append(item.pk)
    if answers is None:
        answers = {a.item_id: a for a in site.checklist_answers.all()}
    types = list(site.types.all())
    if not types:
        problems.append(_("Jenis layanan belum dipilih."))
    missing = sum(
        1 for t in types for item_id in item_ids_by_type.get(t.pk, ()) if item_id not in answers
    )
    if missing:
        problems.append(
            ngettext(
                "Daftar periksa: %(n)s butir belum dijawab.",
                "Daftar periksa: %(n)s butir belum dijawab.",
                missing,
            )
            % {"n": missing}
        )
    return problems


# ---- pending changes ----


def pending_changes_visible_to(user) -> QuerySet[PendingChange]:
    """Pending changes of sites in the user's private scope (drafts of a kind), and those
    routed to a sector the user reviews (a change proposing a type of their sector)."""
    return PendingChange.objects.filter(
        Q(site__in=Site.objects.private_to(user))
        | Q(pk__in=changes_reviewable_by(user).values("pk"))
    )


# ---- who reviews a pending change: every sector its current or proposed types touch ----


def change_route(data: dict) -> set[int]:
    """The sectors of the proposed types (stored on the change as PendingChange.sectors).

    The sectors of the site's current types are read live from the site: together they
    are the sectors that must approve (change_sector_ids).
    """
    return set(
        ServiceType.objects.filter(pk__in=data.get("types") or []).values_list(
            "sector_id", flat=True
        )
    )


def routed_to_sector_q(sector_field_prefix: str = "") -> tuple[str, str]:
    """The two lookups that route a change to a sector: its proposed types, its site's."""
    return (f"{sector_field_prefix}sectors", f"{sector_field_prefix}site__types__sector")


def changes_reviewable_by(user) -> QuerySet[PendingChange]:
    """Changes routed to a sector the user reviews, in the user's kota."""
    if not scoping.grants_with(user, Right.REVIEW):
        return PendingChange.objects.none()
    proposed, current = routed_to_sector_q()
    region = "site__kelurahan__code"
    q = scoping.region_q(user, Right.REVIEW, region_field=region, sector_field=proposed)
    q |= scoping.region_q(user, Right.REVIEW, region_field=region, sector_field=current)
    # A pk__in subquery: the two joins must not bring a change back twice.
    return PendingChange.objects.filter(pk__in=PendingChange.objects.filter(q).values("pk"))


def change_sector_ids(change: PendingChange) -> set[int]:
    """Every sector that must approve: the site's current types' and the proposed types'."""
    return {t.sector_id for t in change.site.types.all()} | {s.pk for s in change.sectors.all()}


def change_review_sector_ids(user, change: PendingChange) -> set[int]:
    """The sectors of this change whose part the user approves (their grants, its kota)."""
    return {
        sector_id
        for sector_id in change_sector_ids(change)
        if scoping.may_review(user, region_code=change.site.kelurahan_id, sector_ids=[sector_id])
    }


def change_may_review(user, change: PendingChange) -> bool:
    """May the user decide on this change (approve their sector's part, or return it)?"""
    return bool(change_review_sector_ids(user, change)) and not is_own_change(user, change)


def change_approved_sector_ids(change: PendingChange) -> set[int]:
    return {a.sector_id for a in change.approvals.all()}


# ---- four eyes: nobody reviews what they submitted or proposed, whatever grants they hold --


def last_submitter_id(site: Site) -> int | None:
    return (
        ReviewEvent.objects.filter(site=site, action=ReviewAction.SUBMITTED)
        .order_by("-at", "-pk")
        .values_list("user_id", flat=True)
        .first()
    )


def is_own_submission(user, site: Site) -> bool:
    return user.pk is not None and last_submitter_id(site) == user.pk


def is_own_change(user, change: PendingChange) -> bool:
    return user.pk is not None and change.proposed_by_id == user.pk


OWN_SUBMISSION = gettext_lazy(
    "Anda sendiri yang mengajukan situs ini: petugas lain yang meninjaunya (empat mata)."
)
OWN_CHANGE = gettext_lazy(
    "Anda sendiri yang mengusulkan perubahan ini: petugas lain yang meninjaunya (empat mata)."
)


def pending_change_open(site: Site) -> PendingChange | None:
    return (
        site.pending_changes.filter(
            state__in=[PendingChangeState.PENDING, PendingChangeState.RETURNED]
        )
        .order_by("-pk")
        .first()
    )


def proposed_values(change: PendingChange) -> dict:
    """The change's proposed name, types and location as form values."""
    data = change.data or {}
    values = {}
    if "name" in data:
        values["name"] = data["name"]
    if "types" in data:
        values["types"] = list(ServiceType.objects.filter(pk__in=data["types"]))
    if "location" in data:
        lon, lat = data["location"]
        values["location"] = Point(lon, lat, srid=4326)
    return values


def proposed_checklist(change: PendingChange | None) -> dict[int, tuple[bool | None, str]]:
    if change is None:
        return {}
    return {int(k): (v[0], v[1]) for k, v in (change.data or {}).get("checklist", {}).items()}
