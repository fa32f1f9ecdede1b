"""Brute force on the login: five wrong passwords lock that username from that address out."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _try(client, username, password, ip="10.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def _fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = _try(client, username, "salah", ip)
        assert response.status_code in (200, 429)


def test_it_checks_every_sign_in_with_axes_first():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_still_let_the_right_one_in(client, lurah):
    _fail(client, "lurah", 4)
    response = _try(client, "lurah", "pw-lurah")
    assert response.status_code == 302
    # Success clears the count: four more wrong ones later do not lock out either.
    assert not AccessAttempt.objects.filter(username="lurah").exists()


def test_the_fifth_wrong_password_locks_out_even_the_right_one(client, lurah):
    _fail(client, "lurah", 5)
    response = _try(client, "lurah", "pw-lurah")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Masuk dikunci sementara" in body
    assert "30 menit" in body
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_only_for_that_username_and_address(client, lurah, camat):
    _fail(client, "lurah", 5)
    # The officer at another address still gets in, and so does a colleague at this one.
    assert _try(client, "lurah", "pw-lurah", ip="10.0.0.2").status_code == 302
    client.logout()
    assert _try(client, "camat", "pw-camat").status_code == 302


def test_the_lockout_ends_after_thirty_minutes(client, lurah):
    _fail(client, "lurah", 5)
    assert _try(client, "lurah", "pw-lurah").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31)
    )
    assert _try(client, "lurah", "pw-lurah").status_code == 302


def test_the_admin_login_is_locked_out_too(client, db):
    from accounts.models import User

    User.objects.create_superuser("root", password="pw-root")
    admin_login = reverse("admin:login")
    for _ in range(5):
        client.post(admin_login, {"username": "root", "password": "salah"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        admin_login, {"username": "root", "password": "pw-root"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
