"""The officer's review queue (submissions and pending changes, oldest first) and the bulk
verification of several submissions from it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import scoping
from accounts.scoping import Right

from .. import editing
from ..models import (
    ChecklistAnswer,
    ChecklistItem,
    PendingChange,
    PendingChangeState,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    ServiceType,
    Site,
)
from .selectors import (
    changes_reviewable_by,
    is_own_change,
    sites_reviewable_by,
    submission_problems,
)
from .transitions import ReviewConflict, site_verify


def overdue_days() -> int:
    return settings.KALTARA_REVIEW_OVERDUE_DAYS


@dataclass
class QueueItem:
    kind: str  # "site" (a submission) or "change" (a pending change)
    site: Site
    change: PendingChange | None
    since: datetime
    age_days: int
    overdue: bool
    problems: list[str]
    labels: list[str]  # for changes: the fields it touches
    own: bool = False  # the user submitted or proposed it: someone else reviews it
    unmet: int = 0  # checklist items answered "belum terpenuhi" (submissions)

    @property
    def version(self) -> int:
        return self.change.version if self.change else self.site.version


_CHANGE_LABELS = {
    "name": editing.FIELD_LABELS["name"],
    "types": editing.FIELD_LABELS["types"],
    "location": editing.FIELD_LABELS["location"],
    "kelurahan": editing.FIELD_LABELS["kelurahan"],
    "checklist": gettext_lazy("Daftar periksa"),
    "reverify": gettext_lazy("Minta verifikasi ulang"),
}


def _age(since: datetime, now: datetime) -> tuple[int, bool]:
    days = max(0, (now - since).days)
    return days, now - since > timedelta(days=overdue_days())


def review_queue(user, now: datetime | None = None) -> list[QueueItem]:
    """Submissions and pending changes the user reviews, oldest first, in a fixed number of
    queries whatever their count."""
    now = now or timezone.now()
    reviewable = sites_reviewable_by(user)
    sites = list(
        reviewable.filter(review_state=ReviewState.SUBMITTED)
        .annotate(
            submitted_by_id=Subquery(
                ReviewEvent.objects.filter(site=OuterRef("pk"), action=ReviewAction.SUBMITTED)
                .order_by("-at", "-pk")
                .values("user_id")[:1]
            )
        )
        .select_related("kelurahan", "kelurahan__parent")
        .defer("kelurahan__boundary", "kelurahan__parent__boundary")
        .prefetch_related(
            Prefetch("types", queryset=ServiceType.objects.only("id", "name", "sector_id")),
            Prefetch(
                "checklist_answers",
                queryset=ChecklistAnswer.objects.only("id", "item_id", "site_id", "answer"),
            ),
        )
        .order_by("submitted_at", "pk")
    )
    type_ids = {t.pk for s in sites for t in s.types.all()}
    item_ids_by_type = defaultdict(list)
    for type_id, item_id in ChecklistItem.objects.filter(service_type_id__in=type_ids).values_list(
        "service_type_id", "pk"
    ):
        item_ids_by_type[type_id].append(item_id)
    items = []
    for site in sites:
        since = site.submitted_at or site.updated_at
        age, overdue = _age(since, now)
        answers = {a.item_id: a for a in site.checklist_answers.all()}
        items.append(
            QueueItem(
                "site",
                site,
                None,
                since,
                age,
                overdue,
                submission_problems(site, item_ids_by_type, answers),
                [],
                own=site.submitted_by_id == user.pk,
                unmet=sum(1 for a in answers.values() if not a.answer),
            )
        )
    # Changes routed to the user's sectors (current or proposed types), while a sector of
    # theirs has still to approve.
    # (An officer approves all of their sectors' parts at once: one of them approved, done.)
    own_sectors = {
        g.sector_id for g in scoping.grants_with(user, Right.REVIEW) if g.sector_id is not None
    }
    changes = (
        changes_reviewable_by(user)
        .filter(state=PendingChangeState.PENDING)
        .exclude(approvals__sector_id__in=own_sectors)
        .select_related("site", "site__kelurahan", "site__kelurahan__parent", "proposed_by")
        .defer("site__kelurahan__boundary", "site__kelurahan__parent__boundary")
        .order_by("submitted_at", "pk")
    )
    for change in changes:
        age, overdue = _age(change.submitted_at, now)
        labels = [str(_CHANGE_LABELS.get(k, k)) for k in change.data or {}]
        items.append(
            QueueItem(
                "change",
                change.site,
                change,
                change.submitted_at,
                age,
                overdue,
                [],
                labels,
                own=is_own_change(user, change),
            )
        )
    items.sort(key=lambda i: (i.since, i.kind, i.site.pk))
    return items


# ---- bulk verification ----


def unmet_items(site: Site) -> list[ChecklistItem]:
    """The site's items answered "belum terpenuhi", from its prefetched answers (with items)."""
    answers = [a for a in site.checklist_answers.all() if not a.answer]
    answers.sort(key=lambda a: (a.item.service_type.order, a.item.service_type.name, a.item.order))
    return [a.item for a in answers]


