"""Password guessing: five wrong passwords lock a username out (from any address), twenty
from one address lock that address out (for any username); a warning comes before the last."""

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
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AXES_HANDLER == "accounts.lockout.LockoutHandler"
    assert settings.KALTARA_ADDRESS_FAILURE_LIMIT == 20


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


def test_a_locked_username_is_locked_from_every_address(client, lurah, camat):
    _fail(client, "lurah", 5)
    # Guessing from many addresses gains nothing: the username itself is locked.
    assert _try(client, "lurah", "pw-lurah", ip="10.0.0.2").status_code == 429
    # A colleague at the same office address still gets in (5 of that address's 20).
    assert _try(client, "camat", "pw-camat").status_code == 302


def test_one_address_spraying_many_usernames_is_locked_out(client, lurah, camat):
    for n in range(5):
        _fail(client, f"tebakan{n}", 4, ip="10.6.6.6")  # 4 each: no username reaches 5
    # 20 failures from the address: even a right password from it is refused now...
    assert _try(client, "lurah", "pw-lurah", ip="10.6.6.6").status_code == 429
    # ...while the same officer elsewhere is not affected.
    assert _try(client, "lurah", "pw-lurah", ip="10.0.0.7").status_code == 302


def test_a_valid_sign_in_does_not_reset_its_address_count(client, lurah, camat):
    for n in range(4):
        _fail(client, f"tebakan{n}", 4, ip="10.6.6.6")  # 16 failures from the address
    assert _try(client, "camat", "pw-camat", ip="10.6.6.6").status_code == 302
    client.logout()
    _fail(client, "tebakan9", 4, ip="10.6.6.6")  # 20 now: the success did not clear them
    assert _try(client, "lurah", "pw-lurah", ip="10.6.6.6").status_code == 429


def test_the_page_warns_before_the_last_try(client, lurah):
    _fail(client, "lurah", 2)
    third = _try(client, "lurah", "salah")  # two left: no warning yet
    assert third.status_code == 200
    assert "Tinggal satu percobaan" not in third.content.decode()
    fourth = _try(client, "lurah", "salah", ip="10.0.0.3")  # any address counts
    assert fourth.status_code == 200
    assert "Tinggal satu percobaan" in fourth.content.decode()
    assert _try(client, "lurah", "salah").status_code == 429
