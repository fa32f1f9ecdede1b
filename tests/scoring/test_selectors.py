from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from regions.models import Region
from scoring import core, selectors
from scoring.models import KawasanScore, ScoreSnapshot
from scoring.policy import DEFAULT_POLICY
from scoring.selectors import kawasan_inputs, region_scores
from tests.scoring.conftest import (
    JAKARTA_TIMUR,
    JATINEGARA,
    KAMPUNG_MELAYU,
    RAWA_BUNGA,
    make_kawasan,
    make_link,
    make_many_kawasan,
    make_site,
)

TODAY = date(2025, 6, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 200])
def test_it_reads_a_chunk_in_the_same_few_queries_whatever_its_size(
    count, django_assert_max_num_queries
):
    ids = [k.pk for k in make_many_kawasan(count)]
    type_clusters = selectors.type_clusters_map()

    with django_assert_max_num_queries(4):
        inputs = kawasan_inputs(ids, today=TODAY, type_clusters=type_clusters)
    with django_assert_max_num_queries(5):
        kawasan_inputs(ids, today=TODAY)

    assert set(inputs) == set(ids)
    for inp in inputs.values():
        assert len(inp.sites) == 3
        assert len(inp.links) == 2
        assert inp.hub_id == inp.sites[0].id


@pytest.mark.django_db
def test_it_builds_plain_site_inputs_with_clusters_coordinates_and_jakarta_dates():
    # 20:00 UTC is already the next day in Jakarta (UTC+7).
    verified = datetime(2025, 1, 1, 20, 0, tzinfo=UTC)
    rptra = make_site("rptra", "posyandu", review_state="verified", verified_at=verified)
    kawasan = make_kawasan([rptra], hub=rptra)

    inp = kawasan_inputs([kawasan.pk], today=TODAY)[kawasan.pk]

    (site,) = inp.sites
    assert site == core.SiteInput(
        id=rptra.pk,
        type_codes=frozenset({"rptra", "posyandu"}),
        clusters=frozenset({"II", "III", "IV"}),
        lat=pytest.approx(rptra.location.y),
        lon=pytest.approx(rptra.location.x),
        review_state="verified",
        verified_at=date(2025, 1, 2),
        operating_status="open",
        name=rptra.name,
    )
    assert inp.today == TODAY
    assert inp.hub_id == rptra.pk


@pytest.mark.django_db
def test_it_counts_a_link_only_for_kawasan_holding_both_ends():
    a, b, c = make_site("rptra"), make_site("sd"), make_site("puskesmas")
    both = make_kawasan([a, b])
    one_end = make_kawasan([a, c])
    make_link(a, b)

    inputs = kawasan_inputs([both.pk, one_end.pk], today=TODAY)

    assert inputs[both.pk].links == (core.LinkInput(min(a.pk, b.pk), max(a.pk, b.pk)),)
    assert inputs[one_end.pk].links == ()


@pytest.mark.django_db
def test_it_leaves_out_ended_and_future_links_and_counts_a_pair_once():
    a, b, c, d = (make_site(t) for t in ("rptra", "sd", "puskesmas", "smp"))
    kawasan = make_kawasan([a, b, c, d])
    make_link(a, b, start=date(2024, 1, 1), end=date(2025, 1, 1))  # ended
    make_link(a, c, start=date(2025, 7, 1))  # not started yet
    make_link(a, d, start=date(2024, 1, 1), end=TODAY)  # ends today: still active
    a_d = make_link(a, d)
    a_d.kind = "joint_programme"
    a_d.save()

    inp = kawasan_inputs([kawasan.pk], today=TODAY)[kawasan.pk]

    assert inp.links == (core.LinkInput(min(a.pk, d.pk), max(a.pk, d.pk)),)


@pytest.mark.django_db
def test_it_gives_an_empty_kawasan_an_input_and_skips_unknown_ids():
    empty = make_kawasan([])

    inputs = kawasan_inputs([empty.pk, 999_999], today=TODAY)

    assert inputs == {empty.pk: core.KawasanInput(sites=(), links=(), hub_id=None, today=TODAY)}


@pytest.mark.django_db
def test_it_finds_kawasan_by_member_or_hub():
    member, hub, other = make_site("sd"), make_site("rptra"), make_site("smp")
    by_member = make_kawasan([member])
    by_hub = make_kawasan([], hub=hub)
    make_kawasan([other])

    assert sorted(selectors.kawasan_ids_for_sites([member.pk, hub.pk])) == sorted(
        [by_member.pk, by_hub.pk]
    )


@pytest.mark.django_db
def test_it_explains_a_kawasan_with_its_score_steps_and_gap_to_the_next_band():
    hub = make_site("rptra", review_state="verified")
    school = make_site("sd", north_m=300)
    kawasan = make_kawasan([hub, school], hub=hub)

    breakdown, steps, gap = selectors.kawasan_explanation(kawasan, today=TODAY)

    expected = core.score_kawasan(
        kawasan_inputs([kawasan.pk], today=TODAY)[kawasan.pk], DEFAULT_POLICY
    )
    assert breakdown == expected
    assert 0 < len(steps) <= 5
    assert steps == sorted(steps, key=lambda s: -s.points)
    assert gap == core.round_total(500 - breakdown.total)


