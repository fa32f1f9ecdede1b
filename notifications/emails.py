"""Sending the emails of notifications: the work of the notifications_email task.

notifications.services.notify stores the inbox rows and enqueues the task after commit; the
task calls notification_emails_send here, which enqueues nothing.
"""

import logging
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Kaltara] "


def _absolute(url: str) -> str:
    base = getattr(settings, "KALTARA_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def one_line(text: str) -> str:
    """A header value: control characters and line breaks become single spaces.

    Titles carry site names; a name stored before single-line fields refused control
    characters (or coming from elsewhere) must not make the Subject header invalid.
    """
    cleaned = "".join(
        " " if unicodedata.category(c) == "Cc" or c in "\u2028\u2029" else c for c in text
    )
    return " ".join(cleaned.split())


# Retrying cannot fix these: the message itself is refused (a header, an address).
PERMANENT_ERRORS: tuple[type[Exception], ...] = (ValueError, UnicodeError)
# Retries of the task: after the last one the rows are marked failed for good.
MAX_EMAIL_ATTEMPTS = 4


class EmailsNotSent(OSError):
    """Some emails failed for a reason a retry may fix; the task retries (autoretry_for)."""


def notification_emails_send(ids: Iterable[int]) -> int:
    """Email the notifications not emailed yet; returns how many were sent.

    Each row is claimed with a conditional update before sending, so a task delivered
    twice sends each email once. Each message is sent on its own: one that fails does not
    hold the others back. A failure is written on its row (email_error, email_attempts)
    and its claim released; a permanent one, or the last attempt, marks the row failed
    (email_failed_at). Transient failures raise EmailsNotSent so the task retries.
    """
    now = timezone.now()
    candidates = Notification.objects.filter(
        pk__in=list(ids), emailed_at__isnull=True, email_failed_at__isnull=True
    ).select_related("recipient")
    sent, retry = 0, []
    connection = None
    for note in candidates:
        if not note.recipient.email:
            continue
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=now
        ):
            continue
        try:
            connection = connection or get_connection()
            connection.send_messages([_message(note)])
        except PERMANENT_ERRORS as exc:
            _failed(note, exc, now, final=True)
        except Exception as exc:  # SMTP, network: another attempt may get through
            final = note.email_attempts + 1 >= MAX_EMAIL_ATTEMPTS
            _failed(note, exc, now, final=final)
            if not final:
                retry.append(note.pk)
        else:
            sent += 1
            if note.email_error:
                Notification.objects.filter(pk=note.pk).update(email_error="")
    if retry:
        raise EmailsNotSent(retry)
    return sent


def _message(note: Notification) -> EmailMessage:
    lines = [note.body] if note.body else []
    if note.url:
        lines.append(_("Buka: %(url)s") % {"url": _absolute(note.url)})
    lines.append(_("Pesan ini juga ada di kotak masuk portal Kaltara."))
    return EmailMessage(
        subject=one_line(SUBJECT_PREFIX + note.title),
        body="\n\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[note.recipient.email],
    )


def _failed(note: Notification, exc: Exception, now, *, final: bool) -> None:
    logger.warning("Notification %s email failed (%s): %s", note.pk, type(exc).__name__, exc)
    Notification.objects.filter(pk=note.pk).update(
        emailed_at=None,
        email_error=f"{type(exc).__name__}: {exc}"[:300],
        email_attempts=F("email_attempts") + 1,
        email_failed_at=now if final else None,
    )
