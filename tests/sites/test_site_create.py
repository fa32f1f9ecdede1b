import json

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from sites import signals
from sites.models import Site, SiteChange
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in, service_type

pytestmark = pytest.mark.django_db

URL = reverse("services:site_create")


def geojson(point, **extra):
    return json.dumps({"type": "Point", "coordinates": [point.x, point.y], **extra})


def form_data(point=None, **overrides):
    data = {
        "name": "Posyandu Melati",
        "types": [service_type("posyandu").pk],
        "location": geojson(point or point_in(RAWA_BUNGA)),
        "latitude": "",
        "longitude": "",
        "address": "Jl. Rawa Bunga",
        "contact": "0812",
        "operating_status": "open",
        "version": "",
    }
    data.update(overrides)
    return data


def test_it_creates_a_site_at_the_clicked_point_and_derives_the_kelurahan(client, lurah):
    received = []
    signals.site_created.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        client.force_login(lurah)
        response = client.post(URL, form_data())
    finally:
        signals.site_created.disconnect(dispatch_uid="t1")
    site = Site.objects.get()
    assert response.status_code == 302 and response["Location"] == site.get_absolute_url()
    assert site.kelurahan_id == RAWA_BUNGA
    assert site.review_state == "draft" and site.version == 1
    assert site.created_by == lurah and list(site.types.values_list("code", flat=True)) == [
        "posyandu"
    ]
    change = SiteChange.objects.get(site=site)
    assert change.action == "created" and change.user == lurah
    assert change.changes["name"] == ["", "Posyandu Melati"]
    assert change.changes["kelurahan"] == ["", "Rawa Bunga"]
    assert [kw["site"] for kw in received] == [site]


def test_it_takes_typed_coordinates_from_a_phone(client, camat):
    point = point_in(KAMPUNG_MELAYU)
    client.force_login(camat)
    client.post(URL, form_data(location="", latitude=str(point.y), longitude=str(point.x)))
    assert Site.objects.get().kelurahan_id == KAMPUNG_MELAYU


def test_it_refuses_a_point_outside_the_territory_naming_the_field(client, lurah):
    client.force_login(lurah)
    response = client.post(URL, form_data(point_in(KAMPUNG_MELAYU)))
    assert response.status_code == 200
    errors = response.context["form"].errors["location"]
    assert errors == [
        "Lokasi: titik berada di luar wilayah tugas Anda (Kelurahan Kampung Melayu). "
        "Pilih titik di dalam wilayah tugas Anda: Kelurahan Rawa Bunga."
    ]
    assert not Site.objects.exists()


def test_it_refuses_a_point_outside_jakarta(client, camat):
    client.force_login(camat)
    response = client.post(URL, form_data(Point(110.36, -7.8, srid=4326)))  # Yogyakarta
    assert (
        "Lokasi: titik berada di luar DKI Jakarta" in response.context["form"].errors["location"][0]
    )
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "Point", "coordinates": [200, -6.2]}',
        '{"type": "Polygon", "coordinates": [[[106.8, -6.2], [106.9, -6.2], [106.8, -6.2]]]}',
        '{"type": "Point", "coordinates": ["a", "b"]}',
        "not json",
        '{"type": "Point"}',
    ],
)
def test_it_refuses_a_bad_map_value(client, lurah, raw):
    client.force_login(lurah)
    response = client.post(URL, form_data(location=raw))
    assert response.status_code == 200
    assert response.context["form"].errors["location"][0].startswith("Lokasi:")
    assert not Site.objects.exists()


def test_it_ignores_a_crs_member_in_the_map_value(client, lurah):
    point = point_in(RAWA_BUNGA)
    raw = geojson(
        point, crs={"type": "name", "properties": {"name": "/etc/passwd"}}, bbox=[0, 0, 1, 1]
    )
    client.force_login(lurah)
    client.post(URL, form_data(location=raw))
    site = Site.objects.get()
    assert site.location.srid == 4326
    assert abs(site.location.x - point.x) < 1e-6 and abs(site.location.y - point.y) < 1e-6


def test_it_redisplays_a_broken_map_value_without_parsing_it_elsewhere(client, lurah):
    client.force_login(lurah)
    response = client.post(URL, form_data(name="", location='{"type":"Point","crs":1}'))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_it_warns_about_a_likely_duplicate_then_saves_when_confirmed(client, lurah):
    existing = make_site(
        "Posyandu Melati", types=("posyandu",), location=point_in(RAWA_BUNGA, dx_m=30)
    )
    client.force_login(lurah)
    response = client.post(URL, form_data(name="POSYANDU MELATI"))
    assert response.status_code == 200
    assert [s for s, _ in response.context["duplicates"]] == [existing]
    html = response.content.decode()
    assert existing.get_absolute_url() in html and 'name="confirm_duplicate"' in html
    assert Site.objects.count() == 1

    response = client.post(URL, form_data(name="POSYANDU MELATI", confirm_duplicate="on"))
    assert response.status_code == 302
    assert Site.objects.count() == 2


def test_it_does_not_warn_about_another_type_or_a_far_site(client, lurah):
    make_site("Posyandu Melati", types=("puskesmas",), location=point_in(RAWA_BUNGA, dx_m=30))
    make_site("Posyandu Melati", types=("posyandu",), location=point_in(RAWA_BUNGA, dx_m=250))
    client.force_login(lurah)
    assert client.post(URL, form_data()).status_code == 302


def test_it_requires_a_point(client, lurah):
    client.force_login(lurah)
    response = client.post(URL, form_data(location=""))
    assert response.context["form"].errors["location"] == [
        "Lokasi: klik peta atau isi lintang dan bujur."
    ]
