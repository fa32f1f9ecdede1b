from datetime import date
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError

from scoring import core, queue, selectors, services, tasks
from scoring.models import (
    KawasanScore,
    RecomputeRequest,
    RunKind,
    RunStatus,
    ScoreRun,
    ScoreSnapshot,
    ScoringPolicy,
)
from scoring.policy import DEFAULT_POLICY, policy_to_dict
from sites.signals import link_changed, site_changed
from tests.scoring.conftest import (
    KAMPUNG_MELAYU,
    RAWA_BUNGA,
    make_kawasan,
    make_link,
    make_many_kawasan,
    make_site,
)

SCORE_FIELDS = [
    "kawasan_id",
    "policy_id",
    "total",
    "band",
    "coverage",
    "connectivity",
    "proximity",
    "freshness",
    "coverage_by_cluster",
    "details",
    "member_count",
    "confidence",
]


def stored_scores():
    return list(KawasanScore.objects.order_by("kawasan_id").values(*SCORE_FIELDS))


@pytest.fixture
def rawa_bunga(db):
    hub = make_site("rptra", review_state="verified")
    puskesmas = make_site("puskesmas", north_m=400)
    school = make_site("sd", north_m=1500, review_state="submitted")
    kawasan = make_kawasan([hub, puskesmas, school], hub=hub)
    make_link(hub, puskesmas)
    return kawasan


# --- recompute ------------------------------------------------------------------------


def test_it_stores_the_pure_function_result_with_policy_and_run(rawa_bunga):
    run = services.scores_recompute(kawasan_ids=[rawa_bunga.pk], today=date(2025, 6, 1))

    score = KawasanScore.objects.get(kawasan=rawa_bunga)
    inp = selectors.kawasan_inputs([rawa_bunga.pk], today=date(2025, 6, 1))[rawa_bunga.pk]
    expected = core.score_kawasan(inp, DEFAULT_POLICY)
    assert score.total == expected.total
    assert score.band == expected.band
    assert score.connectivity == expected.connectivity
    assert score.coverage_by_cluster == expected.coverage_by_cluster
    assert score.member_count == 3
    assert score.details["edges"] == sorted(list(e) for e in expected.edges)
    assert score.details["hub_id"] == rawa_bunga.hub_id
    assert score.confidence == pytest.approx(1 / 3)  # one of three verified and fresh
    assert score.policy.version == "kaltara-1"
    assert score.run == run
    assert (run.kind, run.status, run.kawasan_count, run.error_count) == (
        RunKind.PARTIAL,
        RunStatus.DONE,
        1,
        0,
    )
    assert run.finished_at is not None


@pytest.mark.django_db
def test_it_gives_the_same_rows_when_run_twice():
    make_many_kawasan(7)

    services.scores_recompute(chunk_size=3)
    first = stored_scores()
    run = services.scores_recompute(chunk_size=3)

    assert stored_scores() == first
    assert len(first) == 7
    assert run.kind == RunKind.FULL
    assert KawasanScore.objects.filter(run=run).count() == 7


@pytest.mark.django_db
def test_it_recomputes_only_the_region_asked_for():
    here = make_kawasan([make_site("rptra")], region=RAWA_BUNGA)
    there = make_kawasan([make_site("rptra", kelurahan=KAMPUNG_MELAYU)], region=KAMPUNG_MELAYU)

    run = services.scores_recompute(region_code=RAWA_BUNGA)

    assert list(KawasanScore.objects.values_list("kawasan_id", flat=True)) == [here.pk]
    assert run.region_code == RAWA_BUNGA
    services.scores_recompute(region_code="31.75.03")
    assert KawasanScore.objects.filter(kawasan=there).exists()


@pytest.mark.django_db
def test_it_records_a_failing_kawasan_and_still_scores_the_others():
    kawasan = make_many_kawasan(4)
    services.scores_recompute()
    before = {row["kawasan_id"]: row for row in stored_scores()}
    bad_hub = kawasan[1].hub_id
    real = core.score_kawasan

    def flaky(inp, policy):
        if inp.hub_id == bad_hub:
            raise ZeroDivisionError("boom")
        return real(inp, policy)

    # A change that raises the others' scores: verify every site.
    from sites.models import Site

    Site.objects.update(review_state="submitted")
    with mock.patch("scoring.services.core.score_kawasan", side_effect=flaky):
        run = services.scores_recompute(chunk_size=2)

    after = {row["kawasan_id"]: row for row in stored_scores()}
    assert run.status == RunStatus.DONE
    assert (run.kawasan_count, run.error_count) == (3, 1)
    assert run.errors == [f"kawasan {kawasan[1].pk}: ZeroDivisionError: boom"]
    # The failing kawasan keeps its previous score; the others moved.
    assert after[kawasan[1].pk] == before[kawasan[1].pk]
    for k in (kawasan[0], kawasan[2], kawasan[3]):
        assert after[k.pk]["total"] > before[k.pk]["total"]


