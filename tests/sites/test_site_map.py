import json

import pytest
from django.urls import reverse

from tests.factories import MENTENG, RAWA_BUNGA, make_site, service_type
from tests.sites.test_site_list import make_many

pytestmark = pytest.mark.django_db

DATA_URL = reverse("services:site_map_data")


@pytest.mark.parametrize("n", [10, 500])
def test_it_serves_map_data_with_a_bounded_number_of_queries(
    client, camat, django_assert_max_num_queries, n
):
    make_many(n)
    client.force_login(camat)
    # Session, user, grants, region choices; the grid of clusters (zoomed out: the catalogue
    # of the types present after it, or the sites and their types when they are few).
    with django_assert_max_num_queries(7):
        response = client.get(DATA_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    fc = response.json()
    if fc["mode"] == "points":
        assert n <= 200 and len(fc["features"]) == n
    else:
        assert n > 200 and sum(f["properties"]["count"] for f in fc["features"]) == n


def test_it_draws_one_feature_per_site_with_its_first_type(client, lurah):
    posyandu = service_type("posyandu")
    posyandu.icon, posyandu.color, posyandu.order = "Py", "#f97316", 1
    posyandu.save()
    site = make_site("RPTRA Melati", types=("posyandu", "rptra"))
    client.force_login(lurah)
    feature = client.get(DATA_URL).json()["features"][0]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert abs(lon - site.location.x) < 1e-5 and abs(lat - site.location.y) < 1e-5
    props = feature["properties"]
    assert props["id"] == site.pk and props["name"] == "RPTRA Melati"
    assert props["url"] == site.get_absolute_url()
    assert (props["icon"], props["color"], props["code"]) == ("Py", "#f97316", "posyandu")


def test_it_maps_the_same_filtered_sites_as_the_list(client, lurah):
    make_site("Puskesmas RB", RAWA_BUNGA)
    make_site("SD RB", RAWA_BUNGA, types=("sd",))
    make_site("Draf Menteng", MENTENG)
    client.force_login(lurah)
    params = {"type": service_type("sd").pk}
    names = [f["properties"]["name"] for f in client.get(DATA_URL, params).json()["features"]]
    listed = [s.name for s in client.get(reverse("services:site_list"), params).context["page"]]
    assert names == listed == ["SD RB"]


def test_it_points_the_map_page_at_the_filtered_data(client, lurah):
    client.force_login(lurah)
    response = client.get(reverse("services:site_map"), {"q": "rptra"})
    html = response.content.decode()
    assert f'data-url="{DATA_URL}?q=rptra"' in html
    assert 'data-extent=""' in html  # nothing matches: the map starts on Jakarta
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert "js/site_map.js" in html


def test_it_escapes_names_in_the_geojson(client, lurah):
    make_site('RPTRA "<b>x</b>"')
    client.force_login(lurah)
    body = client.get(DATA_URL).content.decode()
    assert json.loads(body)["features"][0]["properties"]["name"] == 'RPTRA "<b>x</b>"'
