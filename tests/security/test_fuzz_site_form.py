"""The site form under arbitrary input: never a server error, and a refused request saves
nothing. A save lands only inside the officer's territory."""

import json

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sites.models import Site, SiteChange
from tests.factories import RAWA_BUNGA, make_site, point_in, service_type

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text a browser could send (no lone surrogates: they cannot be encoded), NUL included.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
huge = st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\x00", "9"]), st.integers(0, 6000))
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e999", "-0", "0x10", "١٢", "6,2", " 106.8 ", "NaN", "-inf"]),
)

# Ids past 64 bits are tested on their own (test_a_type_id_past_64_bits_is_refused);
# everything else in the form takes any number.
ids_within_64_bits = st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str)


def _within_64_bits(value: str) -> bool:
    try:
        return abs(int(value)) < 2**63
    except ValueError:
        return True


def geojsonish(lon, lat):
    """Strings shaped like the map widget's value, broken in every way it can be."""
    coord = st.one_of(st.floats(), st.integers(-(10**20), 10**20), text, st.none())
    crs = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["name", "link"]),
            "properties": st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["/etc/passwd", "PG:dbname=x", "EPSG:3857"]),
                    "href": st.sampled_from(["file:///etc/passwd", "http://10.0.0.1/"]),
                }
            ),
        }
    )
    point = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Point", "point", "Polygon", "Feature"]),
            "coordinates": st.one_of(
                st.lists(coord, max_size=4),
                st.tuples(
                    st.floats(lon - 0.003, lon + 0.003), st.floats(lat - 0.003, lat + 0.003)
                ).map(list),
                coord,
            ),
        },
        optional={"crs": crs, "geometry": st.none(), "bbox": st.lists(st.floats(), max_size=4)},
    )
    return st.one_of(
        point.map(lambda d: json.dumps(d, allow_nan=True)),
        text,
        huge,
        st.sampled_from(["", "null", "[]", "{}", "POINT(106.8 -6.2)", "SRID=4326;POINT(1 2)"]),
    )


def site_forms(lon, lat, type_ids):
    """Wholly random forms, and valid ones with one or two fields replaced by random input
    (so saves happen too, and the property "saved only when valid" is tested both ways)."""
    hostile = {
        "name": st.one_of(text, huge),
        "types": st.lists(
            st.one_of(st.sampled_from(type_ids).map(str), text, ids_within_64_bits).filter(
                _within_64_bits
            ),
            max_size=3,
        ),
        "location": geojsonish(lon, lat),
        "latitude": st.one_of(numbers, st.floats(lat - 0.002, lat + 0.002).map(str)),
        "longitude": st.one_of(numbers, st.floats(lon - 0.002, lon + 0.002).map(str)),
        "address": st.one_of(text, huge),
        "contact": st.one_of(text, huge),
        "operating_status": st.one_of(
            st.sampled_from(["open", "temporarily_closed", "closed"]), text
        ),
        "confirm_duplicate": st.sampled_from(["", "on", "\x00"]),
        "version": st.one_of(numbers, text),
    }
    valid = st.builds(
        lambda name, type_id, dx, dy: {
            "name": name,
            "types": [str(type_id)],
            "location": json.dumps({"type": "Point", "coordinates": [lon + dx, lat + dy]}),
            "latitude": "",
            "longitude": "",
            "address": "Jl. Uji",
            "contact": "",
            "operating_status": "open",
            "confirm_duplicate": "on",
        },
        st.text("abcdefghij XYZ", min_size=3, max_size=30).filter(str.strip),
        st.sampled_from(type_ids),
        st.floats(-0.0005, 0.0005),
        st.floats(-0.0005, 0.0005),
    )
    mutated = st.builds(
        lambda base, changes: {**base, **changes},
        valid,
        st.dictionaries(st.sampled_from(sorted(hostile)), st.nothing(), max_size=0)
        | st.sampled_from(sorted(hostile)).flatmap(
            lambda key: hostile[key].map(lambda value: {key: value})
        ),
    )
    return st.one_of(valid, mutated, st.fixed_dictionaries({}, optional=hostile))


@pytest.fixture
def setting(lurah):
    where = point_in(RAWA_BUNGA)
    types = [service_type(c).pk for c in ("posyandu", "rptra", "sd")]
    return where, types


def _post_and_check(client, url, data, *, created_expected_possible, site=None):
    """POST inside a savepoint that is rolled back, so every example starts alike."""
    with transaction.atomic():
        sites_before = Site.objects.count()
        changes_before = SiteChange.objects.count()
        version_before = site.version if site else None
        response = client.post(url, data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            # Refused (or a duplicate warning): nothing written.
            assert Site.objects.count() == sites_before
            assert SiteChange.objects.count() == changes_before
            if site is not None:
                site.refresh_from_db()
                assert site.version == version_before
        elif created_expected_possible:
            saved = Site.objects.latest("pk")
            assert saved.kelurahan_id == RAWA_BUNGA
            assert saved.location.srid == 4326
        transaction.set_rollback(True)


def test_the_create_form_never_fails_and_saves_only_valid_sites(client, lurah, setting):
    where, types = setting
    client.force_login(lurah)
    url = reverse("services:site_create")

    @FUZZ
    @given(data=site_forms(where.x, where.y, types))
    def check(data):
        _post_and_check(client, url, data, created_expected_possible=True)

    check()


def test_the_edit_form_never_fails_and_a_refused_edit_changes_nothing(client, lurah, setting):
    where, types = setting
    site = make_site("Posyandu Melati", types=("posyandu",))
    client.force_login(lurah)
    url = reverse("services:site_edit", args=[site.pk])

    @FUZZ
    @given(data=site_forms(where.x, where.y, types))
    def check(data):
        site.refresh_from_db()
        _post_and_check(client, url, data, created_expected_possible=False, site=site)

    check()


def test_a_type_id_past_64_bits_is_refused(client, lurah):
    client.force_login(lurah)
    response = client.post(reverse("services:site_create"), {"types": [str(2**63)]})
    assert response.status_code == 200
    assert "types" in response.context["form"].errors