@pytest.mark.django_db
def test_it_rolls_back_a_chunk_whose_write_fails_and_keeps_earlier_chunks():
    kawasan = make_many_kawasan(4)
    services.scores_recompute()
    before = {row["kawasan_id"]: row["total"] for row in stored_scores()}
    from sites.models import Site

    Site.objects.update(review_state="submitted")
    real_bulk_create = KawasanScore.objects.bulk_create
    calls = []

    def failing_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("connection lost")
        return real_bulk_create(*args, **kwargs)

    with (
        mock.patch.object(KawasanScore.objects, "bulk_create", side_effect=failing_second_chunk),
        pytest.raises(OperationalError),
    ):
        services.scores_recompute(chunk_size=2)

    after = {row["kawasan_id"]: row["total"] for row in stored_scores()}
    first_chunk, second_chunk = [k.pk for k in kawasan[:2]], [k.pk for k in kawasan[2:]]
    assert all(after[pk] > before[pk] for pk in first_chunk)
    assert all(after[pk] == before[pk] for pk in second_chunk)
    run = ScoreRun.objects.latest("pk")
    assert run.status == RunStatus.FAILED
    assert run.kawasan_count == 2
    assert run.errors == ["OperationalError: connection lost"]


# --- snapshots ------------------------------------------------------------------------


def test_it_snapshots_idempotently_on_the_first_of_the_month(rawa_bunga):
    services.scores_recompute()
    services.scores_snapshot(date(2025, 5, 17))
    KawasanScore.objects.update(total=123.4)

    run = services.scores_snapshot(date(2025, 5, 31))

    (snapshot,) = ScoreSnapshot.objects.all()
    assert snapshot.month == date(2025, 5, 1)
    assert snapshot.total == 123.4
    score = KawasanScore.objects.get()
    assert snapshot.components["connectivity"] == score.connectivity
    assert snapshot.components["coverage_by_cluster"] == score.coverage_by_cluster
    assert (run.kind, run.status, run.kawasan_count) == (RunKind.SNAPSHOT, RunStatus.DONE, 1)
    services.scores_snapshot(date(2025, 6, 1))
    assert ScoreSnapshot.objects.count() == 2


# --- policy ---------------------------------------------------------------------------


def _params(**changes):
    return {**policy_to_dict(DEFAULT_POLICY), **changes}


@pytest.mark.django_db
def test_it_edits_an_unused_policy_and_refuses_once_a_score_uses_it():
    policy = services.policy_create(version="kaltara-2", name="Kaltara 2", params=_params())
    services.policy_update(policy, params=_params(hub_distance_m=800.0))
    policy.refresh_from_db()
    assert policy.params["hub_distance_m"] == 800.0
    assert policy.params["version"] == "kaltara-2"

    make_kawasan([make_site("rptra")])
    queue.policy_activate(policy)  # eager recompute not triggered: no commit in the test
    services.scores_recompute()

    with pytest.raises(ValidationError, match="versi baru"):
        services.policy_update(policy, params=_params(hub_distance_m=500.0))
    with pytest.raises(ValidationError, match="versi baru"):
        services.policy_update(policy, name="Lain")
    policy.refresh_from_db()
    assert policy.params["hub_distance_m"] == 800.0


@pytest.mark.django_db
def test_it_refuses_invalid_policy_params_naming_the_field():
    with pytest.raises(ValidationError) as excinfo:
        services.policy_create(version="rusak", name="Rusak", params=_params(weight_coverage=0.9))
    assert "weight_" in excinfo.value.message_dict["params"][0]
    assert not ScoringPolicy.objects.filter(version="rusak").exists()


