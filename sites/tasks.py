"""Celery tasks for the review workflow: thin, they call services.review.

The reminders are idempotent per period (a recipient reminded in the last days is skipped),
so a redelivered or repeated run sends nothing twice. The schedule is services/schedule.py.
"""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import review

# Any: mixed values, read by shared_task's keyword overloads.
_RETRY: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 3,
}


# Named as before the app moved to sites/: queued messages and the beat schedule keep working.
@shared_task(
    **_RETRY, name="services.tasks.review_reminders_send", soft_time_limit=240, time_limit=300
)
def review_reminders_send() -> dict[str, int]:
    """Remind lurah and officers of stale sites (weekly each) and officers of overdue reviews
    (daily each); returns how many notifications of each kind were created."""
    return {
        "stale": review.stale_reminders_send(),
        "overdue": review.overdue_reminders_send(),
    }
