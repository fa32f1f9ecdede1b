"""Rankings of kota, kecamatan and kelurahan: filters, sorting, change, confidence, queries."""

from datetime import date

import pytest
from django.urls import reverse

from kawasan.models import Kawasan
from regions.models import Region
from scoring.models import KawasanScore, ScoreSnapshot
from scoring.selectors import region_scores
from tests.dashboard.conftest import JAKARTA_TIMUR, RAWA_BUNGA

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored")]

RANKINGS = reverse("kaltara:rankings")


def rows(response):
    return [r for r, _url, _mark in response.context["rows"]]


@pytest.mark.parametrize(("level", "count"), [("kota", 6), ("kecamatan", 44), ("kelurahan", 267)])
def test_it_ranks_every_region_of_a_level_best_first(client, provinsi, level, count):
    client.force_login(provinsi)
    listed = rows(client.get(RANKINGS, {"tingkat": level}))
    assert len(listed) == count
    assert [r.rank for r in listed] == sorted(r.rank for r in listed)
    assert [r.score for r in listed] == sorted((r.score for r in listed), reverse=True)


def test_it_filters_by_kota_and_keeps_the_provincial_rank(client, provinsi):
    client.force_login(provinsi)
    everything = {r.code: r.rank for r in region_scores("kelurahan")}
    listed = rows(client.get(RANKINGS, {"tingkat": "kelurahan", "kota": JAKARTA_TIMUR}))
    assert (
        len(listed) == Region.objects.filter(code__startswith="31.75.", level="kelurahan").count()
    )
    assert all(r.code.startswith("31.75.") for r in listed)
    assert all(r.rank == everything[r.code] for r in listed)


def test_it_filters_by_band_including_no_kawasan_yet(client, provinsi):
    Kawasan.objects.filter(region_id=RAWA_BUNGA).delete()
    client.force_login(provinsi)
    none_yet = rows(client.get(RANKINGS, {"predikat": "-"}))
    assert [r.code for r in none_yet] == [RAWA_BUNGA]
    belum = rows(client.get(RANKINGS, {"predikat": "Belum"}))
    assert len(belum) == 266
    assert rows(client.get(RANKINGS, {"predikat": "Utama"})) == []


def test_it_filters_by_data_confidence(client, provinsi):
    # Imported sites are registered, never verified: every score rests on low confidence.
    KawasanScore.objects.filter(kawasan__region_id=RAWA_BUNGA).update(confidence=0.8)
    client.force_login(provinsi)
    high = rows(client.get(RANKINGS, {"keyakinan": "tinggi"}))
    assert [r.code for r in high] == [RAWA_BUNGA]
    response = client.get(RANKINGS, {"keyakinan": "rendah"})
    assert len(rows(response)) == 266
    assert 'class="conf conf-rendah"' in response.text


def test_it_shows_change_since_the_last_snapshot_and_sorts_by_it(client, provinsi):
    base = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    score = KawasanScore.objects.get(kawasan=base)
    ScoreSnapshot.objects.create(
        kawasan=base,
        month=date(2025, 5, 1),
        policy=score.policy,
        total=score.total - 40,
        band="Belum",
    )
    client.force_login(provinsi)
    listed = rows(client.get(RANKINGS, {"urut": "-perubahan"}))
    # Only Rawa Bunga has a snapshot row: the others changed from 0 to their score, so the
    # largest rises are the highest scores; Rawa Bunga rose by exactly 40.
    rawa_bunga = next(r for r in listed if r.code == RAWA_BUNGA)
    assert rawa_bunga.change == pytest.approx(40.0)
    changes = [r.change for r in listed]
    assert changes == sorted(changes, reverse=True)


def test_it_sorts_by_name_and_rejects_an_unknown_sort_gently(client, provinsi):
    client.force_login(provinsi)
    by_name = rows(client.get(RANKINGS, {"tingkat": "kota", "urut": "nama"}))
    assert [r.name for r in by_name] == sorted(r.name for r in by_name)
    response = client.get(RANKINGS, {"tingkat": "kota", "urut": "DROP TABLE"})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert [r.rank for r in rows(response)] == sorted(r.rank for r in rows(response))


def test_it_links_kelurahan_and_kecamatan_to_their_dashboards(client, provinsi):
    client.force_login(provinsi)
    response = client.get(RANKINGS, {"tingkat": "kelurahan", "kota": JAKARTA_TIMUR})
    assert reverse("kaltara:dashboard_area", args=[RAWA_BUNGA]) in response.text
    assert client.get(reverse("kaltara:dashboard_area", args=[RAWA_BUNGA])).status_code == 200


def test_it_offers_the_same_filters_as_downloads(client, provinsi):
    client.force_login(provinsi)
    response = client.get(RANKINGS, {"tingkat": "kecamatan", "kota": JAKARTA_TIMUR})
    assert "/ekspor/peringkat.xlsx?tingkat=kecamatan&amp;kota=31.75" in response.text


@pytest.mark.parametrize("level", ["kota", "kecamatan", "kelurahan"])
def test_it_reads_a_bounded_number_of_queries(
    client, provinsi, level, django_assert_max_num_queries
):
    client.force_login(provinsi)
    query = {"tingkat": level, "urut": "-perubahan"}
    with django_assert_max_num_queries(10):
        assert client.get(RANKINGS, query).status_code == 200
    # Cached: the session, the user, the grants and the version of the scores.
    with django_assert_max_num_queries(4):
        assert client.get(RANKINGS, query).status_code == 200


def test_the_province_overview_is_the_provincial_home(
    client, provinsi, django_assert_max_num_queries
):
    client.force_login(provinsi)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("home"))
    overview = response.context["overview"]
    assert len(overview.kota) == 6
    assert overview.kelurahan_count == 267
    assert sum(n for _band, n in overview.band_counts) + overview.no_kawasan == 267
    assert overview.most_improved == []  # no snapshot yet
    assert 'id="choropleth"' in response.text


def test_the_province_overview_lists_the_most_improved_kelurahan(client, provinsi):
    base = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    score = KawasanScore.objects.get(kawasan=base)
    for kawasan_score in KawasanScore.objects.select_related("kawasan"):
        ScoreSnapshot.objects.create(
            kawasan=kawasan_score.kawasan,
            month=date(2025, 5, 1),
            policy=score.policy,
            total=kawasan_score.total - (25 if kawasan_score.kawasan_id == base.pk else 0),
            band="Belum",
        )
    client.force_login(provinsi)
    overview = client.get(reverse("kaltara:province")).context["overview"]
    assert [(r.code, r.change) for r in overview.most_improved] == [(RAWA_BUNGA, 25.0)]
    jaktim = next(s for s in overview.trend.series if s.name == "Jakarta Timur")
    assert [p.label for p in jaktim.points] == ["05/25", "kini"]
