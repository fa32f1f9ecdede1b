from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KawasanConfig(AppConfig):
    name = "kawasan"
    verbose_name = _("Kawasan")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
