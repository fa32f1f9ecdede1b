"""The inbox. A user reaches only their own notifications: another user's is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services

PAGE_SIZE = 30


@require_GET
def inbox(request):
    qs = selectors.notifications_for(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.unread_count_cached(request.user)
    # The header badge (context processor) reuses this count instead of asking again.
    request._kaltara_unread = unread
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread})


@require_POST
def notification_open(request, pk):
    """Mark read, then go to what it is about (a path inside the portal only)."""
    note = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=note)
    if note.url and url_has_allowed_host_and_scheme(
        note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.url)
    return redirect("notifications:inbox")


@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("%(n)s notifikasi ditandai sudah dibaca.") % {"n": count})
    return redirect("notifications:inbox")
