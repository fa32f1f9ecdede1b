"""The score explained wherever it is shown: components with their definitions and weights,
the band ladder, the next band in words, what a region's score is the mean of, and the
monthly comparison (or, before the first snapshot, when it starts), all from the active
policy and the beat schedule."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.urls import reverse
from django.utils import formats

from dashboards import choropleth
from kawasan.models import Kawasan
from regions.models import Region
from scoring import core, explain, schedule
from scoring.models import KawasanScore, ScoreSnapshot
from scoring.policy import DEFAULT_POLICY, policy_from_dict, policy_to_dict
from scoring.selectors import region_scores
from scoring.services import policy_create, policy_set_active, scores_recompute
from tests.dashboard.conftest import JAKARTA_TIMUR, JATINEGARA, RAWA_BUNGA, small_kawasan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored")]

WIB = ZoneInfo("Asia/Jakarta")
RANKINGS = reverse("kaltara:rankings")
PROVINCE = reverse("kaltara:province")


def area(code):
    return reverse("kaltara:dashboard_area", args=[code])


def words(response) -> str:
    """The page's text as read: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def fragment(response, element_id: str) -> str:
    """The text of the element with that id (up to its closing tag: no nesting of its kind)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', response.text, re.S)
    assert found, f"no #{element_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2))).strip()


def one_decimal(value: float) -> str:
    return formats.number_format(value, 1)


def activate(**changes):
    """A new policy version with `changes` over "Kaltara 1", made the active one."""
    params = {**policy_to_dict(DEFAULT_POLICY), **changes}
    policy = policy_create(version="uji-explain", name="Uji penjelasan", params=params)
    return policy_set_active(policy).as_policy()


TRIAL = {
    "weight_coverage": 0.5,
    "weight_connectivity": 0.25,
    "weight_proximity": 0.15,
    "weight_freshness": 0.10,
    "hub_distance_m": 800.0,
    "freshness_days": 180,
    "bands": [[450.0, "Pratama"], [600.0, "Madya"], [700.0, "Nindya"], [800.0, "Utama"]],
}


# --- components, weights and bands, from the active policy -------------------------------


def test_it_defines_each_component_with_its_weight_on_the_lurah_home(client, lurah):
    client.force_login(lurah)
    response = client.get(area(RAWA_BUNGA))
    explained = fragment(response, "score-explained")
    assert "Apa arti skor ini?" in explained
    assert "kaltara-1" in explained
    for label, weight, points in (
        ("Cakupan", "45%", "450"),
        ("Keterhubungan", "30%", "300"),
        ("Kedekatan", "15%", "150"),
        ("Kebaruan", "10%", "100"),
    ):
        assert f"{label} · bobot {weight}, maks. {points} poin" in explained
    assert "Kelengkapan 15 layanan yang diharapkan di lima klaster" in explained
    assert "dalam 1.000 m jalan kaki dari pusat kawasan" in explained
    assert "(dalam 365 hari terakhir)" in explained
    formula = (
        "Skor = 1000 × (0,45 × cakupan + 0,30 × keterhubungan + 0,15 × kedekatan + 0,10 × kebaruan)"
    )
    assert formula in explained
    # Beside the kawasan's own components too.
    assert formula in fragment(response, "kawasan-score-explained")


def test_a_new_active_policy_changes_every_text(client, lurah, provinsi):
    client.force_login(lurah)
    before = client.get(area(RAWA_BUNGA))  # cached fragments must not outlive the policy
    assert "bobot 45%" in words(before)
    activate(**TRIAL)

    page = words(client.get(area(RAWA_BUNGA)))
    assert "bobot 45%" not in page
    assert "Cakupan · bobot 50%, maks. 500 poin" in page
    assert "Keterhubungan · bobot 25%, maks. 250 poin" in page
    assert "dalam 800 m jalan kaki" in page
    assert "(dalam 180 hari terakhir)" in page
    assert "kebijakan uji-explain" in page
    assert "0,50 × cakupan + 0,25 × keterhubungan" in page
    assert "belum berpredikat, di bawah 450" in page
    assert "Madya mulai 600" in page
    assert "Paripurna" not in page
    assert re.search(r"Belum berpredikat: Pratama mulai 450, kurang \d+,\d poin", page)

    client.force_login(provinsi)
    for url in (RANKINGS, PROVINCE, reverse("kaltara:choropleth")):
        page = words(client.get(url))
        assert "Cakupan · bobot 50%, maks. 500 poin" in page, url
        assert "Pratama mulai 450" in page, url
    assert "Pratama (mulai 450)" in words(client.get(reverse("kaltara:choropleth")))


def test_it_shows_the_band_ladder_and_the_next_band_in_words(client, lurah):
    client.force_login(lurah)
    response = client.get(area(RAWA_BUNGA))
    ladder = fragment(response, "score-explained")
    for rung in (
        "Belum belum berpredikat, di bawah 500",
        "Pratama mulai 500",
        "Madya mulai 601",
        "Nindya mulai 701",
        "Utama mulai 801",
        "Paripurna mulai 901",
    ):
        assert rung in ladder
    dash = response.context["dash"]
    region_points = one_decimal(core.round_total(500 - dash.rank.score))
    assert fragment(response, "area-next-band").strip() == (
        f"Belum berpredikat: Pratama mulai 500, kurang {region_points} poin"
    )
    report = response.context["report"]
    points = one_decimal(core.round_total(500 - report.breakdown.total))
    line = f"Belum berpredikat: Pratama mulai 500, kurang {points} poin"
    assert line in fragment(response, "kawasan-next-band")
    # The kawasan list says the same without the band now; the printed report in full.
    assert f"Pratama mulai 500, kurang {points} poin" in fragment(response, "kawasan-list")
    printed = client.get(reverse("kaltara:kawasan_report", args=[report.kawasan.pk]))
    assert line in words(printed)
    assert "Madya mulai 601" in fragment(printed, "report-explained")


def test_the_next_band_line_names_the_top_band_and_each_bound():
    assert explain.next_band_line(0.0, DEFAULT_POLICY) == (
        "Belum berpredikat: Pratama mulai 500, kurang 500,0 poin"
    )
    assert explain.next_band_line(600.9, DEFAULT_POLICY) == (
        "Pratama: Madya mulai 601, kurang 0,1 poin"
    )
    assert explain.next_band_line(950.0, DEFAULT_POLICY) == "Paripurna: predikat tertinggi"
    trial = policy_from_dict({**policy_to_dict(DEFAULT_POLICY), **TRIAL, "version": "t"})
    assert explain.next_band_line(331.8, trial) == (
        "Belum berpredikat: Pratama mulai 450, kurang 118,2 poin"
    )
    assert [c.weight for c in explain.components(trial)] == [0.5, 0.25, 0.15, 0.10]


def test_the_map_legend_follows_the_policy_bands():
    assert choropleth.score_classes(DEFAULT_POLICY) == choropleth.SCORE_CLASSES
    assert [label for _b, label, _c in choropleth.SCORE_CLASSES] == [
        "0–99",
        "100–199",
        "200–299",
        "300–399",
        "400–499",
        "Pratama",
        "Madya",
        "Nindya",
        "Utama",
        "Paripurna",
    ]
    trial = policy_from_dict({**policy_to_dict(DEFAULT_POLICY), **TRIAL, "version": "t"})
    labels = [label for label, _color in choropleth.legend(trial)]
    assert labels[:7] == [
        "Belum ada kawasan",
        "0–99",
        "100–199",
        "200–299",
        "300–399",
        "400–449",
        "Pratama (mulai 450)",
    ]
    assert "Paripurna (mulai 901)" not in labels


# --- a region's score is a mean ------------------------------------------------------------


def test_the_kelurahan_score_is_labelled_as_the_mean_of_its_kawasan(client, lurah):
    client.force_login(lurah)
    assert fragment(client.get(area(RAWA_BUNGA)), "area-mean").strip() == "(rata-rata 1 kawasan)"

    second = small_kawasan(RAWA_BUNGA)
    scores_recompute(kawasan_ids=[second.pk])
    response = client.get(area(RAWA_BUNGA))
    assert fragment(response, "area-mean").strip() == "(rata-rata 2 kawasan)"
    totals = KawasanScore.objects.filter(kawasan__region_id=RAWA_BUNGA).values_list(
        "total", flat=True
    )
    assert response.context["dash"].rank.score == core.round_total(sum(totals) / 2)
    assert "Skor kelurahan: rata-rata dari kawasannya" in words(response)


def test_kecamatan_and_kota_scores_are_labelled_as_means_of_the_level_below(
    client, camat, provinsi
):
    client.force_login(camat)
    kelurahan = Region.objects.filter(parent_id=JATINEGARA).count()
    response = client.get(area(JATINEGARA))
    assert fragment(response, "area-mean").strip() == f"(rata-rata {kelurahan} kelurahan)"
    kota = {r.code: r for r in region_scores("kabkota")}
    kecamatan = Region.objects.filter(parent_id=JAKARTA_TIMUR).count()
    assert kota[JAKARTA_TIMUR].mean_of == kecamatan
    client.force_login(provinsi)
    for level, below in (
        ("kota", "kecamatan"),
        ("kecamatan", "kelurahan"),
        ("kelurahan", "kawasan"),
    ):
        heading = f'Skor<br><small class="muted">rata-rata {below}</small></th>'
        assert heading in client.get(RANKINGS, {"tingkat": level}).text
    assert 'Skor<br><small class="muted">rata-rata kecamatan</small>' in client.get(PROVINCE).text


# --- the monthly comparison --------------------------------------------------------------


def due_text() -> str:
    return explain.day_text(explain.next_snapshot().date())


def test_before_the_first_snapshot_it_says_when_comparisons_start_and_hides_the_rest(
    client, lurah, provinsi
):
    assert not ScoreSnapshot.objects.exists()
    client.force_login(lurah)
    response = client.get(area(RAWA_BUNGA))
    assert fragment(response, "comparison-note").strip() == (
        "Perubahan skor dan tren per bulan tampil setelah cuplikan bulanan pertama pada "
        f"{due_text()}."
    )
    assert 'id="area-change"' not in response.text
    assert 'class="chart trend"' not in response.text  # a trend of one point says nothing
    assert fragment(response, "trend-note").strip() == (
        f"Tren per bulan kawasan ini tampil setelah cuplikan bulanan {due_text()}."
    )

    client.force_login(provinsi)
    for level in ("kota", "kelurahan"):
        ranking = client.get(RANKINGS, {"tingkat": level})
        assert due_text() in fragment(ranking, "comparison-note")
        assert "urut=-perubahan" not in ranking.text
        assert 'value="-perubahan"' not in ranking.text
        assert ">Perubahan<" not in ranking.text
    # Asked for anyway (an old link), the change sort gives way to the rank, quietly.
    asked = client.get(RANKINGS, {"urut": "-perubahan", "kota": JAKARTA_TIMUR})
    assert not asked.context["filter"].errors
    listed = [r for r, _url, _mark in asked.context["rows"]]
    assert [r.rank for r in listed] == sorted(r.rank for r in listed)
    assert all(r.code.startswith(JAKARTA_TIMUR + ".") for r in listed)

    overview = client.get(PROVINCE)
    assert fragment(overview, "comparison-note").strip() == (
        "Perubahan skor, kenaikan terbesar dan tren per bulan tampil setelah cuplikan bulanan "
        f"pertama pada {due_text()}."
    )
    assert "Kenaikan terbesar" not in overview.text
    assert "Tren skor kota per bulan" not in overview.text
    assert ">Perubahan<" not in overview.text


def test_with_a_snapshot_it_names_what_the_change_compares_with(client, lurah, provinsi):
    base = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    score = KawasanScore.objects.get(kawasan=base)
    ScoreSnapshot.objects.create(
        kawasan=base,
        month=date(2026, 11, 1),
        policy=score.policy,
        total=core.round_total(score.total - 12.3),
        band=score.band,
    )
    client.force_login(lurah)
    response = client.get(area(RAWA_BUNGA))
    assert fragment(response, "area-change").strip() == (
        "dibanding cuplikan bulanan 1 November 2026: ▲ 12,3"
    )
    assert 'id="comparison-note"' not in response.text
    assert 'class="chart trend"' in response.text
    assert 'id="trend-note"' not in response.text

    client.force_login(provinsi)
    ranking = client.get(RANKINGS, {"tingkat": "kelurahan"})
    assert fragment(ranking, "comparison-label").strip() == (
        "Perubahan: dibanding cuplikan bulanan 1 November 2026."
    )
    assert 'value="-perubahan"' in ranking.text
    assert "urut=-perubahan" in ranking.text
    assert 'id="comparison-note"' not in ranking.text
    listed = [r for r, _url, _mark in client.get(RANKINGS, {"urut": "-perubahan"}).context["rows"]]
    changes = [r.change for r in listed]
    assert changes == sorted(changes, reverse=True)

    overview = client.get(PROVINCE)
    assert "Kenaikan terbesar" in overview.text
    assert "Tren skor kota per bulan" in overview.text
    assert 'id="comparison-note"' not in overview.text


def test_the_pages_with_a_snapshot_keep_their_query_bounds(
    client, provinsi, lurah, django_assert_max_num_queries
):
    base = Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)
    score = KawasanScore.objects.get(kawasan=base)
    ScoreSnapshot.objects.create(
        kawasan=base, month=date(2026, 11, 1), policy=score.policy, total=1.0, band="Belum"
    )
    client.force_login(lurah)
    with django_assert_max_num_queries(26):
        assert client.get(area(RAWA_BUNGA)).status_code == 200
    client.force_login(provinsi)
    with django_assert_max_num_queries(10):
        assert client.get(RANKINGS, {"urut": "-perubahan"}).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(PROVINCE).status_code == 200


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 10, 15, 10, 0, tzinfo=WIB), datetime(2026, 11, 1, 2, 0, tzinfo=WIB)),
        (datetime(2026, 11, 1, 1, 59, tzinfo=WIB), datetime(2026, 11, 1, 2, 0, tzinfo=WIB)),
        (datetime(2026, 11, 1, 2, 0, tzinfo=WIB), datetime(2026, 12, 1, 2, 0, tzinfo=WIB)),
        (datetime(2026, 12, 20, 23, 0, tzinfo=WIB), datetime(2027, 1, 1, 2, 0, tzinfo=WIB)),
    ],
)
def test_the_next_snapshot_is_read_from_the_beat_schedule(now, due):
    assert explain.next_snapshot(now) == due
    # Given in another time zone, the same moment.
    assert explain.next_snapshot(now.astimezone(ZoneInfo("UTC"))) == due


def test_a_changed_schedule_moves_the_date_it_names(monkeypatch):
    entry = {**schedule.CELERY_BEAT_SCHEDULE["scoring-snapshot-monthly"]}
    entry["schedule"] = crontab(hour=3, minute=30, day_of_month=15)
    monkeypatch.setitem(schedule.CELERY_BEAT_SCHEDULE, "scoring-snapshot-monthly", entry)
    now = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
    assert explain.next_snapshot(now) == datetime(2026, 11, 15, 3, 30, tzinfo=WIB)
    pending = explain.comparison(None, now=now)
    assert not pending.available
    assert pending.due_text == "15 November 2026"
    assert explain.comparison(date(2026, 11, 1), now=now).label == (
        "dibanding cuplikan bulanan 1 November 2026"
    )
