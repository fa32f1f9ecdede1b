"""Single-line text refuses control characters with a field error; nothing is saved."""

import pytest
from django import forms
from django.urls import reverse

from kawasan.forms import KawasanEditForm
from sites.forms import LinkForm, SiteCloseForm, SiteForm
from sites.models import Site
from tests.sites.test_site_create import form_data
from web.validators import CleanTextMixin, multi_line, single_line

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "bad", ["A\r\nB", "A\nB", "A\tB", "A\x00B", "A\x1bB", "A\x85B", "A\u2028B"]
)
def test_a_site_name_with_a_control_character_is_refused_and_nothing_saved(client, lurah, bad):
    client.force_login(lurah)
    response = client.post(reverse("services:site_create"), form_data(name=bad))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors
    # (a NUL byte is refused by Django's own check first, with its own message)
    assert any("satu baris" in e for e in errors["name"]) or bad == "A\x00B"
    assert not Site.objects.exists()


@pytest.mark.parametrize("field", ["address", "contact"])
def test_address_and_contact_are_single_line_too(client, lurah, field):
    client.force_login(lurah)
    response = client.post(reverse("services:site_create"), form_data(**{field: "x\r\ny"}))
    assert field in response.context["form"].errors
    assert not Site.objects.exists()


def test_plain_unicode_names_are_kept():
    single_line("Posyandu Melati \u2013 RW 03 (Ibu Siti)")
    multi_line("Baris satu\r\nbaris dua\tdengan tab")


def test_multi_line_fields_keep_line_breaks_but_refuse_other_controls():
    form = SiteCloseForm({"reason": "Bangunan dibongkar.\r\nPindah ke RW 05.", "version": 3})
    assert form.is_valid(), form.errors
    form = SiteCloseForm({"reason": "Dibongkar\x07", "version": 3})
    assert "reason" in form.errors


@pytest.mark.parametrize("form_class", [SiteForm, SiteCloseForm, LinkForm, KawasanEditForm])
def test_every_text_field_of_the_portal_forms_has_the_check(form_class):
    assert issubclass(form_class, CleanTextMixin)


def test_the_mixin_covers_forms_it_is_mixed_into():
    class Example(CleanTextMixin, forms.Form):
        title = forms.CharField()
        notes = forms.CharField(widget=forms.Textarea)

    form = Example({"title": "a\nb", "notes": "a\nb"})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
