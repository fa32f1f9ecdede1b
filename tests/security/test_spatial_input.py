"""Spatial input never reaches GDAL: a "crs" naming a file or URL, a path, a GDAL connection
string or (E)WKT in the location is refused or ignored by the form, which builds the point
from two numbers. Debian's GDAL 3.6 cannot block file or network access by itself."""

import json

import pytest
from django.contrib.gis import gdal
from django.urls import reverse

from sites.models import Site, SiteChange
from tests.factories import RAWA_BUNGA, make_site, point_in, service_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_gdal(monkeypatch):
    """Any GDAL object built during the test fails it."""
    calls = []

    def refuse(name):
        def init(self, *args, **kwargs):
            calls.append((name, args))
            raise AssertionError(f"GDAL {name} called with {args!r}")

        return init

    for name in ("OGRGeometry", "SpatialReference", "DataSource", "CoordTransform", "GDALRaster"):
        monkeypatch.setattr(getattr(gdal, name), "__init__", refuse(name))
    return calls


def _point(lon, lat, **extra):
    return json.dumps({"type": "Point", "coordinates": [lon, lat], **extra})


def _crs_name(name):
    return {"type": "name", "properties": {"name": name}}


def _crs_link(href):
    return {"type": "link", "properties": {"href": href, "type": "proj4"}}


HOSTILE_REJECTED = [
    "/etc/passwd",
    "file:///etc/passwd",
    "PG:dbname=kaltara host=127.0.0.1 user=postgres",
    "/vsicurl/http://example.com/x.geojson",
    "SRID=3857;POINT(11891000 -692000)",
    "POINT(106.87 -6.22)",
    "0101000020E6100000",  # hex EWKB
    json.dumps({"type": "Point", "coordinates": "/etc/passwd"}),
    json.dumps({"type": "/etc/passwd", "coordinates": [106.87, -6.22]}),
    json.dumps({"type": "GeometryCollection", "geometries": []}),
    json.dumps({"type": "Point", "coordinates": ["1e400", "nan"]}),
    "x" * 5000,
]


def _form(location, **extra):
    return {
        "name": "Posyandu Uji",
        "types": [service_type("posyandu").pk],
        "location": location,
        "operating_status": "open",
        **extra,
    }


@pytest.mark.parametrize("location", HOSTILE_REJECTED)
def test_hostile_locations_are_refused_without_gdal(client, lurah, no_gdal, location):
    client.force_login(lurah)
    response = client.post(reverse("services:site_create"), _form(location))
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    assert not Site.objects.exists()
    assert no_gdal == []


@pytest.mark.parametrize(
    "crs",
    [
        _crs_name("/etc/passwd"),
        _crs_name("urn:ogc:def:crs:EPSG::3857"),
        _crs_link("file:///etc/passwd"),
        _crs_link("http://169.254.169.254/latest/meta-data/"),
        _crs_name("PG:dbname=kaltara"),
    ],
)
def test_a_crs_member_is_ignored_and_the_point_read_as_wgs84(client, lurah, no_gdal, crs):
    client.force_login(lurah)
    where = point_in(RAWA_BUNGA)
    response = client.post(
        reverse("services:site_create"), _form(_point(where.x, where.y, crs=crs))
    )
    assert response.status_code == 302, response.context["form"].errors
    site = Site.objects.get()
    assert site.location.srid == 4326
    assert site.location.equals_exact(where, 1e-6)
    assert no_gdal == []


def test_a_feature_with_a_crs_in_the_edit_form_is_read_as_its_coordinates(client, lurah, no_gdal):
    site = make_site("Posyandu Melati", types=("posyandu",))
    client.force_login(lurah)
    moved = point_in(RAWA_BUNGA, dx_m=40)
    feature = json.dumps(
        {
            "type": "Feature",
            "crs": _crs_link("file:///etc/shadow"),
            "geometry": {"type": "Point", "coordinates": [moved.x, moved.y]},
            "properties": {"name": "/etc/passwd"},
        }
    )
    response = client.post(
        reverse("services:site_edit", args=[site.pk]),
        _form(feature, name="Posyandu Melati", version=site.version, confirm_duplicate="on"),
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.location.equals_exact(moved, 1e-6)
    assert no_gdal == []


def test_a_refused_edit_changes_nothing(client, lurah, no_gdal):
    site = make_site("Posyandu Melati", types=("posyandu",))
    before = (site.location.wkt, site.version)
    client.force_login(lurah)
    response = client.post(
        reverse("services:site_edit", args=[site.pk]),
        _form("PG:dbname=kaltara", version=site.version),
    )
    assert response.status_code == 200
    site.refresh_from_db()
    assert (site.location.wkt, site.version) == before
    assert not SiteChange.objects.filter(site=site).exists()


@pytest.mark.parametrize(
    "params",
    [
        {"wilayah": "/etc/passwd"},
        {"wilayah": "PG:dbname=kaltara"},
        {"bbox": "SRID=3857;POLYGON((0 0,1 0,1 1,0 0))"},
        {"q": '{"type":"Point","crs":{"type":"name","properties":{"name":"/etc/passwd"}}}'},
    ],
)
def test_hostile_filters_on_the_site_map_never_reach_gdal(client, lurah, no_gdal, params):
    client.force_login(lurah)
    assert client.get(reverse("services:site_list"), params).status_code == 200
    # The map reads bbox itself (four numbers, else 400 naming it); the rest are ignored.
    response = client.get(reverse("services:site_map_data"), params)
    if "bbox" in params:
        assert response.status_code == 400 and "bbox" in response.json()["error"]
    else:
        assert response.status_code == 200
    assert no_gdal == []


def _boundary_file(tmp_path, geometry, **collection):
    path = tmp_path / "b.geojson"
    feature = {"type": "Feature", "properties": {"kode": "31.99"}, "geometry": geometry}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature], **collection}))
    return path


def _rows():
    from regions.loading import RegionRow

    return {"31.99": RegionRow(code="31.99", name="Uji", level="kabkota", parent="31")}


RING = [[106.8, -6.2], [106.81, -6.2], [106.81, -6.21], [106.8, -6.2]]


def test_the_region_loader_reads_a_polygon_with_a_crs_as_wgs84(tmp_path):
    from regions.loading import read_boundaries

    path = _boundary_file(
        tmp_path,
        {"type": "Polygon", "coordinates": [RING], "crs": _crs_name("/etc/passwd")},
        crs=_crs_link("file:///etc/passwd"),
    )
    rows = _rows()
    read_boundaries(path, "kabkota", rows)
    assert rows["31.99"].boundary.srid == 4326
    assert rows["31.99"].boundary.coords[0][0][0] == (106.8, -6.2)


def test_the_region_loader_never_calls_gdal(tmp_path, no_gdal):
    from regions.loading import read_boundaries

    path = _boundary_file(tmp_path, {"type": "Polygon", "coordinates": [RING]})
    read_boundaries(path, "kabkota", _rows())
    assert no_gdal == []
