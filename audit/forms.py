from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from regions.models import Region
from web.validators import CleanTextMixin

from .selectors import KIND_LABELS, AuditFilter


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class AuditFilterForm(CleanTextMixin, forms.Form):
    pengguna = forms.CharField(
        label=_("Pengguna"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama pengguna")}),
    )
    peran = forms.ChoiceField(
        label=_("Peran"), required=False, choices=[("", _("Semua peran")), *Role.choices]
    )
    wilayah = RegionChoiceField(
        label=_("Wilayah"),
        required=False,
        queryset=Region.objects.order_by("code").only("code", "name"),
        to_field_name="code",
        empty_label=_("Semua wilayah"),
    )
    jenis = forms.ChoiceField(
        label=_("Jenis"),
        required=False,
        choices=[("", _("Semua jenis")), *KIND_LABELS.items()],
    )
    dari = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("dari"), cleaned.get("sampai")
        if start and end and end < start:
            self.add_error("sampai", _("Sampai tanggal: tidak boleh sebelum tanggal mulai."))
        return cleaned

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(
            user=data.get("pengguna") or "",
            role=data.get("peran") or "",
            region=data["wilayah"].code if data.get("wilayah") else "",
            date_from=data.get("dari"),
            date_to=data.get("sampai"),
            kind=data.get("jenis") or "",
        )
