from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Kawasan(models.Model):
    """An area whose child-friendly services are connected: usually a kelurahan."""

    name = models.CharField(_("nama"), max_length=200)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="kawasan",
        limit_choices_to={"level__in": ["kelurahan", "kecamatan"]},
    )
    hub = models.ForeignKey(
        "services.Site",
        verbose_name=_("pusat (hub)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hub_of",
    )
    members = models.ManyToManyField(
        "services.Site",
        through="Membership",
        verbose_name=_("anggota"),
        related_name="kawasan",
    )
    # The base kawasan of a kelurahan follows its sites: new sites there join it.
    is_base = models.BooleanField(_("kawasan dasar"), default=False)
    is_demo = models.BooleanField(_("data demo"), default=False)
    # Optimistic locking: every hand edit (name, hub, members) must carry the version it was
    # read at and moves it on; a stale or missing one is refused (kawasan.membership).
    version = models.PositiveIntegerField(_("versi"), default=1)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("kawasan")
        verbose_name_plural = _("kawasan")
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=Q(is_base=True), name="kawasan_one_base_per_region"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("kawasan:detail", args=[self.pk])


class Membership(models.Model):
    kawasan = models.ForeignKey(Kawasan, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey("services.Site", on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("keanggotaan kawasan")
        verbose_name_plural = _("keanggotaan kawasan")
        constraints = [
            models.UniqueConstraint(fields=["kawasan", "site"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.kawasan_id}:{self.site_id}"


class KawasanAction(models.TextChoices):
    CREATED = "created", _("Dibuat")
    UPDATED = "updated", _("Diubah")
    MEMBER_ADDED = "member_added", _("Anggota ditambahkan")
    MEMBER_REMOVED = "member_removed", _("Anggota dikeluarkan")


class KawasanChange(models.Model):
    """The history of a kawasan by hand: who changed its name, hub or members, and when."""

    kawasan = models.ForeignKey(Kawasan, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("tindakan"), max_length=20, choices=KawasanAction.choices)
    # {"field": [old, new], ...} as display strings, like services.SiteChange.changes
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("riwayat kawasan")
        verbose_name_plural = _("riwayat kawasan")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=KawasanAction.values),
                name="kawasan_change_action_valid",
            )
        ]

    def __str__(self):
        return f"{self.kawasan_id}: {self.get_action_display()}"
