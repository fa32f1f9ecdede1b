from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dasbor dan peringkat")
    # What the HTML and JSON cached by web.fragments is rendered by (globs under BASE_DIR):
    # their digest is in every cache key, so a deploy never serves the previous fragments.
    fragment_sources = (
        "dashboards/*.py",
        "scoring/explain.py",  # the texts explaining the score
        "templates/dashboard/*.html",
        "templates/rankings/*.html",
    )
