"""Writing notifications: `notify` stores the inbox rows and enqueues their emails after
commit (notifications.tasks), whose sending is notifications.emails: the task imports that,
not this module, so notify and the work it triggers do not import each other."""

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import tasks
from .models import Kind, Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    site_id: int | None = None,
) -> list[Notification]:
    """One inbox row per distinct active recipient; their emails go out after commit.

    Call it inside the transaction of the action it reports: a rolled-back action leaves
    neither a row nor an email.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if url and not url.startswith("/"):
        raise ValueError("a notification links inside the portal only")
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification.objects.create(
                recipient=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url[:300],
                site_id=site_id,
            )
        )
    inbox_changed(seen)
    ids = [n.pk for n in rows if n.recipient.email]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))
    return rows


def inbox_changed(user_ids: Iterable[int]) -> None:
    """Bump the users' inbox version after a change to their unread notifications (in its
    transaction, when there is one): their next page counts the badge again
    (selectors.unread_count_cached). After, not before: a count made in between is kept
    under the old version, which no later request reads."""
    ids = set(user_ids)
    if ids:
        get_user_model().objects.filter(pk__in=ids).update(inbox_version=F("inbox_version") + 1)


def _enqueue_emails(ids: list[int]) -> None:
    try:
        tasks.notifications_email.delay(ids)
    except Exception:
        # The inbox row is committed; a broker outage must not fail the user's action.
        logger.exception("Could not enqueue notification emails %s", ids)


def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
        inbox_changed([user.pk])
    return notification


def notifications_mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    inbox_changed([user.pk])
    return count


def recently_notified(*, user_ids: Iterable[int], kind: str, since) -> set[int]:
    """Recipients among user_ids who got a notification of this kind since `since`.

    Periodic reminders use it so that a task run twice (or daily) does not nag twice.
    """
    return set(
        Notification.objects.filter(
            recipient_id__in=list(user_ids), kind=kind, created_at__gte=since
        ).values_list("recipient_id", flat=True)
    )
