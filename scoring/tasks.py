"""Celery tasks for scores: thin, they take ids and call scoring.services.

They retry only transient errors (web.tasks.RetryingTask: acks_late, so a worker killed
mid-task leaves the message for another; the services are idempotent); soft/hard time
limits stop a runaway task. The beat schedule is in scoring/schedule.py; what enqueues
these tasks after an edit is scoring/queue.py.
"""

from __future__ import annotations

from datetime import date

from celery import group, shared_task

from web.tasks import RetryingTask

from . import services


@shared_task(base=RetryingTask, soft_time_limit=240, time_limit=300)
def recompute_pending() -> int:
    """Drain the recompute queue (after edits, and every 5 minutes as a sweep)."""
    return services.scores_recompute_pending()


@shared_task(base=RetryingTask, soft_time_limit=540, time_limit=600)
def recompute_kawasan(kawasan_ids: list[int]) -> int:
    """Recompute the given kawasan now; returns the ScoreRun id."""
    return services.scores_recompute(kawasan_ids=kawasan_ids).pk


@shared_task(bind=True, base=RetryingTask, soft_time_limit=540, time_limit=600)
def recompute_chunk(self, run_id: int, index: int, kawasan_ids: list[int]) -> None:
    """One chunk of recompute_all; the last chunk to report finishes the run."""
    try:
        services.scores_recompute_chunk(run_id=run_id, index=index, kawasan_ids=kawasan_ids)
    except Exception as exc:
        # A transient error with retries left is retried (autoretry_for); anything else
        # ends the chunk, and the run must then not stay "running" forever. Recorded here
        # rather than in on_failure, which eager mode skips when it propagates errors.
        if not (isinstance(exc, self.autoretry_for) and self.request.retries < self.max_retries):
            services.score_run_chunk_failed(
                run_id=run_id, index=index, message=f"chunk {index}: {type(exc).__name__}: {exc}"
            )
        raise


@shared_task(base=RetryingTask, soft_time_limit=240, time_limit=300)
def recompute_all(region_code: str | None = None, chunk_size: int = services.CHUNK_SIZE) -> int:
    """Nightly: every kawasan, as a group of parallel chunk tasks under one ScoreRun."""
    run, chunks = services.scores_recompute_all_start(
        region_code=region_code, chunk_size=chunk_size
    )
    if chunks:
        group(
            recompute_chunk.s(run.pk, index, ids) for index, ids in enumerate(chunks)
        ).apply_async()
    return run.pk


@shared_task(base=RetryingTask, soft_time_limit=540, time_limit=600)
def snapshot_monthly(month: str | None = None) -> int:
    """Store this month's snapshot (month: optional ISO date); returns the ScoreRun id."""
    return services.scores_snapshot(date.fromisoformat(month) if month else None).pk
