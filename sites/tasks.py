"""Celery tasks for the review workflow: thin, they call sites.review.

The reminders are idempotent per period (a recipient reminded in the last days is skipped),
so a redelivered or repeated run sends nothing twice. The schedule is sites/schedule.py.
"""

from celery import shared_task

from web.tasks import DATABASE_ERRORS, RetryingTask

from . import data_version
from .review import reminders as review


# Named as before the app moved to sites/: queued messages and the beat schedule keep working.
@shared_task(
    base=RetryingTask,
    name="services.tasks.review_reminders_send",
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def review_reminders_send() -> dict[str, int]:
    """Remind lurah and officers of stale sites (weekly each) and officers of overdue reviews
    (daily each); returns how many notifications of each kind were created."""
    return {
        "stale": review.stale_reminders_send(),
        "overdue": review.overdue_reminders_send(),
    }


@shared_task(
    base=RetryingTask,
    name="services.tasks.site_data_changes_collapse",
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    max_retries=3,
    soft_time_limit=60,
    time_limit=120,
)
def site_data_changes_collapse() -> int:
    """Shorten the table the site data's version is read from (sites.data_version)."""
    return data_version.collapse()
