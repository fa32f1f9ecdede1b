"""Indonesian by default whatever the browser says; the user's choice kept on the account."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import RAWA_BUNGA

ENGLISH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
REGION_PAGE = f"/wilayah/{RAWA_BUNGA}/"

pytestmark = pytest.mark.django_db


def english_phone() -> Client:
    return Client(**ENGLISH_PHONE)


def test_an_english_browser_gets_the_login_page_in_indonesian():
    response = english_phone().get(reverse("accounts:login"))
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Masuk ke Portal Kaltara" in page
    assert response["Content-Language"] == "id"
    # The answer depends on the cookies (session, language), not on Accept-Language.
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Cookie" in response["Vary"]


def test_an_english_browser_gets_a_signed_in_page_in_indonesian(lurah):
    client = english_phone()
    client.force_login(lurah)
    page = client.get(REGION_PAGE).content.decode()
    assert '<html lang="id">' in page
    assert "Keluar" in page and "Sign out" not in page


def test_the_switch_cookie_chooses_the_language_before_signing_in():
    client = english_phone()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE  # outlives the browser session
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page and "Sign in to the Kaltara portal" in page
    # An Indonesian browser with the English cookie: the cookie decides.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert '<html lang="en">' in page


def test_an_unknown_cookie_language_falls_back_to_indonesian():
    client = english_phone()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="id">' in client.get(reverse("accounts:login")).content.decode()


def test_choosing_english_is_kept_on_the_account_across_sessions(lurah):
    client = english_phone()
    client.force_login(lurah)
    client.post(reverse("set_language"), {"language": "en", "next": REGION_PAGE})
    lurah.refresh_from_db()
    assert lurah.language == "en"

    # Another phone, no cookie, a new session: still English once signed in.
    other = Client(HTTP_ACCEPT_LANGUAGE="id-ID")
    other.force_login(lurah)
    response = other.get(REGION_PAGE)
    page = response.content.decode()
    assert '<html lang="en">' in page and "Sign out" in page
    # That browser learns the choice, so its login page after signing out speaks it too.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    other.post(reverse("accounts:logout"))
    assert '<html lang="en">' in other.get(reverse("accounts:login")).content.decode()


def test_the_saved_choice_beats_the_cookie(lurah):
    User.objects.filter(pk=lurah.pk).update(language="id")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(lurah)
    assert '<html lang="id">' in client.get(REGION_PAGE).content.decode()


def test_switching_back_to_indonesian_is_kept_too(lurah):
    client = english_phone()
    client.force_login(lurah)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    lurah.refresh_from_db()
    assert lurah.language == "id"
    assert '<html lang="id">' in client.get(REGION_PAGE).content.decode()


def test_a_language_the_portal_does_not_offer_is_not_saved(lurah):
    client = Client()
    client.force_login(lurah)
    # Django ships French translations, so its view sets the cookie; the account keeps nothing.
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    lurah.refresh_from_db()
    assert lurah.language == ""
    assert '<html lang="id">' in client.get(REGION_PAGE).content.decode()


def test_a_get_changes_nothing(lurah):
    client = Client()
    client.force_login(lurah)
    response = client.get(reverse("set_language") + "?language=en&next=/")
    assert response.status_code == 302
    lurah.refresh_from_db()
    assert lurah.language == ""
