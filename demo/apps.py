from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # Demo logins, kawasan and reviews for a first run and the load test; refuses production.
    name = "demo"
    verbose_name = _("Data demo")
