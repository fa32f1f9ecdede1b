"""Celery tasks for exports: thin, they take an id and call exports.services.

acks_late with an idempotent service (web.tasks.RetryingTask): a redelivered task finds the
export claimed or done and does nothing; transient database and broker errors are retried.
What enqueues export_build is exports.queue.export_create.
"""

from __future__ import annotations

from celery import shared_task

from web.tasks import RetryingTask

from . import services as exports


# Task names as when they lived in kaltara/tasks.py: queued messages still find them.
@shared_task(
    base=RetryingTask,
    name="kaltara.tasks.export_build",
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def export_build(export_id: int) -> str:
    """Build one export's file; returns its final status."""
    export = exports.export_run(export_id)
    return export.status if export is not None else "skipped"


# Deleting is idempotent (a file already gone is skipped), so a retry after a blip is safe.
@shared_task(
    base=RetryingTask, name="kaltara.tasks.exports_cleanup", soft_time_limit=240, time_limit=300
)
def exports_cleanup() -> int:
    """Daily: remove exports older than a week, with their files."""
    return exports.exports_cleanup()
