from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Skor integrasi")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