def unmet_text(items: list[ChecklistItem]) -> str:
    names = "; ".join(f"{item.text} ({item.service_type.name})" for item in items)
    return ngettext(
        "%(n)s butir belum terpenuhi: %(items)s",
        "%(n)s butir belum terpenuhi: %(items)s",
        len(items),
    ) % {"n": len(items), "items": names}


def _chosen_sites(user, site_ids) -> dict[int, Site]:
    answers = ChecklistAnswer.objects.select_related("item__service_type")
    return {
        s.pk: s
        for s in sites_reviewable_by(user)
        .filter(pk__in=list(site_ids))
        .prefetch_related("types", Prefetch("checklist_answers", queryset=answers))
    }


@dataclass
class UnmetRow:
    site: Site
    items: list[ChecklistItem]


def bulk_unmet(user, site_ids: list[int]) -> list[UnmetRow]:
    """Of the submissions chosen for a bulk verify, those with items answered "belum
    terpenuhi", in the order chosen: the officer is asked again about each of them."""
    sites = _chosen_sites(user, site_ids)
    rows = []
    for pk in site_ids:
        site = sites.get(pk)
        if site is not None and (items := unmet_items(site)):
            rows.append(UnmetRow(site, items))
    return rows


@dataclass
class BulkResult:
    verified: list[Site] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (site name or id, why)
    # Of the verified, those the officer included although items are unmet.
    with_unmet: list[Site] = field(default_factory=list)


def sites_verify_bulk(
    *, user, items: list[tuple[int, int]], include_unmet: Collection[int] = ()
) -> BulkResult:
    """Verify several submissions at once ([(site id, version)]); each on its own.

    Only sites without validation problems are verified. A site with items answered "belum
    terpenuhi" is verified only when its id is in include_unmet (the officer was shown those
    items and chose it), and its unmet items stay unconfirmed; otherwise it is left out. The
    skipped ones, with any site someone acted on since the queue was loaded, come with the
    reason.
    """
    result = BulkResult()
    versions = dict(items)
    include = set(include_unmet)
    sites = _chosen_sites(user, versions)
    for pk, version in items:
        site = sites.get(pk)
        if site is None:
            result.skipped.append((str(pk), _("tidak ditemukan dalam tinjauan Anda")))
            continue
        problems = submission_problems(site)
        if problems:
            result.skipped.append((site.name, " ".join(problems)))
            continue
        unmet = unmet_items(site)
        if unmet and pk not in include:
            why = _("%(unmet)s; tidak Anda sertakan.") % {"unmet": unmet_text(unmet)}
            result.skipped.append((site.name, why))
            continue
        try:
            site_verify(user=user, site=site, version=version)
        except (ReviewConflict, ValidationError, PermissionDenied) as exc:
            message = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            result.skipped.append((site.name, " ".join(message)))
        else:
            result.verified.append(site)
            if unmet:
                result.with_unmet.append(site)
    return result
