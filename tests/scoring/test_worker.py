"""A real Celery worker on real Redis: a committed change is scored by the worker.

Runs where a broker is configured and the database can be shared with another process
(CI's PostGIS run sets KALTARA_REQUIRE_WORKER_TESTS=1 so that it cannot silently skip).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kaltara.celery import app
from scoring.models import KawasanScore
from sites.services import link_create
from tests.scoring.conftest import make_kawasan, make_site

ROOT = Path(__file__).resolve().parents[2]


def _require_worker_setup():
    problems = []
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_BROKER_URL is not set")
    if connection.vendor != "postgresql":
        problems.append("the test database must be shared with the worker (PostGIS)")
    if problems:
        if os.environ.get("KALTARA_REQUIRE_WORKER_TESTS"):
            pytest.fail("worker test required but " + "; ".join(problems))
        pytest.skip("; ".join(problems))


@pytest.fixture
def worker(transactional_db):
    _require_worker_setup()
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DJANGO_SETTINGS_MODULE="kaltara.settings",
    )
    app.control.purge()
    log = open(ROOT / "var" / "test-worker.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kaltara",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start: see var/test-worker.log")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_stores_the_new_score_after_a_change_commits(
    database_restored, worker, lurah
):
    hub = make_site("rptra", review_state="verified")
    puskesmas = make_site("puskesmas", north_m=300, review_state="verified")
    kawasan = make_kawasan([hub, puskesmas], hub=hub)
    # A first score, computed by the worker from the membership change.
    from scoring.queue import recompute_request

    recompute_request([kawasan.pk])
    before = _wait_for_score(kawasan.pk, lambda s: s is not None)

    # The lurah links the puskesmas to the hub; the edit commits, the worker rescores.
    started = time.monotonic()
    link_create(user=lurah, site_a=hub, site_b=puskesmas, kind="referral")
    after = _wait_for_score(kawasan.pk, lambda s: s is not None and s.total > before.total)
    elapsed = time.monotonic() - started

    assert after.connectivity > before.connectivity
    assert elapsed < 15, f"stored {elapsed:.1f} s after the commit"


def _wait_for_score(kawasan_id, done, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        score = KawasanScore.objects.filter(kawasan_id=kawasan_id).first()
        if done(score):
            return score
        time.sleep(0.2)
    pytest.fail(f"no stored score change within {timeout} s (see var/test-worker.log)")