@pytest.mark.django_db
def test_it_recomputes_every_kawasan_after_activating_a_policy(
    django_capture_on_commit_callbacks,
):
    kawasan = make_many_kawasan(3)
    services.scores_recompute()
    old = ScoringPolicy.objects.get(version="kaltara-1")
    new = services.policy_create(
        version="kaltara-2",
        name="Kaltara 2",
        params=_params(weight_coverage=0.25, weight_connectivity=0.5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        queue.policy_activate(new)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)
    assert new.activated_at is not None
    assert set(KawasanScore.objects.values_list("policy_id", flat=True)) == {new.pk}
    assert KawasanScore.objects.count() == len(kawasan)
    assert selectors.policy_active() == new


@pytest.mark.django_db
def test_it_keeps_the_activation_when_the_recompute_cannot_be_enqueued(
    django_capture_on_commit_callbacks,
):
    new = services.policy_create(version="kaltara-2", name="Kaltara 2", params=_params())
    with (
        mock.patch.object(tasks.recompute_all, "delay", side_effect=BrokerError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue.policy_activate(new)

    assert selectors.policy_active() == new


# --- the recompute queue --------------------------------------------------------------


@pytest.mark.django_db
def test_it_collapses_a_burst_of_50_edits_into_one_drain(django_capture_on_commit_callbacks):
    kawasan = make_many_kawasan(3)
    with mock.patch.object(tasks.recompute_pending, "apply_async") as enqueue:
        for i in range(50):
            # 50 separate edits, each committing on its own, as 50 requests would.
            with django_capture_on_commit_callbacks(execute=True):
                queue.recompute_request([kawasan[i % 3].pk])

    enqueue.assert_called_once_with(countdown=services.DRAIN_COUNTDOWN_S)
    assert RecomputeRequest.objects.count() == 3

    with mock.patch("scoring.services.core.score_kawasan", wraps=core.score_kawasan) as scored:
        done = services.scores_recompute_pending()

    assert done == 3
    assert scored.call_count == 3  # one recomputation per kawasan, not 50
    assert ScoreRun.objects.count() == 1
    assert not RecomputeRequest.objects.exists()
    assert KawasanScore.objects.count() == 3
    assert cache.get(services.DRAIN_SCHEDULED_KEY) is None  # the next edit schedules again


@pytest.mark.django_db
def test_it_recomputes_inline_once_for_many_signals_in_one_transaction(
    django_capture_on_commit_callbacks,
):
    kawasan = make_many_kawasan(2)
    site_ids = list(kawasan[0].members.values_list("pk", flat=True))
    from sites.models import Site

    with (
        mock.patch("scoring.services.scores_recompute", wraps=services.scores_recompute) as run,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for _ in range(25):
            for site in Site.objects.filter(pk__in=site_ids):
                site_changed.send(sender=Site, site=site, user=None, fields=["review_state"])

    # Eager Celery: the drain ran at commit, once with work (later callbacks find no rows).
    assert run.call_count == 1
    assert list(KawasanScore.objects.values_list("kawasan_id", flat=True)) == [kawasan[0].pk]
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db
def test_it_never_fails_the_edit_when_the_broker_is_down(django_capture_on_commit_callbacks):
    kawasan = make_kawasan([make_site("rptra")])
    with (
        mock.patch.object(
            tasks.recompute_pending, "apply_async", side_effect=BrokerError("refused")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        queue.recompute_request([kawasan.pk])

    # The row waits for the sweep, and the flag does not block the next edit.
    assert RecomputeRequest.objects.filter(kawasan=kawasan).exists()
    assert cache.get(services.DRAIN_SCHEDULED_KEY) is None
    tasks.recompute_pending.delay()  # the 5-minute sweep
    assert KawasanScore.objects.filter(kawasan=kawasan).exists()
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db
def test_it_keeps_the_request_of_an_edit_made_during_the_recompute():
    kawasan = make_kawasan([make_site("rptra")])
    queue.recompute_request([kawasan.pk])
    real = services.scores_recompute

    def edit_meanwhile(**kwargs):
        result = real(**kwargs)
        queue.recompute_request([kawasan.pk])  # another edit lands before the delete
        return result

    with mock.patch("scoring.services.scores_recompute", side_effect=edit_meanwhile):
        services.scores_recompute_pending(max_rounds=1)

    request = RecomputeRequest.objects.get(kawasan=kawasan)
    assert request.claim_token is None  # free for the next drain
    assert services.scores_recompute_pending() == 1
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db
def test_it_releases_the_claim_when_the_recompute_fails():
    kawasan = make_kawasan([make_site("rptra")])
    queue.recompute_request([kawasan.pk])

    with (
        mock.patch("scoring.services.scores_recompute", side_effect=OperationalError("gone")),
        pytest.raises(OperationalError),
    ):
        services.scores_recompute_pending()

    assert RecomputeRequest.objects.get(kawasan=kawasan).claim_token is None


# --- receivers ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_queues_the_kawasan_of_a_changed_site_as_member_or_hub():
    site = make_site("rptra")
    as_member = make_kawasan([site])
    as_hub = make_kawasan([], hub=site)
    make_kawasan([make_site("sd")])
    from sites.models import Site

    site_changed.send(sender=Site, site=site, user=None, fields=["address", "name"])
    assert not RecomputeRequest.objects.exists()  # fields the score does not read

    site_changed.send(sender=Site, site=site, user=None, fields=["review_state"])
    assert set(RecomputeRequest.objects.values_list("kawasan_id", flat=True)) == {
        as_member.pk,
        as_hub.pk,
    }


@pytest.mark.django_db
def test_it_queues_the_kawasan_of_either_end_of_a_changed_link():
    a, b = make_site("rptra"), make_site("sd")
    with_a, with_b = make_kawasan([a]), make_kawasan([b])
    link = make_link(a, b)

    link_changed.send(sender=type(link), link=link, user=None)

    assert set(RecomputeRequest.objects.values_list("kawasan_id", flat=True)) == {
        with_a.pk,
        with_b.pk,
    }
