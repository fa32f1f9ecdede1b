"""The shared cache (Redis) down: pages, sign-in and the badge still work.

CACHE_URL's Redis holds the page fragments, the scoring drain flag and the spreadsheet
claim; a cache outage must not turn every page into a 500 (scripts/faults.py checks the
same against a stopped Redis). The badge does not use the shared cache at all.
"""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from notifications import selectors, services
from notifications.models import Kind
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call is refused at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def alice(db):
    return make_user("alice")


def _note(user):
    return services.notify(recipients=[user], kind=Kind.SITE_RETURNED, title="Dikembalikan")[0]


@override_settings(CACHES=CACHE_DOWN)
def test_it_counts_the_badge_from_the_database_when_the_cache_is_down(alice):
    _note(alice)
    _note(alice)
    alice.refresh_from_db()
    assert selectors.unread_count_cached(alice) == 2


@override_settings(CACHES=CACHE_DOWN)
def test_it_stores_a_notification_when_the_cache_is_down(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = _note(alice)
    assert note.pk is not None


@override_settings(CACHES=CACHE_DOWN)
def test_it_serves_pages_and_sign_in_when_the_cache_is_down(client, alice):
    _note(alice)
    started = time.monotonic()
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302, "sign-in must not fail on the cache"
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert 'class="badge"' in response.content.decode()
    # A refused connection fails fast: no retry loop per page.
    assert time.monotonic() - started < 5
