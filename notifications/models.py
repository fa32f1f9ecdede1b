"""The in-portal inbox: one row per message to one user.

This app sits below services (it may import accounts and regions only), so a notification
names its site by id, not by a foreign key: the inbox never needs the site itself.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SITE_VERIFIED = "site_verified", _("Situs diverifikasi")
    SITE_RETURNED = "site_returned", _("Situs dikembalikan")
    CHANGE_APPROVED = "change_approved", _("Perubahan disetujui")
    CHANGE_RETURNED = "change_returned", _("Perubahan dikembalikan")
    SITE_STALE = "site_stale", _("Situs perlu diverifikasi ulang")
    REVIEW_OVERDUE = "review_overdue", _("Tinjauan terlambat")
    OTHER = "other", _("Lainnya")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penerima"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"), blank=True)
    # A path inside the portal (e.g. /situs/12/), never an outside address.
    url = models.CharField(_("tautan"), max_length=300, blank=True)
    site_id = models.PositiveBigIntegerField(_("situs"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)
    # Set when the email was handed to the mail backend: a redelivered task sends nothing twice.
    emailed_at = models.DateTimeField(_("dikirim lewat email"), null=True, blank=True)
    # The last failed attempt to email it, in words, and how many there were: shown in the
    # inbox and the admin, so a lost email is visible, never silent. Cleared on success.
    email_error = models.CharField(_("galat email"), max_length=300, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("percobaan email"), default=0)
    # Set when retrying cannot help (a malformed message) or the retries are spent.
    email_failed_at = models.DateTimeField(_("email gagal"), null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="/"), name="notification_url_local"
            ),
        ]
        indexes = [
            # The unread badge on every page: recipient + read_at IS NULL.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # Reminder deduplication looks up recent rows by recipient and kind.
            models.Index(fields=["recipient", "kind", "created_at"], name="notification_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
