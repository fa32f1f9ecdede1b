"""The unread count for the header badge.

A callable: the template calls it only when it renders the badge, and the result is kept on
the request. Each worker keeps the count by the user's inbox version (selectors), so most
pages cost no query for it; a new version costs one COUNT on an indexed column.
"""

from . import selectors


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    def unread():
        cached = getattr(request, "_kaltara_unread", None)
        if cached is None:
            cached = request._kaltara_unread = selectors.unread_count_cached(user)
        return cached

    return {"unread_notifications": unread}
