"""Reading the inbox: a user sees only their own notifications."""

from django.db.models import QuerySet

from accounts.memo import UserMemo

from .models import Notification

# The header badge is on every signed-in page. Each worker keeps the count it made by
# (user, inbox_version): every write that changes a user's unread notifications bumps the
# version on the user's row (services.inbox_changed), which each request loads anyway, so
# the badge costs no query and no cache round trip until something changes. A minute bounds
# a change made behind the ORM's back (a notification deleted in a shell).
UNREAD_MAX_AGE = 60.0
_unread_memo = UserMemo("inbox_version", max_age=UNREAD_MAX_AGE)


def notifications_for(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def unread_count_cached(user) -> int:
    return _unread_memo.get(user, lambda: unread_count(user))


def unread_count_refresh(user) -> int:
    """Count now and keep it (at sign-in: the first page after it needs no COUNT)."""
    return _unread_memo.refresh(user, lambda: unread_count(user))