# --- region aggregates ----------------------------------------------------------------


def _scored(region, total, *, confidence=0.5):
    kawasan = make_kawasan([], region=region)
    KawasanScore.objects.create(
        kawasan=kawasan,
        policy_id=selectors.policy_active().pk,
        total=total,
        band="Belum",
        coverage=0,
        connectivity=0,
        proximity=0,
        freshness=confidence,
        confidence=confidence,
        computed_at=timezone.now(),
    )
    return kawasan


def _kelurahan_of(code):
    return list(
        Region.objects.filter(level="kelurahan", code__startswith=code + ".").values_list(
            "code", flat=True
        )
    )


@pytest.mark.django_db
def test_it_scores_a_kelurahan_as_the_mean_of_its_kawasan_and_zero_without_any():
    _scored(RAWA_BUNGA, 300.0, confidence=1.0)
    _scored(RAWA_BUNGA, 100.0, confidence=0.0)
    _scored(KAMPUNG_MELAYU, 50.0)

    rows = {r.code: r for r in region_scores("kelurahan", JATINEGARA)}

    assert set(rows) == set(_kelurahan_of(JATINEGARA))
    assert (rows[RAWA_BUNGA].score, rows[RAWA_BUNGA].rank) == (200.0, 1)
    assert rows[RAWA_BUNGA].kawasan_count == 2
    assert rows[RAWA_BUNGA].confidence == 0.5
    assert (rows[KAMPUNG_MELAYU].score, rows[KAMPUNG_MELAYU].rank) == (50.0, 2)
    others = [r for code, r in rows.items() if code not in (RAWA_BUNGA, KAMPUNG_MELAYU)]
    assert others
    for row in others:
        # Shown, not hidden: score 0, flagged, sharing the last rank.
        assert (row.score, row.no_kawasan, row.rank, row.band) == (0.0, True, 3, "Belum")
    assert rows[RAWA_BUNGA].no_kawasan is False
    assert rows[RAWA_BUNGA].change is None  # no snapshot yet


@pytest.mark.django_db
def test_it_scores_kecamatan_and_kota_as_means_of_the_level_below():
    _scored(RAWA_BUNGA, 600.0)
    _scored(KAMPUNG_MELAYU, 300.0)
    n_kelurahan = len(_kelurahan_of(JATINEGARA))
    kecamatan_of_jaktim = Region.objects.filter(level="kecamatan", parent_id=JAKARTA_TIMUR).count()

    kecamatan = {r.code: r for r in region_scores("kecamatan", JAKARTA_TIMUR)}
    kota = {r.code: r for r in region_scores("kabkota", "31")}

    jatinegara = core.round_total(900.0 / n_kelurahan)
    assert kecamatan[JATINEGARA].score == jatinegara
    assert kecamatan[JATINEGARA].rank == 1
    assert kecamatan[JATINEGARA].kawasan_count == 2
    assert all(r.score == 0.0 and r.rank == 2 for c, r in kecamatan.items() if c != JATINEGARA)
    # Mean of the kecamatan means, not of the kelurahan: Jatinegara weighs as one kecamatan.
    assert kota[JAKARTA_TIMUR].score == core.round_total(
        (900.0 / n_kelurahan) / kecamatan_of_jaktim
    )
    assert kota[JAKARTA_TIMUR].rank == 1
    assert len(kota) == Region.objects.filter(level="kabkota").count()


@pytest.mark.django_db
def test_it_gives_the_band_and_the_change_since_the_last_snapshot():
    kawasan = _scored(RAWA_BUNGA, 612.0)
    policy = selectors.policy_active()
    for month, total in ((date(2025, 4, 1), 100.0), (date(2025, 5, 1), 580.0)):
        ScoreSnapshot.objects.create(
            kawasan=kawasan, month=month, policy=policy, total=total, band="x"
        )

    rows = {r.code: r for r in region_scores("kelurahan", JATINEGARA)}

    assert rows[RAWA_BUNGA].band == "Madya"
    assert rows[RAWA_BUNGA].previous == 580.0
    assert rows[RAWA_BUNGA].change == 32.0
    assert rows[KAMPUNG_MELAYU].change == 0.0  # 0 then, 0 now


@pytest.mark.django_db
def test_it_aggregates_in_a_few_queries_whatever_the_number_of_kawasan(
    django_assert_max_num_queries,
):
    for code in _kelurahan_of(JATINEGARA):
        _scored(code, 100.0)
        _scored(code, 200.0)
    ScoreSnapshot.objects.create(
        kawasan=_scored(RAWA_BUNGA, 0.0),
        month=timezone.localdate().replace(day=1) - timedelta(days=1),
        policy=selectors.policy_active(),
        total=10.0,
        band="Belum",
    )

    for level in ("kelurahan", "kecamatan", "kabkota"):
        with django_assert_max_num_queries(5):
            region_scores(level)


def test_it_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="level"):
        region_scores("provinsi")
