"""Admin for scoring: provincial staff edit policy versions; scores and runs are read-only.

A policy that a stored score names is shown read-only (a change is a new version), and it
is activated through the action, which also recomputes every kawasan.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import queue, services
from .models import KawasanScore, ScoreRun, ScoreSnapshot, ScoringPolicy


class ScoringPolicyForm(forms.ModelForm):
    """The admin's form (the admin adds the model and fields): a policy that a stored score
    names is not edited, and params are checked against the version they will be saved under.
    """

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        # The policy being changed (None when adding): its stored values, not yet the posted ones.
        obj = self.instance if self.instance.pk is not None else None
        if obj is not None and self.changed_data and services.policy_is_used(obj):
            raise ValidationError(
                _("Versi ini sudah dipakai oleh skor tersimpan: buat versi baru.")
            )
        version = cleaned.get("version") or (obj.version if obj else "")
        if "params" in cleaned and version:
            try:
                services.policy_validate_params(cleaned["params"], version=version)
            except ValidationError as exc:
                self.add_error("params", exc.message_dict.get("params", exc.messages))
        return cleaned


@admin.register(ScoringPolicy)
class ScoringPolicyAdmin(admin.ModelAdmin):
    form = ScoringPolicyForm
    list_display = ["version", "name", "is_active", "activated_at", "created_at"]
    fields = ["version", "name", "params", "is_active", "activated_at", "created_at", "created_by"]
    actions = ["activate"]

    def get_readonly_fields(self, request, obj=None):
        always = ["is_active", "activated_at", "created_at", "created_by"]
        if obj is None:
            return always
        if services.policy_is_used(obj):
            return ["version", "name", "params", *always]
        return ["version", *always]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_active or services.policy_is_used(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service: it re-checks, under a row lock, that no score uses it.
            if form.changed_data:
                services.policy_update(obj, name=obj.name, params=obj.params)
            return
        obj.created_by = request.user
        obj.params = {**obj.params, "version": obj.version}
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Aktifkan versi terpilih (lalu hitung ulang semua skor)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Pilih tepat satu versi untuk diaktifkan."), messages.ERROR
            )
            return
        policy = queryset.get()
        try:
            queue.policy_activate(policy)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            _("Versi %(version)s aktif; semua skor kawasan sedang dihitung ulang.")
            % {"version": policy.version},
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
