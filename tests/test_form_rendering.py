"""Selects written in Python (kaltara/form_rendering.py) match Django's own templates."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory

from sites.filters import SiteFilter
from web.csp import NonceFormRenderer
from web.form_rendering import select_html

pytestmark = pytest.mark.django_db


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def _both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    reference = widget.render(name, value, attrs=attrs, renderer=DjangoTemplates())
    fast = widget.render(name, value, attrs=attrs, renderer=NonceFormRenderer())
    return _normal(reference), _normal(fast)


CHOICES = [
    ("", "Semua"),
    ("a", 'Tanda <b>"kutip"</b> & ampersand'),
    ("Grup <1>", [("g1", "Satu"), ("g2", "Dua")]),
    (3, "Angka"),
    ("31.75.03", "\u2003Kec. Jatinegara"),
]


@pytest.mark.parametrize("value", [None, "", "a", "g2", 3, "31.75.03", "tidak-ada"])
def test_a_select_is_the_same_markup_as_djangos(value):
    widget = forms.Select(choices=CHOICES, attrs={"class": "x", "data-on": True, "off": False})
    reference, fast = _both(widget, "pilih", value, attrs={"id": "id_pilih", "required": True})
    assert fast == reference


def test_a_multiple_select_is_the_same_markup_as_djangos():
    widget = forms.SelectMultiple(choices=CHOICES)
    reference, fast = _both(widget, "banyak", ["a", "g1"])
    assert fast == reference
    assert fast.count(" selected") == 2


@pytest.mark.parametrize("persona", ["lurah", "camat", "sudinkes", "provinsi"])
@pytest.mark.parametrize("query", [{}, {"region": "31.75.03", "review_state": "draft"}])
def test_the_site_filters_render_the_same_for_every_role(request, persona, query):
    def form(renderer):
        http = RequestFactory().get("/situs/", query)
        http.user = request.getfixturevalue(persona)
        site_filter = SiteFilter(http.GET or None, None, request=http)
        site_filter.form.renderer = renderer
        return site_filter.form

    reference, fast = form(DjangoTemplates()), form(NonceFormRenderer())
    selects = [f.name for f in fast if isinstance(f.field.widget, forms.Select)]
    assert len(selects) >= 5
    for name in selects:
        assert _normal(fast[name].as_widget()) == _normal(reference[name].as_widget()), name


def test_an_option_with_its_own_template_falls_back_to_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    context = Custom(choices=CHOICES).get_context("c", "a", None)
    assert select_html(context["widget"]) is None
