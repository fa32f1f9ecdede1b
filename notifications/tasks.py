"""Celery task for notification emails: thin, takes ids, calls notifications.emails."""

from celery import shared_task

from web.tasks import DATABASE_ERRORS, RetryingTask

from . import emails


@shared_task(
    base=RetryingTask,
    # SMTP hiccups and database blips are worth a retry; the claim makes a retry safe.
    autoretry_for=(emails.EmailsNotSent, OSError, *DATABASE_ERRORS),
    max_retries=emails.MAX_EMAIL_ATTEMPTS - 1,
    retry_backoff=30,
    retry_backoff_max=900,
    soft_time_limit=100,
    time_limit=120,
)
def notifications_email(ids: list[int]) -> int:
    return emails.notification_emails_send(ids)
