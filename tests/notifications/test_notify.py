"""notify(): one inbox row per recipient, emails after commit, once each."""

from unittest import mock

import pytest
from django.core import mail

from notifications import emails, services
from notifications.models import Kind, Notification
from notifications.tasks import notifications_email
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    user = make_user("alice")
    user.email = "alice@example.org"
    user.save()
    return user


@pytest.fixture
def bob(db):
    return make_user("bob")


def test_it_stores_one_row_per_distinct_active_recipient(alice, bob):
    carol = make_user("carol")
    carol.is_active = False
    carol.save()
    rows = services.notify(
        recipients=[alice, bob, alice, None, carol],
        kind=Kind.SITE_RETURNED,
        title="Situs dikembalikan",
        body="Alasan: foto",
        url="/situs/1/",
        site_id=1,
    )
    assert [r.recipient for r in rows] == [alice, bob]
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_it_emails_after_commit_only_those_with_an_address(
    alice, bob, django_capture_on_commit_callbacks, settings
):
    settings.KALTARA_SITE_URL = "https://kaltara.example.org"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(recipients=[alice, bob], kind=Kind.SITE_VERIFIED, title="Hore", url="/x/")
    assert mail.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"] and message.subject == "[Kaltara] Hore"
    assert "https://kaltara.example.org/x/" in message.body
    assert Notification.objects.get(recipient=alice).emailed_at is not None


def test_a_redelivered_email_task_sends_nothing_twice(alice):
    note = services.notify(recipients=[alice], kind=Kind.OTHER, title="Sekali")[0]
    assert notifications_email.delay([note.pk]).get() == 1
    assert notifications_email.delay([note.pk]).get() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_for_a_retry(alice):
    note = services.notify(recipients=[alice], kind=Kind.OTHER, title="Coba lagi")[0]
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages") as send:
        send.side_effect = OSError("SMTP down")
        with pytest.raises(OSError):
            emails.notification_emails_send([note.pk])
    note.refresh_from_db()
    assert note.emailed_at is None
    assert emails.notification_emails_send([note.pk]) == 1


def test_it_refuses_unknown_kinds_and_outside_links(alice):
    with pytest.raises(ValueError):
        services.notify(recipients=[alice], kind="spam", title="x")
    with pytest.raises(ValueError):
        services.notify(recipients=[alice], kind=Kind.OTHER, title="x", url="https://evil.example")


def test_a_broker_outage_does_not_fail_the_action(alice, django_capture_on_commit_callbacks):
    down = mock.patch("notifications.tasks.notifications_email.delay", side_effect=OSError("down"))
    with down, django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[alice], kind=Kind.OTHER, title="x")
    assert Notification.objects.count() == 1


def test_it_remembers_who_was_notified_recently(alice, bob):
    from django.utils import timezone

    services.notify(recipients=[alice], kind=Kind.SITE_STALE, title="x")
    since = timezone.now() - timezone.timedelta(days=1)
    assert services.recently_notified(
        user_ids=[alice.pk, bob.pk], kind=Kind.SITE_STALE, since=since
    ) == {alice.pk}
