"""Celery task for notification emails: thin, takes ids, calls the service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    acks_late=True,
    # SMTP hiccups and database blips are worth a retry; the claim makes a retry safe.
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=100,
    time_limit=120,
)
def notifications_email(ids: list[int]) -> int:
    return services.notification_emails_send(ids)
