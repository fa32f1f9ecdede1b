"""The site map loads what its view shows (sites/map_data.py): ?bbox=&zoom= on the data
endpoint, clusters counted in the database below CLUSTER_BELOW_ZOOM, the sites themselves
close up, under the one visibility rule and the list's filters, at any scale of data."""

import json
import math
import random
import re

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regions.models import Region
from sites import map_data
from sites.models import OperatingStatus, ReviewState, Site
from tests.conftest import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA
from tests.factories import make_site, service_type

pytestmark = pytest.mark.django_db

DATA_URL = reverse("services:site_map_data")
JAKARTA = "106.3,-6.5,107.2,-5.1"  # the province, Kepulauan Seribu included
LOW, HIGH = 11, map_data.CLUSTER_BELOW_ZOOM


def scatter(code, n, *, public=True, types=("puskesmas",), seed=1):
    """n sites at random points inside the kelurahan's real boundary, in bulk."""
    region = Region.objects.only("boundary").get(code=code)
    shape = region.boundary.prepared
    minx, miny, maxx, maxy = region.boundary.extent
    rng = random.Random(seed)
    points = []
    while len(points) < n:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy), srid=4326)
        if shape.contains(p):
            points.append(p)
    state = (
        {
            "review_state": ReviewState.VERIFIED,
            "verified_at": timezone.now(),
            "operating_status": OperatingStatus.OPEN,
        }
        if public
        else {}
    )
    sites = Site.objects.bulk_create(
        (
            Site(name=f"Sintetis {code} {i}", kelurahan_id=code, location=p, **state)
            for i, p in enumerate(points)
        ),
        batch_size=2_000,
    )
    through = Site.types.through
    type_rows = [service_type(t) for t in types]
    through.objects.bulk_create(
        [through(site_id=s.pk, servicetype_id=t.pk) for s in sites for t in type_rows],
        batch_size=5_000,
    )
    return sites


def bbox_of(code, pad=0.0):
    minx, miny, maxx, maxy = Region.objects.only("boundary").get(code=code).boundary.extent
    return f"{minx - pad},{miny - pad},{maxx + pad},{maxy + pad}"


def in_box(qs, bbox):
    box = Polygon.from_bbox(tuple(float(v) for v in bbox.split(",")))
    box.srid = 4326
    return qs.filter(location__intersects=box)


