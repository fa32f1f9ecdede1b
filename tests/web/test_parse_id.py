"""Ids and versions typed in URLs and forms: ASCII digits only, never a 500.

str.isdigit() accepts "²" and Arabic-Indic digits, which int() then refuses: every place
that reads an id or a version from the request goes through web.validators.parse_id."""

import pytest
from django.urls import reverse

from kawasan.models import Kawasan
from tests.factories import RAWA_BUNGA, make_site
from web.validators import parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("007", 7),
        ("", None),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        (" 7", None),
        ("7\n", None),
        ("1" * 18, int("1" * 18)),
        ("1" * 19, None),
        (None, None),
        (7, None),
    ],
)
def test_only_ascii_digits_of_bounded_length_are_an_id(raw, expected):
    assert parse_id(raw) == expected


def test_digits_limit_for_versions():
    assert parse_id("999999999", digits=9) == 999999999
    assert parse_id("1000000000", digits=9) is None


@pytest.mark.django_db
def test_unicode_digits_in_the_request_are_refused_plainly(client, lurah):
    site = make_site("RPTRA Rawa Bunga", RAWA_BUNGA, types=("rptra",))
    kawasan = Kawasan.objects.create(name="Kawasan Uji", region_id=RAWA_BUNGA)
    client.force_login(lurah)
    link_form = reverse("services:link_create", args=[site.pk])
    assert client.get(link_form + "?dengan=%C2%B2").status_code == 200  # no end chosen
    assert client.get(reverse("home") + "?kawasan=%C2%B2").status_code == 404
    add = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=patbm"
    assert client.post(add, {"kawasan_version": "²", "name": "X"}).status_code == 200
