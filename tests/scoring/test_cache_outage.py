"""The cache (Redis: CACHE_URL) down: edits still queue their kawasan and the sweep still
drains the queue, which lives in the database; the drain flag is only an optimisation.
scripts/faults.py checks the same with a real worker and a stopped redis-server."""

import pytest
from django.test import override_settings

from scoring import queue, services
from scoring.models import KawasanScore, RecomputeRequest
from tests.scoring.conftest import make_kawasan, make_site

# Nothing listens on port 1: every cache call is refused at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.mark.django_db
def test_it_queues_the_kawasan_of_an_edit_when_the_cache_is_down(
    django_capture_on_commit_callbacks,
):
    kawasan = make_kawasan([make_site("rptra")])
    with override_settings(CACHES=CACHE_DOWN), django_capture_on_commit_callbacks(execute=True):
        queue.recompute_request([kawasan.pk])  # must not raise after the commit

    assert RecomputeRequest.objects.filter(kawasan=kawasan).exists()
    assert not KawasanScore.objects.filter(kawasan=kawasan).exists()


@pytest.mark.django_db
def test_it_drains_the_queue_when_the_cache_is_down(django_capture_on_commit_callbacks):
    kawasan = make_kawasan([make_site("rptra"), make_site("puskesmas", north_m=200)])
    with django_capture_on_commit_callbacks(execute=False):
        queue.recompute_request([kawasan.pk])

    with override_settings(CACHES=CACHE_DOWN):
        assert services.scores_recompute_pending() == 1

    assert KawasanScore.objects.get(kawasan=kawasan).member_count == 2
    assert not RecomputeRequest.objects.exists()
