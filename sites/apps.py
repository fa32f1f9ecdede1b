from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    # The folder is sites/ (the app's name no longer collides with the service layer,
    # sites/services.py); the label stays "services" so its tables, migrations, content
    # types and permissions are the same rows as before.
    name = "sites"
    label = "services"
    verbose_name = _("Situs layanan")
