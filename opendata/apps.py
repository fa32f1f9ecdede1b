from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Data terbuka")
    # The code that builds the cached JSON and files (web.fragments.code_version): a deploy
    # that changes it changes every key.
    fragment_sources = ("opendata/*.py",)
