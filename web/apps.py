from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    # Web plumbing every app may use (it imports none of them): CSP, request limits, error
    # pages, the fragment cache, form rendering, the base Celery task.
    name = "web"
    verbose_name = _("Dasar web")

    def ready(self):
        from . import db

        db.connect()
