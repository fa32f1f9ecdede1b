"""Personal API tokens: a user opens the read API for a script without sharing a password.

The secret is shown once when the token is made and never stored: the row keeps its
SHA-256 (a lookup by hash needs no constant-time comparison: the hash of a guess tells
nothing about the hash of the secret) and its first characters, so the owner can tell
tokens apart. A token acts as its user, with the user's grants as they are at each request.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("nama"), max_length=100)
    # The first characters of the secret, shown in the list (not enough to use it).
    prefix = models.CharField(_("awalan"), max_length=12)
    # hashlib.sha256(secret).hexdigest()
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    # Optimistic locking: revoking carries the version the owner saw.
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="apitoken_version_positive"),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_active")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
