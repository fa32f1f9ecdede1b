"""The KLA clusters and indicator sets: reference data that service types point to.

It sits below services (a service type names the clusters it serves); the scoring that
reads sites and kawasan lives above them, in the ``scoring`` app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cluster(models.Model):
    """Kelembagaan (institutional) or one of the five KLA clusters I-V."""

    code = models.CharField(_("kode"), max_length=4, unique=True)  # "K", "I" .. "V"
    order = models.PositiveSmallIntegerField(_("urutan"), unique=True)
    name = models.CharField(_("nama"), max_length=160)
    short_name = models.CharField(_("nama singkat"), max_length=60)
    # Kelembagaan has no service sites and is left out of coverage.
    has_sites = models.BooleanField(_("dilayani situs layanan"), default=True)

    class Meta:
        verbose_name = _("klaster")
        verbose_name_plural = _("klaster")
        ordering = ["order"]

    def __str__(self):
        return f"{self.code}. {self.short_name}" if self.has_sites else str(self.short_name)


class IndicatorSet(models.Model):
    """A versioned KLA indicator set (the 24-indicator set, the older 31, a revision)."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=160)
    valid_from_year = models.PositiveSmallIntegerField(_("berlaku sejak tahun"))
    is_current = models.BooleanField(_("berlaku saat ini"), default=False)

    class Meta:
        verbose_name = _("set indikator")
        verbose_name_plural = _("set indikator")
        ordering = ["-valid_from_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="indicatorset_one_current",
            )
        ]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet,
        verbose_name=_("set indikator"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    number = models.PositiveSmallIntegerField(_("nomor"))
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("klaster"), on_delete=models.PROTECT, related_name="indicators"
    )
    title = models.CharField(_("judul"), max_length=200)
    measures = models.TextField(_("yang diukur"), blank=True)
    # True where public sources leave the wording or numbering uncertain (see domain.md).
    uncertain = models.BooleanField(_("belum pasti"), default=False)

    class Meta:
        verbose_name = _("indikator")
        verbose_name_plural = _("indikator")
        ordering = ["indicator_set", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_set", "number"], name="indicator_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"