def get(client, **params):
    response = client.get(DATA_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def always_clusters(monkeypatch):
    # Below the zoom of points, clusters even for a handful of sites.
    monkeypatch.setattr(map_data, "FEW_SITES", 0)


def test_it_sends_only_the_sites_inside_the_box(client, provinsi):
    inside = scatter(RAWA_BUNGA, 5)
    scatter(MENTENG, 4, seed=2)
    client.force_login(provinsi)
    fc = get(client, bbox=bbox_of(RAWA_BUNGA), zoom=HIGH)
    assert fc["mode"] == "points" and not fc["truncated"]
    in_rb = {s.pk for s in in_box(Site.objects.all(), bbox_of(RAWA_BUNGA))}
    assert {f["id"] for f in fc["features"]} == in_rb
    assert {s.pk for s in inside} <= in_rb
    assert not in_rb & set(Site.objects.filter(kelurahan_id=MENTENG).values_list("pk", flat=True))
    # Every point drawn lies in the box asked for.
    minx, miny, maxx, maxy = (float(v) for v in bbox_of(RAWA_BUNGA).split(","))
    for f in fc["features"]:
        x, y = f["geometry"]["coordinates"]
        assert minx <= x <= maxx and miny <= y <= maxy


def test_cluster_counts_are_the_visible_sites_in_the_box(client, lurah, always_clusters):
    scatter(RAWA_BUNGA, 30, public=False)  # the lurah's own drafts: visible to them
    scatter(KAMPUNG_MELAYU, 20, public=False, seed=2)  # a neighbour's drafts: hidden
    scatter(KAMPUNG_MELAYU, 7, seed=3)  # the neighbour's public sites: visible
    scatter(MENTENG, 11, seed=4)
    client.force_login(lurah)
    for zoom in (8, LOW, 13, HIGH - 1):
        fc = get(client, bbox=JAKARTA, zoom=zoom)
        assert fc["mode"] == "clusters"
        counts = [f["properties"]["count"] for f in fc["features"]]
        visible = in_box(Site.objects.visible_to(lurah), JAKARTA).count()
        assert visible == 30 + 7 + 11 < Site.objects.count()
        assert sum(counts) == fc["total"] == visible
        for f in fc["features"]:
            p = f["properties"]
            assert sum(n for _code, n in p["types"]) == p["count"]
            x, y = f["geometry"]["coordinates"]
            minx, miny, maxx, maxy = p["bbox"]
            assert minx - 1e-6 <= x <= maxx + 1e-6 and miny - 1e-6 <= y <= maxy + 1e-6
    # Finer cells the closer in: never fewer clusters at a higher zoom.
    sizes = [len(get(client, bbox=JAKARTA, zoom=z)["features"]) for z in (8, 11, 14)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_a_hidden_site_is_neither_drawn_nor_counted(client, lurah, provinsi, always_clusters):
    make_site("Draf Rahasia Menteng", MENTENG)
    shown = make_site("RPTRA Menteng", MENTENG, types=("rptra",), public=True)
    client.force_login(lurah)
    around = bbox_of(MENTENG)
    points = get(client, bbox=around, zoom=HIGH)
    assert [f["id"] for f in points["features"]] == [shown.pk]
    assert "Rahasia" not in json.dumps(points)
    clusters = get(client, bbox=around, zoom=LOW)
    assert clusters["total"] == 1
    assert [f["properties"]["types"] for f in clusters["features"]] == [[["rptra", 1]]]
    # The same view for the provincial officer counts both.
    client.force_login(provinsi)
    assert get(client, bbox=around, zoom=LOW)["total"] == 2


def test_the_list_filters_apply_to_points_and_clusters(client, provinsi, always_clusters):
    scatter(RAWA_BUNGA, 12, types=("sd",))
    scatter(RAWA_BUNGA, 5, types=("rptra",), seed=2)
    make_site("SD Negeri Melati", RAWA_BUNGA, types=("sd",), public=True)
    client.force_login(provinsi)
    sd = service_type("sd").pk
    clusters = get(client, bbox=JAKARTA, zoom=LOW, type=sd)
    assert clusters["total"] == 13
    assert {code for f in clusters["features"] for code, _n in f["properties"]["types"]} == {"sd"}
    assert set(clusters["types"]) == {"sd"}
    points = get(client, bbox=bbox_of(RAWA_BUNGA, 0.01), zoom=HIGH, q="melati")
    assert [f["properties"]["name"] for f in points["features"]] == ["SD Negeri Melati"]
    # An out-of-scope region (the filter's own error) maps nothing, as the list shows nothing.
    assert get(client, bbox=JAKARTA, zoom=LOW, region="99.99")["total"] == 0


def test_the_first_type_colours_the_point_and_counts_the_cluster(client, provinsi, monkeypatch):
    posyandu = service_type("posyandu")
    posyandu.icon, posyandu.color, posyandu.order = "Py", "#f97316", 1
    posyandu.save()
    make_site("RPTRA Melati", types=("posyandu", "rptra"), public=True)
    client.force_login(provinsi)
    props = get(client, bbox=JAKARTA, zoom=HIGH)["features"][0]["properties"]
    assert (props["code"], props["icon"], props["color"]) == ("posyandu", "Py", "#f97316")
    monkeypatch.setattr(map_data, "FEW_SITES", 0)
    clusters = get(client, bbox=JAKARTA, zoom=LOW)
    assert clusters["features"][0]["properties"]["types"] == [["posyandu", 1]]
    assert clusters["types"]["posyandu"] == {
        "name": posyandu.name,
        "icon": "Py",
        "color": "#f97316",
    }


def test_few_sites_come_one_by_one_even_zoomed_out(client, lurah):
    sites = scatter(RAWA_BUNGA, 15, public=False)
    client.force_login(lurah)
    fc = get(client, bbox=JAKARTA, zoom=LOW)
    assert fc["mode"] == "points"
    assert sorted(f["id"] for f in fc["features"]) == sorted(s.pk for s in sites)


def test_too_many_sites_close_up_are_capped_and_flagged(client, provinsi, monkeypatch):
    monkeypatch.setattr(map_data, "POINT_LIMIT", 25)
    scatter(RAWA_BUNGA, 40)
    client.force_login(provinsi)
    fc = get(client, bbox=bbox_of(RAWA_BUNGA), zoom=HIGH + 2)
    assert fc["mode"] == "points" and fc["truncated"] is True
    assert len(fc["features"]) == 25
    fewer = get(client, bbox=bbox_of(RAWA_BUNGA), zoom=HIGH + 2, q="Sintetis 31.75.03.1004 3")
    assert fewer["truncated"] is False and len(fewer["features"]) == 11  # 3, 30..39


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "1,2,3,4,5"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "106.9,-6.1,106.8,-6.2"}, "bbox"),  # min after max
        ({"bbox": "-200,-6,106,-5"}, "bbox"),
        ({"bbox": "106,-95,107,-6"}, "bbox"),
        ({"bbox": "nan,-6,inf,-5"}, "bbox"),
        ({"bbox": "106,-6,106,-5"}, "bbox"),  # empty box
        ({"bbox": "SRID=3857;POLYGON((0 0,1 0,1 1,0 0))"}, "bbox"),
        ({"bbox": JAKARTA, "zoom": "dekat"}, "zoom"),
        ({"bbox": JAKARTA, "zoom": "-1"}, "zoom"),
        ({"bbox": JAKARTA, "zoom": "23"}, "zoom"),
        ({"bbox": JAKARTA, "zoom": "1e999"}, "zoom"),
        ({"zoom": "nan"}, "zoom"),
    ],
)
def test_a_bad_bbox_or_zoom_is_refused_naming_the_parameter(client, lurah, params, name):
    client.force_login(lurah)
    response = client.get(DATA_URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert re.search(rf"\b{name}\b", error), error


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    bbox=st.one_of(
        st.text(max_size=40),
        st.lists(
            st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=6
        ).map(lambda vs: ",".join(str(v) for v in vs)),
    ),
    zoom=st.one_of(st.text(max_size=12), st.floats(width=32).map(str)),
)
def test_any_bbox_and_zoom_is_answered_never_failed(client, lurah, bbox, zoom):
    client.force_login(lurah)
    response = client.get(DATA_URL, {"bbox": bbox, "zoom": zoom})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "error" in response.json()


