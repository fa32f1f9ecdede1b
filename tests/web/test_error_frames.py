"""Every error page (400, 403, 404, 413, 500, 503) with DEBUG off: in the portal's frame and the
active language, saying what happened and where to go, and nothing of how the portal is built
(no stack trace, no URL patterns, no exception text)."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404
from django.test import Client, override_settings
from django.urls import path, reverse

from kaltara import urls as portal_urls


@login_not_required
def _suspicious(request):
    raise SuspiciousOperation("secret-detail-400")


def _denied(request):
    raise PermissionDenied("secret-detail-403 Puskesmas Rahasia")


def _missing(request):
    raise Http404("No Site matches the given query (secret-detail-404).")


@login_not_required
def _database_down(request):
    raise OperationalError("connection to 127.0.0.1 port 5432 failed (secret-detail-503)")


@login_not_required
def _bug(request):
    raise ValueError("secret-detail-500")


urlpatterns = [
    *portal_urls.urlpatterns,
    path("uji/400/", _suspicious),
    path("uji/403/", _denied),
    path("uji/404/", _missing),
    path("uji/503/", _database_down),
    path("uji/500/", _bug),
]
handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500

CODES = [400, 403, 404, 500, 503]
SECRETS = re.compile(r"secret-detail|Traceback|Puskesmas Rahasia|5432|No Site matches")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def error_urls(settings):
    settings.DEBUG = False
    settings.KALTARA_MAX_REQUEST_BYTES = 1024
    with override_settings(ROOT_URLCONF=__name__):
        yield


def _client(user=None, language=None, **extra) -> Client:
    # An English-locale phone: the browser's language never decides.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en-US", **extra)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _fetch(client, code: int):
    if code == 413:
        return client.post("/accounts/login/", data=b"x" * 4096, content_type="text/plain")
    return client.get(f"/uji/{code}/")


def _assert_framed(response, code: int, lang: str):
    body = response.content.decode()
    assert response.status_code == code
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert f'<meta name="kaltara-error" content="{code}">' in body
    assert f'<html lang="{lang}">' in body
    assert '<header class="topbar">' in body and "css/portal.css" in body
    assert 'rel="icon"' in body
    assert 'href="/"' in body  # home, always
    assert not SECRETS.search(body), SECRETS.search(body)
    return body


@pytest.mark.parametrize("code", [*CODES, 413])
def test_each_error_is_a_page_of_the_portal_in_indonesian(code, lurah):
    user = lurah if code in (403, 404) else None
    body = _assert_framed(_fetch(_client(user), code), code, "id")
    assert f"Kode kesalahan: {code}" in body


@pytest.mark.parametrize("code", [*CODES, 413])
def test_each_error_page_follows_the_chosen_language(code, lurah):
    user = lurah if code in (403, 404) else None
    body = _assert_framed(_fetch(_client(user, language="en"), code), code, "en")
    assert "Back to the home page" in body


def test_a_signed_in_users_choice_reaches_the_error_pages(lurah):
    lurah.language = "en"
    lurah.save()
    _assert_framed(_fetch(_client(lurah), 404), 404, "en")
    _assert_framed(_fetch(_client(lurah), 403), 403, "en")


@pytest.mark.parametrize("code", [403, 404])
def test_403_and_404_keep_the_portal_header_for_the_signed_in_user(code, lurah):
    body = _assert_framed(_fetch(_client(lurah), code), code, "id")
    assert '<span class="who">' in body
    assert reverse("accounts:login") + '"' not in body  # no "sign in" for the signed in


def test_a_404_of_a_stranger_offers_to_sign_in():
    body = _assert_framed(_client().get("/tidak-ada/"), 404, "id")
    assert f'href="{reverse("accounts:login")}"' in body


def test_a_404_never_lists_the_url_patterns(lurah):
    for client in (_client(), _client(lurah)):
        body = client.get("/tidak-ada/di/sini/").content.decode()
        assert "URLconf" not in body and "Page not found" not in body
        # Django's debug 404 lists every pattern with its converters; these are linked nowhere.
        for pattern in ("uji/500/", "uji/403/", "<int:pk>", "<str:code>", "healthz"):
            assert pattern not in body, pattern


def test_the_way_back_is_the_portal_page_the_user_came_from(lurah):
    came_from = "http://testserver/situs/?q=1"
    body = _fetch(_client(lurah, HTTP_REFERER=came_from), 404).content.decode()
    assert 'href="http://testserver/situs/?q=1"' in body
    assert "Kembali ke halaman sebelumnya" in body
    # Another site's page is no way back.
    body = _fetch(_client(lurah, HTTP_REFERER="https://evil.example/"), 404).content.decode()
    assert "evil.example" not in body and "Kembali ke halaman sebelumnya" not in body


def test_the_413_says_the_size_and_the_way_back_to_the_form():
    client = _client(HTTP_REFERER="http://testserver/accounts/login/")
    body = _assert_framed(_fetch(client, 413), 413, "id")
    assert "terlalu besar" in body
    assert 'href="http://testserver/accounts/login/"' in body


def test_a_refused_host_is_a_400_page_without_the_host():
    client = _client(HTTP_HOST="evil.example", HTTP_REFERER="http://evil.example/")
    body = _assert_framed(client.get("/accounts/login/"), 400, "id")
    assert "evil.example" not in body


def test_a_refused_form_is_the_portals_csrf_page():
    client = Client(enforce_csrf_checks=True, HTTP_REFERER="http://testserver/accounts/login/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    body = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in body and "CSRF" in body
    assert '<meta name="kaltara-error" content="403">' in body
    assert 'href="http://testserver/accounts/login/"' in body
