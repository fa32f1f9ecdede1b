from django.apps import AppConfig


class DemoConfig(AppConfig):
    # Demo logins, kawasan and reviews for a first run and the load test; refuses production.
    name = "demo"
    verbose_name = "Data demo"
