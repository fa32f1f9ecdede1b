"""The periodic reminders (sites/tasks.py): stale sites to their lurah and officers, weekly
each; overdue review items to their officers, daily each."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Assignment, Role, User
from notifications.models import Kind
from notifications.services import notify, recently_notified
from regions.models import code_covers

from ..models import PendingChange, PendingChangeState, ReviewState, Site
from .freshness import freshness_days, sites_stale
from .queue import overdue_days


def _officer_grants() -> list[tuple[int, str, int]]:
    """(user id, region code, sector id) of every active suku dinas officer."""
    return list(
        Assignment.objects.filter(role=Role.SUDIN, user__is_active=True).values_list(
            "user_id", "region_id", "sector_id"
        )
    )


def _officer_counts(rows, grants) -> dict[int, int]:
    """rows: [(object key, kelurahan code, sector id)]; how many objects each officer covers."""
    covered = defaultdict(set)
    for user_id, region_code, sector_id in grants:
        for key, kelurahan_code, row_sector in rows:
            if row_sector == sector_id and code_covers(region_code, kelurahan_code):
                covered[user_id].add(key)
    return {user_id: len(keys) for user_id, keys in covered.items()}


def stale_reminders_send(now: datetime | None = None) -> int:
    """Remind each lurah and officer of their stale sites, at most once a week each.

    Returns the number of notifications created.
    """
    now = now or timezone.now()
    rows = list(
        sites_stale(Site.objects.all(), now).values_list("pk", "kelurahan_id", "types__sector")
    )
    if not rows:
        return 0
    per_kelurahan = defaultdict(set)
    for pk, kelurahan_code, _sector in rows:
        per_kelurahan[kelurahan_code].add(pk)
    lurah_counts: defaultdict[int, int] = defaultdict(int)
    for user_id, region_id in Assignment.objects.filter(
        role=Role.LURAH, region_id__in=list(per_kelurahan), user__is_active=True
    ).values_list("user_id", "region_id"):
        lurah_counts[user_id] += len(per_kelurahan[region_id])
    officer_counts = _officer_counts(rows, _officer_grants())
    counts = {**officer_counts}
    for user_id, n in lurah_counts.items():
        counts[user_id] = counts.get(user_id, 0) + n
    skip = recently_notified(user_ids=counts, kind=Kind.SITE_STALE, since=now - timedelta(days=6))
    users = User.objects.in_bulk([pk for pk in counts if pk not in skip])
    created = 0
    url = reverse("services:review_stale")
    with transaction.atomic():
        for user_id, user in users.items():
            n = counts[user_id]
            notify(
                recipients=[user],
                kind=Kind.SITE_STALE,
                title=ngettext(
                    "%(n)s situs perlu diverifikasi ulang",
                    "%(n)s situs perlu diverifikasi ulang",
                    n,
                )
                % {"n": n},
                body=_(
                    "Situs ini terakhir diverifikasi lebih dari %(days)s hari lalu. "
                    "Lurah: perbarui datanya atau minta verifikasi ulang. "
                    "Petugas suku dinas: verifikasi ulang."
                )
                % {"days": freshness_days()},
                url=url,
            )
            created += 1
    return created


def overdue_reminders_send(now: datetime | None = None) -> int:
    """Tell each officer how many of their review items are overdue, at most once a day."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=overdue_days())
    rows = [
        (("site", pk), kelurahan, sector)
        for pk, kelurahan, sector in Site.objects.filter(
            review_state=ReviewState.SUBMITTED, submitted_at__lt=cutoff
        ).values_list("pk", "kelurahan_id", "types__sector")
    ]
    rows += [
        (("change", pk), kelurahan, sector)
        for pk, kelurahan, sector in PendingChange.objects.filter(
            state=PendingChangeState.PENDING, submitted_at__lt=cutoff
        ).values_list("pk", "site__kelurahan_id", "site__types__sector")
    ]
    if not rows:
        return 0
    counts = _officer_counts(rows, _officer_grants())
    skip = recently_notified(
        user_ids=counts, kind=Kind.REVIEW_OVERDUE, since=now - timedelta(hours=20)
    )
    users = User.objects.in_bulk([pk for pk in counts if pk not in skip])
    url = reverse("services:review_queue")
    with transaction.atomic():
        for user_id, user in users.items():
            n = counts[user_id]
            notify(
                recipients=[user],
                kind=Kind.REVIEW_OVERDUE,
                title=ngettext("%(n)s tinjauan terlambat", "%(n)s tinjauan terlambat", n)
                % {"n": n},
                body=_("Pengajuan dan usulan perubahan ini menunggu lebih dari %(days)s hari.")
                % {"days": overdue_days()},
                url=url,
            )
    return len(users)
