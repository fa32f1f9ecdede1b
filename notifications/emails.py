"""Sending the emails of notifications: the work of the notifications_email task.

notifications.services.notify stores the inbox rows and enqueues the task after commit; the
task calls notification_emails_send here, which enqueues nothing.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification

SUBJECT_PREFIX = "[Kaltara] "


def _absolute(url: str) -> str:
    base = getattr(settings, "KALTARA_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def notification_emails_send(ids: Iterable[int]) -> int:
    """Email the notifications not emailed yet; returns how many were sent.

    Each row is claimed with a conditional update before sending, so a task delivered
    twice sends each email once. A failed send releases the claims for a retry.
    """
    now = timezone.now()
    candidates = Notification.objects.filter(
        pk__in=list(ids), emailed_at__isnull=True
    ).select_related("recipient")
    claimed, messages = [], []
    for note in candidates:
        if not note.recipient.email:
            continue
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=now
        ):
            continue
        claimed.append(note.pk)
        lines = [note.body] if note.body else []
        if note.url:
            lines.append(_("Buka: %(url)s") % {"url": _absolute(note.url)})
        lines.append(_("Pesan ini juga ada di kotak masuk portal Kaltara."))
        messages.append(
            EmailMessage(
                subject=SUBJECT_PREFIX + note.title,
                body="\n\n".join(lines),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[note.recipient.email],
            )
        )
    if not messages:
        return 0
    try:
        get_connection().send_messages(messages)
    except Exception:
        Notification.objects.filter(pk__in=claimed).update(emailed_at=None)
        raise
    return len(messages)
