from django import forms
from django.utils.translation import gettext_lazy as _

from web.validators import CleanTextMixin


class TokenCreateForm(CleanTextMixin, forms.Form):
    name = forms.CharField(
        label=_("Nama token"),
        max_length=100,
        help_text=_("Untuk apa token ini, misalnya “skrip laporan bulanan”."),
    )


class TokenRevokeForm(forms.Form):
    # The version the page was read at: required (missing is refused like stale).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
