"""The periodic scoring tasks, for kaltara/celery.py to use as app.conf.beat_schedule.

Times are in CELERY_TIMEZONE (Asia/Jakarta). The pending sweep is what catches up edits
whose drain task could not be enqueued (broker down): their RecomputeRequest rows wait.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "scoring-recompute-all-nightly": {
        "task": "scoring.tasks.recompute_all",
        "schedule": crontab(hour=1, minute=30),
        # A nightly run still queued at the next one is pointless.
        "options": {"expires": 6 * 3600},
    },
    "scoring-recompute-pending-sweep": {
        "task": "scoring.tasks.recompute_pending",
        "schedule": crontab(minute="*/5"),
        # Sweeps must not pile up while workers are down: the next one does the same work.
        "options": {"expires": 290},
    },
    "scoring-snapshot-monthly": {
        # After the 01:30 recompute, so the snapshot holds fresh scores.
        "task": "scoring.tasks.snapshot_monthly",
        "schedule": crontab(hour=2, minute=0, day_of_month=1),
        "options": {"expires": 20 * 3600},
    },
}
