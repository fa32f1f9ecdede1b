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


# ---- an email that fails is retried and visible, never lost silently ----


def test_a_title_with_line_breaks_still_makes_a_valid_subject(alice):
    # A site name stored with CR/LF before forms refused them: the Subject is one line.
    note = services.notify(
        recipients=[alice], kind=Kind.SITE_RETURNED, title="Situs A\r\nBcc: x@evil dikembalikan"
    )[0]
    assert emails.notification_emails_send([note.pk]) == 1
    assert mail.outbox[0].subject == "[Kaltara] Situs A Bcc: x@evil dikembalikan"
    assert "\n" not in mail.outbox[0].message()["Subject"]


def test_a_message_that_cannot_be_sent_is_marked_failed_and_the_others_go(alice, client):
    bob = make_user("bob2")
    bob.email = "bob@example.org"
    bob.save()
    notes = services.notify(recipients=[alice, bob], kind=Kind.OTHER, title="Dua")
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def send(self, messages):
        if messages[0].to == ["alice@example.org"]:
            raise ValueError("Header values may not contain linefeed or carriage return")
        return real(self, messages)

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", send):
        assert emails.notification_emails_send([n.pk for n in notes]) == 1  # bob's went
    failed = Notification.objects.get(recipient=alice)
    assert failed.emailed_at is None and failed.email_failed_at is not None
    assert "ValueError" in failed.email_error and failed.email_attempts == 1
    # Never retried (a retry cannot fix it) and shown in the recipient's inbox.
    assert emails.notification_emails_send([failed.pk]) == 0
    client.force_login(alice)
    html = client.get("/kotak-masuk/").content.decode()
    assert "gagal dikirim" in html


def test_a_transient_failure_is_retried_then_marked_failed_after_the_last_try(alice):
    note = services.notify(recipients=[alice], kind=Kind.OTHER, title="SMTP mati")[0]
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages") as send:
        send.side_effect = OSError("SMTP down")
        for attempt in range(1, emails.MAX_EMAIL_ATTEMPTS):
            with pytest.raises(emails.EmailsNotSent):
                emails.notification_emails_send([note.pk])
            note.refresh_from_db()
            assert note.email_attempts == attempt and note.email_failed_at is None
        assert emails.notification_emails_send([note.pk]) == 0  # the last: no retry left
    note.refresh_from_db()
    assert note.email_failed_at is not None and "SMTP down" in note.email_error


def test_the_task_retries_a_transient_failure(alice):
    assert emails.EmailsNotSent in notifications_email.autoretry_for or issubclass(
        emails.EmailsNotSent, tuple(notifications_email.autoretry_for)
    )
    assert notifications_email.max_retries == emails.MAX_EMAIL_ATTEMPTS - 1
