from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The portal's user. Custom from the first migration so it can grow without pain."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self):
        return self.get_full_name() or self.username


class Sector(models.Model):
    """A sector agency (suku dinas) that supervises service types: Kesehatan, Pendidikan, ...

    It lives here rather than in services because an officer's assignment names it: with
    services -> accounts -> regions, imports keep pointing one way.
    """

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=120)

    class Meta:
        verbose_name = _("sektor (suku dinas)")
        verbose_name_plural = _("sektor (suku dinas)")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    LURAH = "lurah", _("Lurah")
    CAMAT = "camat", _("Camat")
    SUDIN = "sudin", _("Petugas suku dinas")
    PROVINSI = "provinsi", _("Staf provinsi")
    ADMIN = "admin", _("Administrator")


# The region level each role is granted over (admin: any level).
ROLE_LEVEL = {
    Role.LURAH: "kelurahan",
    Role.CAMAT: "kecamatan",
    Role.SUDIN: "kabkota",
    Role.PROVINSI: "provinsi",
}


class Assignment(models.Model):
    """A role over a region (and everything below it); officers also name a sector."""

    user = models.ForeignKey(
        User, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("peran"), max_length=10, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sektor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )

    class Meta:
        verbose_name = _("penugasan")
        verbose_name_plural = _("penugasan")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="assignment_role_valid"
            ),
            # A sector belongs to suku dinas officers and to nobody else.
            models.CheckConstraint(
                condition=Q(role="sudin", sector__isnull=False)
                | (~Q(role="sudin") & Q(sector__isnull=True)),
                name="assignment_sector_only_for_sudin",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(sector__isnull=True),
                name="assignment_unique_territorial",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "sector"],
                condition=Q(sector__isnull=False),
                name="assignment_unique_sectoral",
            ),
        ]

    def __str__(self):
        sector = f" {self.sector}" if self.sector_id else ""
        return f"{self.user} – {self.get_role_display()}{sector} – {self.region_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        expected = ROLE_LEVEL.get(self.role)
        if expected and self.region_id and self.region.level != expected:
            raise ValidationError(
                {
                    "region": _("Peran ini ditugaskan pada wilayah tingkat %(level)s.")
                    % {"level": expected}
                }
            )
