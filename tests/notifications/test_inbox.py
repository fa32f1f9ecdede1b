"""The inbox page, opening (marking read) and the header badge."""

import pytest
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


def test_the_badge_costs_no_query_once_counted(client, alice, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    from notifications.context_processors import inbox

    _note(alice)
    client.force_login(alice)  # counted at sign-in
    request = RequestFactory().get("/")
    request.user = alice
    template = Template("{{ unread_notifications }}/{{ unread_notifications }}")
    with django_assert_num_queries(0):
        assert template.render(Context(inbox(request))) == "1/1"


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
