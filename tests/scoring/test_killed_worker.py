"""A worker killed mid-recompute: its unacknowledged chunk messages come back much later
(Redis visibility timeout, one hour by default). By then another policy may be active: the
late chunk must not store scores of the old policy over the new ones.
scripts/faults.py kills a real worker mid-run and checks the rows it leaves."""

import pytest

from scoring import queue, selectors, services
from scoring.models import KawasanScore, RunStatus, ScoreRun
from tests.scoring.conftest import make_kawasan, make_site


@pytest.mark.django_db
def test_it_drops_a_late_chunk_of_a_policy_no_longer_active(django_capture_on_commit_callbacks):
    kawasan = make_kawasan([make_site("rptra"), make_site("puskesmas", north_m=200)])
    old_policy = selectors.policy_active()
    killed_run, chunks = services.scores_recompute_all_start(chunk_size=10)
    # The worker died before chunk 0 reported; meanwhile a new policy is activated and its
    # full recompute (inline here) stores every score.
    params = {**old_policy.params, "connectivity_edge_share": 0.5}
    new_policy = services.policy_create(version="uji-baru", name="Uji", params=params)
    with django_capture_on_commit_callbacks(execute=True):
        queue.policy_activate(new_policy)
    assert KawasanScore.objects.get(kawasan=kawasan).policy == new_policy

    # The killed worker's chunk is redelivered an hour later.
    services.scores_recompute_chunk(run_id=killed_run.pk, index=0, kawasan_ids=chunks[0])

    assert KawasanScore.objects.get(kawasan=kawasan).policy == new_policy
    killed_run.refresh_from_db()
    assert killed_run.status == RunStatus.FAILED
    assert killed_run.chunks_done == [0]
    assert old_policy.version in killed_run.errors[0]


@pytest.mark.django_db
def test_it_still_stores_a_late_chunk_of_the_active_policy():
    kawasan = make_kawasan([make_site("rptra")])
    run, chunks = services.scores_recompute_all_start(chunk_size=10)

    services.scores_recompute_chunk(run_id=run.pk, index=0, kawasan_ids=chunks[0])

    run.refresh_from_db()
    assert KawasanScore.objects.get(kawasan=kawasan).run == run
    assert (run.status, run.chunks_done) == (RunStatus.DONE, [0])
    assert ScoreRun.objects.filter(status=RunStatus.RUNNING).count() == 0
