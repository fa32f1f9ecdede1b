"""The portal's form rendering (web/form_rendering.py): selects written in Python match
Django's own templates, and a refused form lists its errors at the top, each linked to its
field, with every field tied to its errors (aria-invalid, aria-describedby)."""

import json
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from sites.filters import SiteFilter
from sites.forms import SiteForm
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in
from tests.factories import service_type as a_service_type
from web.csp import NonceFormRenderer
from web.form_rendering import error_summary_items, select_html

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


# ---- errors: the summary at the top of a refused form, each field tied to its errors ----


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary" id="error-summary"[^>]*>.*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match[0]


def _links(summary: str) -> list[str]:
    return re.findall(r'<a href="#([^"]+)">', summary)


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+\s[^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match[0]


def _assert_every_link_has_its_target(html: str) -> list[str]:
    summary = _summary(html)
    links = _links(summary)
    missing = [target for target in links if target not in _ids(html)]
    assert not missing, f"summary links to ids not on the page: {missing}"
    return links


def _site_data(**overrides) -> dict:
    point = point_in(RAWA_BUNGA)
    data = {
        "name": "Posyandu Melati",
        "types": [a_service_type("posyandu").pk],
        "location": json.dumps({"type": "Point", "coordinates": [point.x, point.y]}),
        "latitude": "",
        "longitude": "",
        "address": "",
        "contact": "",
        "operating_status": "open",
        "version": "",
    }
    data.update(overrides)
    return data


def test_a_refused_site_form_lists_each_error_first_with_a_link_to_its_field(client, lurah):
    client.force_login(lurah)
    response = client.post(reverse("services:site_create"), _site_data(name="", types=[]))
    assert response.status_code == 200
    html = response.content.decode()
    summary = _summary(html)
    # At the top of the page's main part, before the heading, read first and focused.
    assert html.index("error-summary") < html.index("<h1>")
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "Periksa isian berikut" in summary
    assert "js/form_errors.js" in html
    assert _assert_every_link_has_its_target(html) == ["id_name", "id_types_0"]
    assert "Nama: " in summary and "Jenis layanan: " in summary
    # Each field is invalid and described by its own error list (and help text).
    name = _tag(html, "id_name")
    assert 'aria-invalid="true"' in name and 'aria-describedby="id_name_error"' in name
    assert 'id="id_name_error"' in html
    first_type = _tag(html, "id_types_0")
    assert 'aria-invalid="true"' in first_type
    assert 'aria-describedby="id_types_helptext id_types_error"' in first_type
    assert {"id_types_helptext", "id_types_error"} <= _ids(html)
    # The fields without errors are not marked.
    assert "aria-invalid" not in _tag(html, "id_address")


def test_a_point_outside_the_territory_links_to_the_map_and_marks_the_coordinates(client, lurah):
    client.force_login(lurah)
    outside = point_in(KAMPUNG_MELAYU)
    response = client.post(
        reverse("services:site_create"),
        _site_data(location="", latitude=str(outside.y), longitude=str(outside.x)),
    )
    html = response.content.decode()
    summary = _summary(html)
    assert _links(summary) == ["id_location-map"]
    # The message already names its field: no second "Lokasi: " in front of it.
    assert "Lokasi: titik berada di luar wilayah tugas Anda (Kelurahan Kampung Melayu)" in summary
    assert "Lokasi: Lokasi" not in summary
    assert 'id="id_location_error"' in html
    for coordinate in ("id_latitude", "id_longitude"):
        tag = _tag(html, coordinate)
        assert 'aria-invalid="true"' in tag, coordinate
        assert 'aria-describedby="location-help id_location_error"' in tag, coordinate
    # The map's element (the link's target) is django-leaflet's, named by the widget.
    assert 'id="id_location-map"' in html


def test_a_form_without_errors_has_no_summary(client, lurah):
    client.force_login(lurah)
    html = client.get(reverse("services:site_create")).content.decode()
    assert "error-summary" not in html and "form_errors.js" not in html
    assert "aria-invalid" not in html
    # The point's live check is there, empty, for site_form.js to fill.
    check = _tag(html, "location-check")
    assert 'aria-live="polite"' in check
    assert "Titik di luar {area}: pilih titik di dalam garis batas." in check


def test_a_filter_form_with_a_bad_value_in_its_url_is_no_refused_form(client, lurah):
    client.force_login(lurah)
    response = client.get(reverse("kawasan:list"), {"wilayah": "bukan-kode"})
    assert response.status_code == 200
    assert "error-summary" not in response.content.decode()


def test_a_refused_login_says_it_in_the_summary_and_links_to_the_user_name(client, lurah):
    response = client.post(
        reverse("accounts:login"), {"username": "lurah", "password": "salah-sekali"}
    )
    html = response.content.decode()
    summary = _summary(html)
    assert "Nama pengguna atau kata sandi salah. Periksa keduanya lalu coba lagi." in summary
    assert _assert_every_link_has_its_target(html) == ["id_username"]
    assert html.count("Nama pengguna atau kata sandi salah") == 1
    assert 'aria-invalid="true"' in _tag(html, "id_username")
    assert 'aria-invalid="true"' in _tag(html, "id_password")
    # The focus goes to the summary, so the field gives up its autofocus.
    assert "autofocus" not in _tag(html, "id_username")


def test_the_summary_serves_the_portals_other_forms(client, lurah):
    client.force_login(lurah)
    site = make_site()
    pages = {
        "token": (reverse("tokens:list"), {"name": ""}, ["id_name"]),
        "kawasan": (
            reverse("kawasan:create"),
            {"name": "Bukan milik", "region": KAMPUNG_MELAYU},
            ["id_region"],
        ),
        "spreadsheet": (reverse("spreadsheet:upload"), {"file": ""}, ["id_file"]),
        "document": (
            reverse("services:site_document_add", args=[site.pk]),
            {"kind": "photo", "title": ""},
            None,
        ),
    }
    for name, (url, data, expected) in pages.items():
        response = client.post(url, data)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "error-summary" in html, name
        links = _assert_every_link_has_its_target(html)
        assert links, name
        if expected is not None:
            assert links == expected, name
        for target in links:
            if target.endswith("-map"):
                continue
            assert 'aria-invalid="true"' in _tag(html, target), (name, target)


class _Plain(forms.Form):
    name = forms.CharField(label="Nama")
    colour = forms.ChoiceField(
        label="Warna", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Formulir ini sudah kedaluwarsa.")


def test_the_summary_lists_the_forms_own_errors_first_then_the_fields_in_order():
    form = _Plain({"name": "", "colour": "c", "version": "x"})
    items = error_summary_items([form])
    assert [i["href"] for i in items] == [None, "#id_name", "#id_colour_0", None]
    assert items[0]["text"] == "Formulir ini sudah kedaluwarsa."
    assert items[1]["text"].startswith("Nama: ")
    assert items[2]["text"].startswith("Warna: ")
    # A hidden field has nowhere to link to; its label (none) is not invented.
    assert items[3]["text"] == form.errors["version"][0]
    assert error_summary_items([_Plain()]) == []  # unbound: nothing refused


def test_fields_of_every_form_are_bound_with_their_errors():
    form = SiteForm({"name": ""})
    assert form.is_valid() is False
    html = str(form["name"])
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_name_error"' in html
    assert form["location"].error_target_id == "id_location-map"
    assert form["types"].error_target_id == "id_types_0"


def test_a_template_may_name_its_forms_for_the_summary():
    form = _Plain({"name": "", "colour": "a", "version": "1"})
    page = Template("{% load form_errors %}{% error_summary form %}")
    html = page.render(Context({"form": form, "request": RequestFactory().get("/")}))
    assert _links(_summary(html)) == ["id_name"]
    # Without naming them, a GET page lists nothing (only the answer to a POST does).
    bare = Template("{% load form_errors %}{% error_summary %}")
    assert bare.render(Context({"form": form, "request": RequestFactory().get("/")})) == ""
    posted = bare.render(Context({"form": form, "request": RequestFactory().post("/")}))
    assert _links(_summary(posted)) == ["id_name"]
