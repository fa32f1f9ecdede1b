"""The portal's own error pages: a database outage is a 503 that says to wait, any other
crash a 500; both render without the database and show no stack trace."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path

from web import errors


@login_not_required
def _database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


@login_not_required
def _database_busy(request):
    raise OperationalError("database is locked")


@login_not_required
def _bug(request):
    raise ValueError("secret-detail-of-the-bug")


urlpatterns = [
    path("db-down/", _database_down),
    path("db-busy/", _database_busy),
    path("bug/", _bug),
]
handler500 = "web.errors.server_error"


@pytest.fixture
def crashing_client(settings):
    settings.DEBUG = False
    with override_settings(ROOT_URLCONF=__name__):
        yield Client(raise_request_exception=False)


@pytest.mark.django_db
def test_it_answers_503_with_retry_after_when_the_database_is_down(crashing_client):
    response = crashing_client.get("/db-down/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_S)
    assert response["Cache-Control"] == "no-store"
    assert '<meta name="kaltara-error" content="503">' in body
    assert "Layanan sementara tidak tersedia" in body
    assert "Traceback" not in body and "5432" not in body


@pytest.mark.django_db
def test_a_busy_embedded_database_says_busy_not_unreachable(crashing_client):
    response = crashing_client.get("/db-busy/")
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"]
    assert "sedang menyimpan perubahan lain" in body
    assert "tidak dapat terhubung" not in body


@pytest.mark.django_db
def test_it_answers_500_without_details_for_other_errors(crashing_client):
    response = crashing_client.get("/bug/")
    body = response.content.decode()
    assert response.status_code == 500
    assert '<meta name="kaltara-error" content="500">' in body
    assert "Terjadi kesalahan di server" in body
    assert "secret-detail-of-the-bug" not in body and "Traceback" not in body


@pytest.mark.parametrize("exc", [OperationalError("down"), ValueError("bug")])
def test_it_renders_the_error_pages_without_touching_the_database(rf, exc):
    # No django_db mark: any query would fail the test.
    try:
        raise exc
    except Exception:
        response = errors.server_error(rf.get("/"))
    assert response.status_code in (500, 503)
