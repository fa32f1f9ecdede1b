"""The one trace no other app keeps: who downloaded an export or a document, and when.

Edits, reviews, kawasan changes, exports, sign-ins and admin edits are recorded where they
happen (services, kawasan, kaltara, django-axes, django.contrib.admin); audit.selectors reads
them all together.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Download(models.Model):
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # The URL name of the download view, e.g. "kaltara:export_rankings".
    view = models.CharField(_("halaman"), max_length=60)
    # Path and query string as requested: which file, which filters.
    path = models.CharField(_("alamat"), max_length=500)

    class Meta:
        verbose_name = _("unduhan")
        verbose_name_plural = _("unduhan")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.view} {self.at:%Y-%m-%d %H:%M}"
