"""The score choropleth: one small GeoJSON per level, cached simplified shapes, scores as
properties, a "no kawasan yet" class."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import choropleth
from kawasan.models import Kawasan
from regions.models import Region
from tests.dashboard.conftest import RAWA_BUNGA

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored", "fresh_cache")]

DATA = reverse("kaltara:choropleth_data")


def coordinates(geometry):
    def walk(c):
        if isinstance(c[0], (int, float)):
            yield c
        else:
            for part in c:
                yield from walk(part)

    return list(walk(geometry["coordinates"]))


def test_it_sends_all_267_kelurahan_with_scores_in_under_300_kb(client, provinsi):
    client.force_login(provinsi)
    response = client.get(DATA)
    assert response["Content-Type"] == "application/geo+json"
    assert len(response.content) < 300 * 1024
    fc = json.loads(response.content)
    assert len(fc["features"]) == 267
    props = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    rawa_bunga = props[RAWA_BUNGA]
    assert rawa_bunga["name"] == "Rawa Bunga"
    assert 150 < rawa_bunga["score"] < 250
    assert rawa_bunga["band"] == "Belum"
    assert rawa_bunga["url"] == reverse("kaltara:dashboard_area", args=[RAWA_BUNGA])
    assert rawa_bunga["color"] == choropleth.SCORE_CLASSES[1][2]  # 100-199
    for feature in fc["features"][:20]:
        for lon, lat in coordinates(feature["geometry"]):
            assert round(lon, 5) == lon and round(lat, 5) == lat


def test_it_gives_kelurahan_without_kawasan_their_own_class(client, provinsi):
    Kawasan.objects.filter(region_id=RAWA_BUNGA).delete()
    client.force_login(provinsi)
    fc = json.loads(client.get(DATA).content)
    (rawa_bunga,) = [f for f in fc["features"] if f["properties"]["code"] == RAWA_BUNGA]
    assert rawa_bunga["properties"]["kawasan"] == 0
    assert rawa_bunga["properties"]["band"] is None
    assert rawa_bunga["properties"]["color"] == choropleth.NO_KAWASAN_COLOR
    assert ("Belum ada kawasan", choropleth.NO_KAWASAN_COLOR) in choropleth.legend()


def test_it_serves_kecamatan_and_a_finer_detail_when_zoomed_in(client, provinsi):
    client.force_login(provinsi)
    coarse = client.get(DATA, {"tingkat": "kecamatan"})
    fine = client.get(DATA, {"tingkat": "kecamatan", "detail": "1"})
    assert len(json.loads(coarse.content)["features"]) == 44
    assert len(fine.content) > len(coarse.content)


def shape_reads(queries):
    # The shape and fingerprint reads are the ones skipping regions without a boundary.
    return [q for q in queries if '"boundary" is null' in q["sql"].lower()]


def test_it_simplifies_the_shapes_once_and_reads_only_scores_afterwards(client, provinsi):
    client.force_login(provinsi)
    with CaptureQueriesContext(connection) as queries:
        client.get(DATA)
    assert len(shape_reads(queries)) == 2
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DATA).status_code == 200
    assert not shape_reads(queries)
    # The whole body is cached: the session, the user, the grants, the scores' version.
    assert len(queries) <= 4

    # Forgetting the version re-reads the fingerprint; unchanged boundaries keep the shapes.
    choropleth.boundary_version_bump()
    with CaptureQueriesContext(connection) as queries:
        client.get(DATA)
    assert len(shape_reads(queries)) == 1

    # A changed boundary has another fingerprint: its shapes are simplified again.
    region = Region.objects.get(code=RAWA_BUNGA)
    region.boundary = MultiPolygon(Polygon.from_bbox((106.86, -6.22, 106.87, -6.21)), srid=4326)
    region.save()
    choropleth.boundary_version_bump()
    with CaptureQueriesContext(connection) as queries:
        fc = json.loads(client.get(DATA).content)
    assert len(shape_reads(queries)) == 2
    (rawa_bunga,) = [f for f in fc["features"] if f["properties"]["code"] == RAWA_BUNGA]
    assert len(coordinates(rawa_bunga["geometry"])) == 5


def test_the_map_page_has_a_legend_and_loads_its_level(client, provinsi):
    client.force_login(provinsi)
    response = client.get(reverse("kaltara:choropleth"), {"tingkat": "kecamatan"})
    assert 'data-level="kecamatan"' in response.text
    assert 'id="map-legend"' in response.text
    assert "Belum ada kawasan" in response.text
