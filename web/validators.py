"""Text that breaks later: control characters in what should be one line of text.

A line break in a site name ends up in an email's Subject (where it is refused), in an
Excel cell, a CSV row or a map label. Single-line fields refuse every control character
(Unicode category Cc, and the line and paragraph separators U+2028/U+2029); multi-line
fields (a Textarea) keep tab, line feed and carriage return and refuse the rest.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MULTILINE_ALLOWED = frozenset("\t\n\r")
SEPARATORS = frozenset("\u2028\u2029")


def _bad_characters(value: str, allowed: frozenset[str]) -> list[str]:
    return [
        c
        for c in value
        if c not in allowed and (unicodedata.category(c) == "Cc" or c in SEPARATORS)
    ]


def single_line(value) -> None:
    if isinstance(value, str) and _bad_characters(value, frozenset()):
        raise ValidationError(
            _(
                "Tulis dalam satu baris: baris baru, tab dan karakter kendali lain "
                "tidak boleh ada di sini."
            ),
            code="control_characters",
        )


def multi_line(value) -> None:
    if isinstance(value, str) and _bad_characters(value, MULTILINE_ALLOWED):
        raise ValidationError(
            _("Teks memuat karakter kendali yang tidak terlihat: hapus lalu kirim lagi."),
            code="control_characters",
        )


def clean_text_fields(form: forms.BaseForm) -> None:
    """Add the right validator to every text field of a form (call in __init__).

    Django strips surrounding whitespace but keeps control characters inside a value.
    """
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
            validator = multi_line if isinstance(field.widget, forms.Textarea) else single_line
            if validator not in field.validators:
                field.validators.append(validator)


class CleanTextMixin:
    """For every form of the portal: text fields refuse control characters (see above)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clean_text_fields(self)  # type: ignore[arg-type]


_ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_id(raw, *, digits: int = 18) -> int | None:
    """A whole number typed in a URL or a form as ASCII digits (at most `digits` of them),
    else None. str.isdigit() is not this: "²" and "١" are digits to it and int() refuses them
    (a 500 where the user should read that the page or version is unknown)."""
    if not isinstance(raw, str) or len(raw) > digits or not _ASCII_DIGITS.fullmatch(raw):
        return None
    return int(raw)
