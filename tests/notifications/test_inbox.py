"""The inbox page, opening (marking read) and the header badge."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications import services
from notifications.models import Kind, Notification
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


def _note(user, title="Situs dikembalikan", url="/situs/"):
    return services.notify(recipients=[user], kind=Kind.SITE_RETURNED, title=title, url=url)[0]


def test_it_lists_only_my_notifications_newest_first(client, alice, bob):
    _note(alice, "Pertama")
    _note(alice, "Kedua")
    _note(bob, "Punya Bob")
    client.force_login(alice)
    response = client.get(reverse("notifications:inbox"))
    assert [n.title for n in response.context["page"]] == ["Kedua", "Pertama"]
    assert response.context["unread"] == 2
    assert "Punya Bob" not in response.content.decode()


def test_it_marks_read_and_goes_to_the_link_when_opened(client, alice):
    note = _note(alice, url="/situs/peta/")
    client.force_login(alice)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/situs/peta/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_refuses_to_open_another_users_notification(client, alice, bob):
    note = _note(bob)
    client.force_login(alice)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_it_needs_a_post_to_mark_read(client, alice):
    note = _note(alice)
    client.force_login(alice)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 405


def test_it_marks_all_read(client, alice, bob):
    _note(alice)
    _note(alice)
    _note(bob)
    client.force_login(alice)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_it_sends_signed_out_visitors_to_the_login(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_badge_counts_unread_and_follows_reads(client, alice):
    client.force_login(alice)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert '<span class="badge"' not in html
    note = _note(alice)
    _note(alice)
    response = client.get(reverse("kawasan:list"))
    assert response.context["unread_notifications"]() == 2
    client.post(reverse("notifications:open", args=[note.pk]))
    assert client.get(reverse("kawasan:list")).context["unread_notifications"]() == 1


def test_the_badge_costs_no_query_once_counted(alice, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    from notifications.context_processors import inbox

    def badge():
        request = RequestFactory().get("/")
        request.user = get_user_model().objects.get(pk=alice.pk)  # as each request loads it
        return Template("{{ unread_notifications }}/{{ unread_notifications }}").render(
            Context(inbox(request))
        )

    _note(alice)
    with django_assert_num_queries(2):  # the user's row, then one COUNT for the new version
        assert badge() == "1/1"
    with django_assert_num_queries(1):  # the user's row only
        assert badge() == "1/1"
    _note(alice)  # a new version: counted again
    with django_assert_num_queries(2):
        assert badge() == "2/2"


def test_the_badge_follows_reads_in_every_worker_by_version(alice):
    """A count kept under an old version is never shown once the version moved."""
    from notifications import selectors

    first = _note(alice)
    alice.refresh_from_db()
    assert selectors.unread_count_cached(alice) == 1
    services.notification_mark_read(user=alice, notification=first)
    stale = get_user_model().objects.get(pk=alice.pk)
    assert stale.inbox_version > alice.inbox_version
    assert selectors.unread_count_cached(stale) == 0


def test_the_badge_count_expires_after_its_max_age(alice, monkeypatch):
    """A change behind the ORM's back (no version bump) shows within UNREAD_MAX_AGE."""
    import time as time_module

    from notifications import selectors
    from notifications.models import Notification

    _note(alice)
    alice.refresh_from_db()
    assert selectors.unread_count_cached(alice) == 1
    Notification.objects.filter(recipient=alice).delete()  # no bump
    assert selectors.unread_count_cached(alice) == 1
    later = time_module.monotonic() + selectors.UNREAD_MAX_AGE + 1
    monkeypatch.setattr("accounts.memo.time.monotonic", lambda: later)
    assert selectors.unread_count_cached(alice) == 0


@pytest.mark.parametrize("n", [5, 80])
def test_it_shows_the_inbox_with_a_bounded_number_of_queries(
    client, alice, django_assert_max_num_queries, n
):
    for i in range(n):
        _note(alice, f"Catatan {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notifications:inbox"))
    assert len(response.context["page"]) == min(n, 30)
