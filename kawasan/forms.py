from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from sites.models import Site
from web.validators import CleanTextMixin


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Kota names already say what they are ("Kota Administrasi …"); names clash across
        # levels ("Jatinegara"), so the level and the code disambiguate.
        prefix = {"kecamatan": _("Kec."), "kelurahan": _("Kel.")}.get(obj.level, "")
        return f"{prefix} {obj.name} ({obj.code})".strip()


class KawasanFilterForm(CleanTextMixin, forms.Form):
    wilayah = _RegionChoiceField(
        label=_("Wilayah"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Semua wilayah"),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["wilayah"]).queryset = regions


class KawasanCreateForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Nama kawasan"), max_length=200)
    region = _RegionChoiceField(
        label=_("Kelurahan atau kecamatan"),
        queryset=Region.objects.none(),
        empty_label=None,
        error_messages={
            "invalid_choice": _("Pilih kelurahan atau kecamatan di wilayah tugas Anda.")
        },
    )
    with_active_sites = forms.BooleanField(
        label=_("Masukkan semua situs yang masih buka di wilayah ini sebagai anggota"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's CHANGE territory: other regions are neither offered nor accepted.
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = regions


class _SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class KawasanEditForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Nama kawasan"), max_length=200)
    hub = _SiteChoiceField(
        label=_("Pusat (hub)"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("Tanpa pusat"),
        help_text=_("Pusat harus anggota kawasan, biasanya RPTRA bersertifikat RBRA."),
        error_messages={
            "invalid_choice": _("Pusat harus salah satu anggota kawasan. Tambahkan situsnya dulu.")
        },
    )

    # The version the form was read at: required (missing is refused like stale).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["hub"]).queryset = members
