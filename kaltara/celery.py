"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaltara.settings")

app = Celery("kaltara")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code (nightly recompute, pending sweep, monthly snapshot).
from scoring.schedule import CELERY_BEAT_SCHEDULE  # noqa: E402
from sites.schedule import SERVICES_BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = {
    **CELERY_BEAT_SCHEDULE,
    **SERVICES_BEAT_SCHEDULE,
    "kaltara-exports-cleanup-daily": {
        "task": "kaltara.tasks.exports_cleanup",
        "schedule": crontab(hour=2, minute=30),
    },
}
