"""The periodic review tasks, to be merged into the Celery beat schedule by kaltara/celery.py:

    from sites.schedule import SERVICES_BEAT_SCHEDULE
    app.conf.beat_schedule = {**CELERY_BEAT_SCHEDULE, **SERVICES_BEAT_SCHEDULE}

Times are in CELERY_TIMEZONE (Asia/Jakarta).
"""

from celery.schedules import crontab

SERVICES_BEAT_SCHEDULE = {
    "services-review-reminders-daily": {
        # Early on working days' mornings, so the inbox and email are there at the start of
        # the day. Stale reminders go out at most weekly per person, overdue ones daily.
        "task": "services.tasks.review_reminders_send",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 12 * 3600},
    },
    "services-site-data-changes-collapse-hourly": {
        # Each write statement adds a row that the site data's version counts
        # (sites.data_version); in daily use an hour of them is a few hundred rows.
        "task": "services.tasks.site_data_changes_collapse",
        "schedule": crontab(minute=17),
        "options": {"expires": 3600},
    },
}