def test_the_unparameterised_call_still_answers_for_everything_visible(client, lurah):
    scatter(RAWA_BUNGA, 250, public=False)
    scatter(MENTENG, 20, public=False, seed=2)  # hidden from this lurah
    client.force_login(lurah)
    fc = get(client)
    assert fc["mode"] == "clusters" and fc["total"] == 250


def test_it_answers_not_modified_to_its_etag(client, provinsi):
    scatter(RAWA_BUNGA, 3)
    client.force_login(provinsi)
    first = client.get(DATA_URL, {"bbox": JAKARTA, "zoom": LOW})
    assert first["Cache-Control"] == "private, no-cache" and first["ETag"]
    again = client.get(DATA_URL, {"bbox": JAKARTA, "zoom": LOW}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    scatter(RAWA_BUNGA, 1, seed=9)
    changed = client.get(DATA_URL, {"bbox": JAKARTA, "zoom": LOW}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["total"] == 4


def test_the_page_fits_the_visible_filtered_sites_first(client, lurah):
    mine = make_site("Draf Rawa Bunga", RAWA_BUNGA)
    make_site("Draf Menteng", MENTENG)  # hidden: must not stretch the lurah's first view
    client.force_login(lurah)
    html = client.get(reverse("services:site_map"), {"q": "draf"}).content.decode()
    extent = json.loads(re.search(r'data-extent="([^"]*)"', html).group(1))
    x, y = mine.location.x, mine.location.y
    assert extent == pytest.approx([x, y, x, y], abs=1e-6)
    assert f'data-url="{DATA_URL}?q=draf"' in html
    empty = client.get(reverse("services:site_map"), {"q": "tidak ada"}).content.decode()
    assert 'data-extent=""' in empty


# ---- any scale of data: the same answer size and query count for 300 or 20,000 sites ----


def _queries_and_bytes(client, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(50) as ctx:
        response = client.get(DATA_URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.content), response.json()


def test_the_zoomed_out_answer_stays_small_and_its_queries_constant_at_any_scale(
    client, provinsi, django_assert_max_num_queries
):
    client.force_login(provinsi)
    scatter(RAWA_BUNGA, 300, types=("sd", "rptra"))
    scatter(MENTENG, 200, types=("puskesmas",), seed=2)
    views = [
        {"bbox": JAKARTA, "zoom": 10},
        {"bbox": JAKARTA, "zoom": 14},  # a box far larger than a screen at this zoom
        {"bbox": "-180,-90,180,90", "zoom": 14},
        {"bbox": bbox_of(RAWA_BUNGA), "zoom": 14},
    ]
    get(client, **views[0])  # the user's memos (grants, choices) filled once per process
    small = [_queries_and_bytes(client, django_assert_max_num_queries, **v) for v in views]
    scatter(RAWA_BUNGA, 15_000, types=("sd", "rptra"), seed=3)
    scatter(MENTENG, 5_000, types=("puskesmas",), seed=4)
    large = [_queries_and_bytes(client, django_assert_max_num_queries, **v) for v in views]
    for view, (q_small, _b, fc_small), (q_large, size, fc_large) in zip(
        views, small, large, strict=True
    ):
        assert fc_small["mode"] == fc_large["mode"] == "clusters"
        assert fc_large["total"] == in_box(Site.objects.all(), view["bbox"]).count()
        assert fc_large["total"] >= fc_small["total"] + 15_000
        assert q_large == q_small  # one GROUP BY whatever the number of sites
        # At most MAX_CELLS_ACROSS² cells could come back; the occupied ones are far fewer,
        # and the answer does not grow with the sites inside them.
        assert size < 100_000, (fc_large["zoom"], size)
    assert large[0][1] < 5_000  # the province zoomed out: two kelurahan, a cluster or two
    # Counted by first type: in Rawa Bunga's view only its schools and RPTRA, all of them.
    by_type: dict[str, int] = {}
    for f in large[3][2]["features"]:
        for code, n in f["properties"]["types"]:
            by_type[code] = by_type.get(code, 0) + n
    assert set(by_type) <= {"sd", "rptra"} and sum(by_type.values()) == 15_300


@pytest.mark.parametrize("zoom", [LOW, HIGH])
def test_a_view_takes_a_bounded_number_of_queries(client, camat, django_assert_num_queries, zoom):
    # Session, user, grants, region choices; then the grid (zoomed out, with the catalogue)
    # or the sites and their types (close up).
    scatter(RAWA_BUNGA, 400, public=False)
    around = bbox_of(RAWA_BUNGA)
    client.force_login(camat)
    with django_assert_num_queries(6):
        fc = get(client, bbox=around, zoom=zoom)
    assert fc["total"] == 400


def _screen_gap_violations(fc, zoom):
    """Pairs of cluster discs closer than their radii plus the gap, in screen pixels at the
    zoom asked for (as the map draws them: each feature's "size" wide at its point)."""
    discs = []
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        discs.append((*map_data._screen(lon, lat, zoom), f["properties"]["size"], f["id"]))
    bad = []
    for i, (x, y, size, key) in enumerate(discs):
        for ox, oy, osize, okey in discs[i + 1 :]:
            gap = ((ox - x) ** 2 + (oy - y) ** 2) ** 0.5 - (size + osize) / 2
            if gap < map_data.DISC_GAP_PX - 1e-6:
                bad.append((key, okey, round(gap, 1)))
    return bad


def test_cluster_discs_never_touch_at_any_zoom(client, provinsi, always_clusters):
    # Sites packed along the borders of cells (a kelurahan at every zoom's cell edges) on top
    # of the registry: without merging, neighbouring cells' discs overlap (WCAG 2.5.8).
    scatter(RAWA_BUNGA, 400, types=("sd", "rptra"))
    scatter(KAMPUNG_MELAYU, 300, types=("puskesmas",), seed=2)
    scatter(MENTENG, 200, seed=3)
    client.force_login(provinsi)
    visible = in_box(Site.objects.visible_to(provinsi), JAKARTA).count()
    for zoom in range(8, HIGH):
        for z in (zoom, zoom + 0.5):  # the map asks with its whole zoom, draws at z
            fc = get(client, bbox=JAKARTA, zoom=z)
            assert fc["mode"] == "clusters"
            assert _screen_gap_violations(fc, math.floor(z)) == [], z
            # Merging moves no site out of the count and keeps each type's share.
            assert sum(f["properties"]["count"] for f in fc["features"]) == visible
            for f in fc["features"]:
                p = f["properties"]
                assert p["size"] == map_data.disc_size(p["count"])
                assert sum(n for _code, n in p["types"]) == p["count"]


def _cell(lon, lat, n, type_id=1):
    return {
        "n": n,
        "sx": lon * n,
        "sy": lat * n,
        "box": [lon, lat, lon, lat],
        "types": [(type_id, n)],
    }


def test_two_discs_across_a_cell_border_merge_and_distant_ones_stay():
    zoom = 12
    cell = 360 / 2**zoom / map_data.CELLS_PER_TILE  # 64 px
    px = cell / 64  # one screen pixel in degrees of longitude
    cells = {
        (0, 0): _cell(cell - 2 * px, -6.2, 5, type_id=1),  # 2 px left of the border
        (1, 0): _cell(cell + 3 * px, -6.2, 2, type_id=2),  # 3 px right of it
        (5, 0): _cell(5.5 * cell, -6.2, 9, type_id=1),  # far away
    }
    spaced = map_data.spaced_cells(cells, zoom)
    assert set(spaced) == {(0, 0), (5, 0)}
    merged = spaced[(0, 0)]
    assert merged["n"] == 7 and sorted(merged["types"]) == [(1, 5), (2, 2)]
    assert merged["box"][0] == pytest.approx(cell - 2 * px)
    assert merged["box"][2] == pytest.approx(cell + 3 * px)
    assert spaced[(5, 0)] == cells[(5, 0)]
    # A row of discs 20 px apart: merged pairs may touch their neighbours again, and are
    # merged in the next rounds until no two touch, every site still counted.
    chain = {(i, 0): _cell(i * 20 * px, -6.2, 1) for i in range(12)}
    spaced = map_data.spaced_cells(chain, zoom)
    assert 1 < len(spaced) < 12 and sum(c["n"] for c in spaced.values()) == 12
    discs = [
        (*map_data._screen(c["sx"] / c["n"], c["sy"] / c["n"], zoom), c["n"])
        for c in spaced.values()
    ]
    for i, (x, y, n) in enumerate(discs):
        for ox, oy, on in discs[i + 1 :]:
            need = (map_data.disc_size(n) + map_data.disc_size(on)) / 2 + map_data.DISC_GAP_PX
            assert math.hypot(ox - x, oy - y) >= need
