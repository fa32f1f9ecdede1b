"""Reading the inbox: a user sees only their own notifications."""

import logging

from django.core.cache import cache
from django.db.models import QuerySet

from .models import Notification

logger = logging.getLogger(__name__)

# The header badge reads the count from the shared cache (Redis in production), so pages
# cost no query for it; every write that changes it drops the key (services.unread_forget).
# The timeout only bounds staleness where the cache is not shared (several processes
# each with a memory cache).
UNREAD_CACHE_SECONDS = 300


def notifications_for(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def unread_cache_key(user_id: int) -> str:
    return f"kaltara:unread:{user_id}"


def cache_call(method: str, *args, **kwargs):
    """cache.<method>(...), or None when the cache is unreachable.

    The badge is on every signed-in page and the count is only an optimisation: a Redis
    outage must cost a COUNT query, not turn every page (and the sign-in) into a 500.
    """
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception as exc:
        logger.warning("Cache unreachable (%s %s): %s", method, args[0] if args else "", exc)
        return None


def unread_count_cached(user) -> int:
    key = unread_cache_key(user.pk)
    count = cache_call("get", key)
    if count is None:
        count = unread_count(user)
        cache_call("set", key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_count_refresh(user) -> int:
    """Count now and keep it for the badge (at sign-in, and on the inbox page)."""
    count = unread_count(user)
    cache_call("set", unread_cache_key(user.pk), count, UNREAD_CACHE_SECONDS)
    return count
