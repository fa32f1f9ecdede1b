"""Review steps notify the people concerned, in the inbox and by email after commit."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from sites import services
from sites.review import pending, transitions
from tests.conftest import make_user
from tests.factories import RAWA_BUNGA
from tests.sites.reviewkit import submitted_site, verified_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def lurah_mail(lurah):
    lurah.email = "lurah.rawabunga@example.org"
    lurah.save()
    return lurah


def _submitted_by(user):
    site = submitted_site()
    site.review_events.create(
        action="submitted", from_state="draft", to_state="submitted", user=user
    )
    return site


def test_it_notifies_the_submitter_and_the_lurah_of_a_return_with_the_reason(
    camat, lurah_mail, sudinkes, django_capture_on_commit_callbacks
):
    site = _submitted_by(camat)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.site_return(
            user=sudinkes, site=site, version=site.version, reason="SK belum ada"
        )
    notes = Notification.objects.filter(kind="site_returned")
    assert {n.recipient for n in notes} == {camat, lurah_mail}
    note = notes.get(recipient=lurah_mail)
    assert "SK belum ada" in note.body and note.url == site.get_absolute_url()
    assert note.site_id == site.pk
    # Only the lurah has an email address.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lurah.rawabunga@example.org"]
    assert site.name in message.subject and "SK belum ada" in message.body


def test_it_sends_no_email_when_the_action_rolls_back(lurah_mail, sudinkes, mailoutbox):
    site = submitted_site()
    with pytest.raises(transitions.ReviewConflict):
        transitions.site_return(user=sudinkes, site=site, version=site.version + 5, reason="x")
    assert not Notification.objects.exists() and mailoutbox == []


def test_it_notifies_the_lurah_of_a_verification(lurah, sudinkes):
    site = submitted_site()
    transitions.site_verify(user=sudinkes, site=site, version=site.version)
    note = Notification.objects.get(recipient=lurah)
    assert note.kind == "site_verified" and site.name in note.title


def test_it_notifies_the_proposer_of_a_returned_and_an_approved_change(lurah, sudinkes):
    site = verified_site()
    change = services.site_update(
        user=lurah, site=site, data={"name": "Nama Baru"}, version=site.version
    ).pending_change
    pending.pending_change_return(
        user=sudinkes, change=change, version=change.version, reason="Nama kurang lengkap"
    )
    returned = Notification.objects.get(kind="change_returned")
    assert returned.recipient == lurah and "Nama kurang lengkap" in returned.body
    assert returned.url == change.get_absolute_url()
    site.refresh_from_db()
    change = services.site_update(
        user=lurah, site=site, data={"name": "Nama Baru Lengkap"}, version=site.version
    ).pending_change
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    assert Notification.objects.filter(kind="change_approved", recipient=lurah).count() == 1


def test_the_lurah_sees_the_unread_count_in_the_header(client, lurah, sudinkes):
    client.force_login(lurah)
    assert client.get(reverse("services:site_list")).context["unread_notifications"]() == 0
    site = submitted_site()
    transitions.site_return(user=sudinkes, site=site, version=site.version, reason="Foto")
    response = client.get(reverse("services:site_list"))
    html = response.content.decode()
    assert reverse("notifications:inbox") in html and '<span class="badge"' in html


def test_it_does_not_notify_a_lurah_of_another_kelurahan(lurah_other, sudinkes):
    site = submitted_site()
    make_user("lurah2", "lurah", RAWA_BUNGA)
    transitions.site_return(user=sudinkes, site=site, version=site.version, reason="x")
    assert not Notification.objects.filter(recipient=lurah_other).exists()
    assert Notification.objects.filter(recipient__username="lurah2").exists()
