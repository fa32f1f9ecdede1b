"""List filters under arbitrary query strings: never a server error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_site

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The names the lists read, and a few they do not.
PARAMS = [
    "q", "type", "cluster", "sector", "region", "review_state", "operating_status", "stale",
    "page", "tingkat", "kota", "predikat", "keyakinan", "urut", "detail", "kawasan", "wilayah",
    "cari", "pengguna", "peran", "jenis", "dari", "sampai", "format", "zzz",
]  # fmt: skip

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
values = st.one_of(
    text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "31",
            "31.75",
            "31.75.03.1004",
            "31.",
            "..",
            "%",
            "_",
            "' OR 1=1 --",
            "\x00",
            "1e999",
            "kelurahan",
            "kota",
            "verified",
            "true",
            "2024-02-30",
            "-1",
            "0",
            "9" * 40,
        ]
    ),  # fmt: skip
)
queries = st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=5)


def _check(client, url, query):
    response = client.get(url, query)
    # 404 where an id in the query names nothing the user may see; never a server error.
    assert response.status_code in (200, 404), (url, query, response.status_code)


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("lurah", "services:site_list"),
        ("lurah", "services:site_map_data"),
        ("camat", "kawasan:list"),
        ("sudinkes", "services:review_queue"),
        ("provinsi", "kaltara:rankings"),
        ("provinsi", "kaltara:choropleth_data"),
        ("provinsi", "kaltara:export_list"),
        ("provinsi", "audit:list"),
        ("lurah", "notifications:inbox"),
    ],
)
def test_a_list_never_fails_on_any_query_string(request, client, persona, url_name):
    make_site("Posyandu Melati", types=("posyandu",))
    client.force_login(request.getfixturevalue(persona))
    url = reverse(url_name)

    @FUZZ
    @given(query=queries)
    def check(query):
        _check(client, url, query)

    check()
