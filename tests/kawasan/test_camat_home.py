"""The camat's home: the kelurahan comparison near the top, sortable by score, band and change
(server-side links, ?urut=), its cached fragment keyed by the sort."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import KawasanScore, ScoreSnapshot
from scoring.services import scores_recompute
from tests.dashboard.conftest import JATINEGARA, small_kawasan
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA
from web import fragments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    # As tests/dashboard/conftest.py: the fragments of one test never meet another's.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kaltara-camat-home-tests",
        }
    }
    cache.clear()
    fragments.LOCAL.clear()
    yield
    cache.clear()
    fragments.LOCAL.clear()


@pytest.fixture
def kecamatan():
    rb = small_kawasan(RAWA_BUNGA, public=True)
    km = small_kawasan(KAMPUNG_MELAYU)
    scores_recompute()
    return {"rb": rb, "km": km}


def _snapshot(kawasan, delta):
    score = KawasanScore.objects.get(kawasan=kawasan)
    ScoreSnapshot.objects.create(
        kawasan=kawasan,
        month=date(2025, 1, 1),
        policy=score.policy,
        total=score.total - delta,
        band=score.band,
    )


@pytest.fixture
def snapshots(kecamatan):
    _snapshot(kecamatan["rb"], -50.0)  # fell 50 since
    _snapshot(kecamatan["km"], 30.0)  # rose 30


def _rows(client, **params):
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    return response, [row.region for row in response.context["comparison"]]


def test_the_comparison_comes_right_after_the_head(client, camat, kecamatan):
    client.force_login(camat)
    html = client.get(reverse("home")).content.decode()
    assert html.index('id="kelurahan-comparison"') < html.index('id="kawasan-list"')


def test_by_default_the_kelurahan_come_by_code(client, camat, kecamatan):
    client.force_login(camat)
    _response, rows = _rows(client)
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    _response, rows = _rows(client, urut="bukan-urutan")
    assert [r.code for r in rows] == sorted(r.code for r in rows)


def test_it_sorts_by_score_either_way(client, camat, kecamatan):
    client.force_login(camat)
    _response, rows = _rows(client, urut="-skor")
    scores = [r.score for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0].code == RAWA_BUNGA  # the public kawasan scores highest
    _response, rows = _rows(client, urut="skor")
    assert [r.score for r in rows] == sorted(scores)


def test_it_sorts_by_band(client, camat, kecamatan):
    client.force_login(camat)
    response, rows = _rows(client, urut="-predikat")
    ranked = [r for r in rows if not r.no_kawasan]
    assert rows[: len(ranked)] == ranked  # kelurahan without kawasan last
    names = [r.name for r in rows[len(ranked) :]]
    assert names == sorted(names)
    assert "urut=predikat" in response.content.decode()  # the other direction offered


def test_it_sorts_by_change_once_there_is_a_snapshot(client, camat, kecamatan, snapshots):
    client.force_login(camat)
    response, rows = _rows(client, urut="-perubahan")
    assert rows[0].code == KAMPUNG_MELAYU and rows[0].change == 30.0
    assert rows[-1].code == RAWA_BUNGA and rows[-1].change == -50.0
    _response, rows = _rows(client, urut="perubahan")
    assert rows[0].code == RAWA_BUNGA
    assert "?urut=perubahan#kelurahan-comparison" in response.content.decode()  # reversed


def test_without_a_snapshot_the_change_is_explained_not_offered(client, camat, kecamatan):
    client.force_login(camat)
    html = client.get(reverse("home")).content.decode()
    assert "perubahan#kelurahan-comparison" not in html
    assert "setelah cuplikan pertama dibuat" in html


def test_each_sort_has_its_own_cached_fragment(client, camat, kecamatan, snapshots):
    client.force_login(camat)
    first = [r.code for r in _rows(client, urut="-skor")[1]]
    other = [r.code for r in _rows(client, urut="skor")[1]]
    assert first != other
    again, _rows_again = _rows(client, urut="-skor")
    html = again.content.decode()
    positions = [html.index(reverse("kaltara:dashboard_area", args=[c])) for c in first]
    assert positions == sorted(positions)


def test_the_sort_links_keep_the_kawasan_asked_for(client, camat, kecamatan):
    client.force_login(camat)
    kawasan = kecamatan["km"]
    url = reverse("kaltara:dashboard_area", args=[JATINEGARA]) + f"?kawasan={kawasan.pk}"
    html = client.get(url).content.decode()
    assert f"?kawasan={kawasan.pk}&amp;urut=-skor#kelurahan-comparison" in html
    assert '"?urut=-skor#kelurahan-comparison"' in client.get(reverse("home")).content.decode()


def test_a_sorted_home_reads_no_more_queries_than_the_unsorted_one(
    client, camat, kecamatan, snapshots
):
    client.force_login(camat)

    def count(params):
        cache.clear()
        fragments.LOCAL.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(reverse("home"), params)
        with CaptureQueriesContext(connection) as warm:
            client.get(reverse("home"), params)
        return len(cold), len(warm)

    unsorted = count({})  # the first request of the process also fills per-worker memos
    for sort in ("-skor", "predikat", "-perubahan"):
        cold, warm = count({"urut": sort})
        assert cold <= unsorted[0] and warm <= 3
    assert unsorted[0] <= 31
