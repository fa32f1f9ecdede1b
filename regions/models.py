from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABKOTA = "kabkota", _("Kota/Kabupaten Administrasi")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan/Desa")


# A Kemendagri code is a dotted path; its number of parts gives the level.
LEVEL_BY_PARTS = {1: Level.PROVINSI, 2: Level.KABKOTA, 3: Level.KECAMATAN, 4: Level.KELURAHAN}
CHILD_LEVEL: dict[str, str] = {
    Level.PROVINSI: Level.KABKOTA,
    Level.KABKOTA: Level.KECAMATAN,
    Level.KECAMATAN: Level.KELURAHAN,
}


def code_ancestors(code: str) -> list[str]:
    """'31.75.03.1004' -> ['31', '31.75', '31.75.03', '31.75.03.1004']."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def code_covers(ancestor: str, code: str) -> bool:
    """True when `code` is `ancestor` or lies below it (prefix on whole parts)."""
    return code == ancestor or code.startswith(ancestor + ".")


def subtree_q(field: str, code: str, *, include_self: bool = True) -> Q:
    """Rows whose `field` (a lookup path to a Kemendagri code) is `code` or lies below it.

    The one spelling of the region-subtree filter: by whole code parts, so '31.75' covers
    '31.75.03' but never '31.750'. With include_self=False only the rows strictly below.
    """
    below = Q(**{f"{field}__startswith": code + "."})
    return Q(**{field: code}) | below if include_self else below


class Region(models.Model):
    """A Kemendagri administrative region, keyed by its code (the natural key)."""

    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    boundary = models.MultiPolygonField(_("batas wilayah"), srid=4326, null=True, blank=True)
    centroid = models.PointField(_("titik tengah"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=[choice.value for choice in Level]),
                name="region_level_valid",
            ),
            # Only the province has no parent.
            models.CheckConstraint(
                condition=Q(level="provinsi", parent__isnull=True)
                | (~Q(level="provinsi") & Q(parent__isnull=False)),
                name="region_parent_matches_level",
            ),
        ]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]

    def __str__(self):
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return code_ancestors(self.code)[:-1]

    @property
    def child_level(self):
        return CHILD_LEVEL.get(self.level)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("regions:detail", args=[self.code])
