"""Exports: a file built for one user in the background, with its progress.

The file is built from the owner's scope at run time (services.selectors), so an export
never holds more than its owner may see; only the owner may download it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    SITES = "sites", _("Daftar situs")
    RANKINGS = "rankings", _("Peringkat wilayah")
    AREAS = "areas", _("Wilayah dengan skor (GeoJSON)")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"
    GEOJSON = "geojson", "GeoJSON"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RUNNING = "running", _("Diproses")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class Export(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pemilik"),
        on_delete=models.CASCADE,
        related_name="exports",
    )
    kind = models.CharField(_("jenis"), max_length=10, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    # The filters as submitted (query-string keys of the list they came from).
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    row_count = models.PositiveIntegerField(_("jumlah baris"), default=0)
    file = models.FileField(_("berkas"), upload_to="exports/", blank=True, max_length=200)
    error = models.CharField(_("galat"), max_length=300, blank=True)
    created = models.DateTimeField(_("dibuat"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        # Created by the kaltara app before exports/ had its own; the table keeps its name.
        db_table = "kaltara_export"
        verbose_name = _("ekspor")
        verbose_name_plural = _("ekspor")
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ExportKind.values), name="export_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="export_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="export_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_max"),
            # A finished export has its file; nothing else has one.
            models.CheckConstraint(
                condition=Q(status="done") & ~Q(file="") | ~Q(status="done") & Q(file=""),
                name="export_file_when_done",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-created"], name="export_owner_created")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format}) #{self.pk}"

    def get_absolute_url(self):
        return reverse("kaltara:export_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
