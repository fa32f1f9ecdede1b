from django.apps import AppConfig


class KawasanConfig(AppConfig):
    name = "kawasan"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
