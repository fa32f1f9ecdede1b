"""Admin for scoring: everything read-only. Policy versions are written, previewed and
activated by provincial staff in the portal (scoring/views.py, /kebijakan-skor/), where a
form holds one field per parameter and the activation shows its effect first; here they are
only shown, their parameters in words rather than as JSON.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import services
from .models import KawasanScore, ScoreRun, ScoreSnapshot, ScoringPolicy


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "is_active", "activated_at", "activated_by", "created_at"]
    list_select_related = ["activated_by"]
    fields = (
        "version",
        "name",
        "parameters",
        "portal",
        "is_active",
        "activated_at",
        "activated_by",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # An abandoned draft may go; a version that was active or that scores name stays.
        if obj is not None and (not obj.is_draft or services.policy_is_used(obj)):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("parameter"))
    def parameters(self, obj):
        try:
            p = obj.as_policy()
        except ValueError as exc:
            return str(exc)
        rows: list[tuple[object, object]] = [
            (_("bobot cakupan"), p.weight_coverage),
            (_("bobot keterhubungan"), p.weight_connectivity),
            (_("bobot kedekatan"), p.weight_proximity),
            (_("bobot kebaruan"), p.weight_freshness),
            (_("jarak ke pusat (m)"), f"{p.hub_distance_m:g}"),
            (_("masa berlaku verifikasi (hari)"), p.freshness_days),
        ]
        rows += [
            (
                _("klaster %(cluster)s") % {"cluster": cluster},
                ", ".join(f"{code} ×{req}" for code, req in items),
            )
            for cluster, items in p.expected.items()
        ]
        return format_html_join("", "<div>{}: {}</div>", rows)

    @admin.display(description=_("di portal"))
    def portal(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("scoring:policy_preview", args=[obj.pk]),
            _("Lihat, ubah draf dan aktifkan di portal"),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KawasanScore)
class KawasanScoreAdmin(ReadOnlyAdmin):
    list_display = ["kawasan", "total", "band", "confidence", "policy", "computed_at"]
    list_filter = ["band", "policy"]
    list_select_related = ["kawasan", "policy"]
    search_fields = ["kawasan__name", "kawasan__region__code"]


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["kawasan", "month", "total", "band", "policy"]
    list_filter = ["month", "policy"]
    list_select_related = ["kawasan", "policy"]


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "kind",
        "status",
        "policy",
        "region_code",
        "started_at",
        "finished_at",
        "kawasan_count",
        "error_count",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["policy"]
