"""Stored scores: the versioned scoring policy, the current score per kawasan, monthly
snapshots for trends, the record of each computation run, and the recompute queue.

The numbers come from the pure function in scoring.core; these models only keep them, each
naming the policy version that produced it (docs/scoring.md: "reproducible").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .policy import Policy, policy_from_dict


class ScoringPolicy(models.Model):
    """One version of the scoring policy: weights, expected types, thresholds, bands.

    A version that a stored score or snapshot names is never edited again (the score must
    stay reproducible): a change is a new version, activated when ready. Provincial staff
    write drafts in the portal (scoring/views.py): a draft is a version never activated;
    `revision` is its optimistic lock (every save and the activation carry the revision the
    user read, and a stale one is refused).
    """

    version = models.SlugField(_("versi"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    # policy.policy_to_dict form; the row's version overrides params["version"].
    params = models.JSONField(_("parameter"), default=dict)
    is_active = models.BooleanField(_("aktif"), default=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The latest activation: when and by whom (None: by code, e.g. the first migration).
    activated_at = models.DateTimeField(_("diaktifkan"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diaktifkan oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revision = models.PositiveIntegerField(_("revisi"), default=1)
    updated_at = models.DateTimeField(_("diubah"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("kebijakan skor")
        verbose_name_plural = _("kebijakan skor")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="scoringpolicy_one_active"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    def get_absolute_url(self):
        return reverse("scoring:policy_preview", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        """Never activated: still editable (the services also check that no score uses it)."""
        return not self.is_active and self.activated_at is None

    def as_policy(self) -> Policy:
        """The pure Policy; raises ValueError naming the field when params are invalid."""
        return policy_from_dict({**self.params, "version": self.version})


class KawasanScore(models.Model):
    """The current score of one kawasan (replaced in place by each recompute)."""

    kawasan = models.OneToOneField(
        "kawasan.Kawasan", on_delete=models.CASCADE, related_name="score"
    )
    policy = models.ForeignKey(
        ScoringPolicy, verbose_name=_("kebijakan"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.FloatField(_("skor"))
    band = models.CharField(_("predikat"), max_length=40)
    coverage = models.FloatField(_("cakupan"))
    connectivity = models.FloatField(_("keterhubungan"))
    proximity = models.FloatField(_("kedekatan"))
    freshness = models.FloatField(_("kebaruan"))
    coverage_by_cluster = models.JSONField(_("cakupan per klaster"), default=dict)
    # core.Breakdown.details plus "edges" (the cluster pairs joined by a counted link).
    details = models.JSONField(_("rincian"), default=dict)
    member_count = models.PositiveIntegerField(_("jumlah anggota"), default=0)
    # Share of the member sites verified within the freshness window: how far to trust it.
    confidence = models.FloatField(_("keyakinan data"), default=0.0)
    computed_at = models.DateTimeField(_("dihitung"))
    run = models.ForeignKey(
        "ScoreRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("skor kawasan")
        verbose_name_plural = _("skor kawasan")
        ordering = ["-total", "kawasan_id"]
        indexes = [models.Index(fields=["total"], name="kawasanscore_total")]

    def __str__(self):
        return f"{self.kawasan_id}: {self.total} ({self.band})"


class ScoreSnapshot(models.Model):
    """A kawasan's score as stored on the first day of a month: the base of trends."""

    kawasan = models.ForeignKey(
        "kawasan.Kawasan", on_delete=models.CASCADE, related_name="score_snapshots"
    )
    month = models.DateField(_("bulan"))  # always the first day of the month
    policy = models.ForeignKey(
        ScoringPolicy, verbose_name=_("kebijakan"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.FloatField(_("skor"))
    band = models.CharField(_("predikat"), max_length=40)
    # {"coverage", "connectivity", "proximity", "freshness", "coverage_by_cluster"}
    components = models.JSONField(_("komponen"), default=dict)
    member_count = models.PositiveIntegerField(_("jumlah anggota"), default=0)
    confidence = models.FloatField(_("keyakinan data"), default=0.0)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("cuplikan skor bulanan")
        verbose_name_plural = _("cuplikan skor bulanan")
        ordering = ["-month", "kawasan_id"]
        constraints = [
            models.UniqueConstraint(fields=["kawasan", "month"], name="scoresnapshot_unique_month")
        ]
        indexes = [models.Index(fields=["month"], name="scoresnapshot_month")]

    def __str__(self):
        return f"{self.kawasan_id} {self.month:%Y-%m}: {self.total}"


class RunKind(models.TextChoices):
    FULL = "full", _("Semua kawasan")
    PARTIAL = "partial", _("Sebagian kawasan")
    SNAPSHOT = "snapshot", _("Cuplikan bulanan")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class ScoreRun(models.Model):
    """One computation: which policy, when, how many kawasan, which errors."""

    MAX_ERRORS = 50  # the first messages are kept; error_count has the real number

    kind = models.CharField(_("jenis"), max_length=10, choices=RunKind.choices)
    policy = models.ForeignKey(
        ScoringPolicy, verbose_name=_("kebijakan"), on_delete=models.PROTECT, related_name="runs"
    )
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("mulai"), default=timezone.now)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    kawasan_count = models.PositiveIntegerField(_("jumlah kawasan"), default=0)
    error_count = models.PositiveIntegerField(_("jumlah galat"), default=0)
    errors = models.JSONField(_("galat"), default=list, blank=True)
    # A full run split into parallel chunk tasks: how many, and which indices have reported
    # (a redelivered chunk finds its index there and is not counted twice).
    chunk_total = models.PositiveIntegerField(_("jumlah potongan"), default=0)
    chunks_done = models.JSONField(_("potongan selesai"), default=list, blank=True)

    class Meta:
        verbose_name = _("proses penghitungan skor")
        verbose_name_plural = _("proses penghitungan skor")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RunKind.values), name="scorerun_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="scorerun_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class RecomputeRequest(models.Model):
    """A kawasan waiting for a recompute: the queue that collapses a burst of edits.

    One row per kawasan. A drain claims rows (claim_token), recomputes, then deletes only
    the rows still carrying its token: an edit during the recompute re-requests the
    kawasan, which clears the token, so the row survives for the next drain.
    """

    kawasan = models.OneToOneField(
        "kawasan.Kawasan", on_delete=models.CASCADE, related_name="recompute_request"
    )
    requested_at = models.DateTimeField(_("diminta"), default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("permintaan hitung ulang")
        verbose_name_plural = _("permintaan hitung ulang")
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return f"{self.kawasan_id} @ {self.requested_at:%Y-%m-%d %H:%M:%S}"
