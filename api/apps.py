from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API baca")
    # What the cached pages of the site list are written by (web.fragments.code_version):
    # a deploy that changes it changes every key. The visibility rule and the filter too:
    # a change to who sees what must never be answered from the previous code's pages.
    fragment_sources = (
        "api/*.py",
        "sites/filters.py",
        "sites/models.py",
        "accounts/scoping.py",
    )

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extensions)
