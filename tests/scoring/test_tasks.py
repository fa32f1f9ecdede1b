from datetime import date
from io import StringIO
from unittest import mock

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import OperationalError

from kaltara.celery import app
from scoring import services, tasks
from scoring.models import KawasanScore, RunKind, RunStatus, ScoreRun, ScoreSnapshot
from scoring.schedule import CELERY_BEAT_SCHEDULE
from tests.scoring.conftest import KAMPUNG_MELAYU, make_kawasan, make_many_kawasan, make_site


@pytest.mark.django_db
def test_it_recomputes_everything_as_chunks_under_one_run():
    kawasan = make_many_kawasan(5)

    run_id = tasks.recompute_all.delay(chunk_size=2).get()

    run = ScoreRun.objects.get(pk=run_id)
    assert (run.kind, run.status, run.chunk_total, run.chunks_done) == (
        RunKind.FULL,
        RunStatus.DONE,
        3,
        [0, 1, 2],
    )
    assert (run.kawasan_count, run.error_count) == (5, 0)
    assert run.finished_at is not None
    assert ScoreRun.objects.count() == 1
    assert set(KawasanScore.objects.values_list("kawasan_id", flat=True)) == {k.pk for k in kawasan}


@pytest.mark.django_db
def test_it_finishes_an_empty_full_run_at_once():
    run = ScoreRun.objects.get(pk=tasks.recompute_all.delay().get())

    assert (run.status, run.chunk_total, run.kawasan_count) == (RunStatus.DONE, 0, 0)


@pytest.mark.django_db
def test_it_does_not_count_a_redelivered_chunk_twice():
    kawasan = make_many_kawasan(2)
    run = ScoreRun.objects.get(pk=tasks.recompute_all.delay(chunk_size=1).get())

    tasks.recompute_chunk.delay(run.pk, 0, [kawasan[0].pk])

    run.refresh_from_db()
    assert (run.kawasan_count, run.chunks_done, run.status) == (2, [0, 1], RunStatus.DONE)


@pytest.mark.django_db
def test_it_marks_the_run_failed_when_a_chunk_gives_up():
    kawasan = make_many_kawasan(1)
    run, chunks = services.scores_recompute_all_start(chunk_size=10)

    with (
        mock.patch.object(services, "scores_recompute_chunk", side_effect=ValueError("bad data")),
        pytest.raises(ValueError),
    ):
        tasks.recompute_chunk.delay(run.pk, 0, chunks[0])

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.errors == ["chunk 0: ValueError: bad data"]
    assert run.finished_at is not None
    assert not KawasanScore.objects.filter(kawasan=kawasan[0]).exists()


@pytest.mark.django_db
def test_it_retries_a_transient_database_error():
    kawasan = make_kawasan([make_site("rptra")])
    real = services.scores_recompute
    attempts = []

    def flaky(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    # throw=False: eager mode then runs the retry inline, as a worker would after backoff.
    with mock.patch.object(services, "scores_recompute", side_effect=flaky):
        tasks.recompute_kawasan.apply(args=([kawasan.pk],), throw=False)

    assert len(attempts) == 2
    assert KawasanScore.objects.filter(kawasan=kawasan).exists()


def test_it_retries_only_transient_errors_with_limits():
    for task in (
        tasks.recompute_pending,
        tasks.recompute_kawasan,
        tasks.recompute_chunk,
        tasks.recompute_all,
        tasks.snapshot_monthly,
    ):
        assert task.acks_late is True
        assert OperationalError in task.autoretry_for
        assert ValueError not in task.autoretry_for
        assert 0 < task.max_retries <= 10
        assert task.retry_backoff
        assert 0 < task.soft_time_limit < task.time_limit


@pytest.mark.django_db
def test_it_snapshots_the_month_given_or_the_current_one():
    make_many_kawasan(2)
    services.scores_recompute()

    run = ScoreRun.objects.get(pk=tasks.snapshot_monthly.delay("2025-03-15").get())

    assert run.kind == RunKind.SNAPSHOT
    assert set(ScoreSnapshot.objects.values_list("month", flat=True)) == {date(2025, 3, 1)}
    tasks.snapshot_monthly.delay()
    assert ScoreSnapshot.objects.count() == 4


def test_it_schedules_the_nightly_sweep_and_monthly_tasks_by_registered_names():
    schedule = CELERY_BEAT_SCHEDULE
    for entry in schedule.values():
        assert entry["task"] in app.tasks
    nightly = schedule["scoring-recompute-all-nightly"]["schedule"]
    assert nightly == crontab(hour=1, minute=30)
    sweep = schedule["scoring-recompute-pending-sweep"]["schedule"]
    assert sweep.minute == set(range(0, 60, 5))
    monthly = schedule["scoring-snapshot-monthly"]["schedule"]
    assert (monthly.day_of_month, monthly.hour, monthly.minute) == ({1}, {2}, {0})


@pytest.mark.django_db
def test_it_recomputes_a_region_from_the_command_and_prints_counts():
    make_kawasan([make_site("rptra")])
    make_kawasan([make_site("sd", kelurahan=KAMPUNG_MELAYU)], region=KAMPUNG_MELAYU)
    out = StringIO()

    call_command("recompute_scores", "--region", "31.75.03.1004", "--snapshot", stdout=out)

    assert "Skor: 1 kawasan, 0 galat, kebijakan kaltara-1" in out.getvalue()
    assert "Cuplikan: 1 kawasan" in out.getvalue()
    assert KawasanScore.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_an_unknown_region_in_the_command():
    with pytest.raises(CommandError, match="99.99"):
        call_command("recompute_scores", "--region", "99.99")


@pytest.mark.django_db
def test_it_leaves_a_transient_chunk_error_to_the_retry_until_the_last_attempt():
    make_many_kawasan(1)
    run, chunks = services.scores_recompute_all_start(chunk_size=10)
    lost = OperationalError("could not connect to server")

    with mock.patch.object(services, "scores_recompute_chunk", side_effect=lost):
        with pytest.raises(Exception):  # noqa: B017  (Retry: a worker would requeue it)
            tasks.recompute_chunk.apply(args=(run.pk, 0, chunks[0]))
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING

        with pytest.raises(OperationalError):
            tasks.recompute_chunk.apply(
                args=(run.pk, 0, chunks[0]), retries=tasks.recompute_chunk.max_retries
            )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.errors == ["chunk 0: OperationalError: could not connect to server"]
