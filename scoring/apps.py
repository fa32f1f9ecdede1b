from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
