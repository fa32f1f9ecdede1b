from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifikasi")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import selectors

        def unread_prime(sender, request, user, **kwargs):
            # Counted once at sign-in, in the worker that signs the user in.
            selectors.unread_count_refresh(user)

        user_logged_in.connect(unread_prime, dispatch_uid="notifications.unread_prime", weak=False)
