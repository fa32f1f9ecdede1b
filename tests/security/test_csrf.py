"""CSRF on every form: a POST without the token is refused wherever it is sent."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# A plausible value per converter: the CSRF check runs before the view looks anything up.
_SAMPLES = {"int": "1", "str": "31", "uuid": str(uuid.uuid4()), "slug": "x", "path": "x"}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        # A regex route (the admin's catch-alls): filled with a sample where simple.
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).strip("^$").replace("\\", "")
        if any(c in route for c in "()[]*+?"):
            return None
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES[m.group(1) or "str"], route)
    return "/" + route


def _all_urls() -> list[str]:
    urls = {_concrete(route) for route in _walk(get_resolver().url_patterns)}
    return sorted(u for u in urls if u is not None)


ALL_URLS = _all_urls()


def test_it_walks_every_portal_url():
    # The walk reaches the forms that change data, not just the first level.
    for url in ["/situs/baru/", "/situs/1/ubah/", "/kawasan/1/anggota/tambah/", "/accounts/login/"]:
        assert url in ALL_URLS
    assert len(ALL_URLS) > 60


@pytest.fixture(scope="module")
def csrf_client(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        user = User.objects.create_superuser("csrf-root", password="pw")
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        yield client
        user.delete()


@pytest.mark.parametrize("url", ALL_URLS)
def test_a_post_without_the_token_is_refused(csrf_client, url):
    response = csrf_client.post(url, {"name": "x", "reason": "x"})
    assert response.status_code == 403, url
    assert b"CSRF" in response.content


def test_a_post_with_the_token_passes_the_check(lurah):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lurah)
    client.get("/kawasan/")  # a page with a form sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_every_post_form_in_a_template_carries_the_token(path):
    for attrs, body in _FORM.findall(path.read_text()):
        if re.search(r'method="post"', attrs, re.I):
            assert "{% csrf_token %}" in body, f"{path.name}: <form{attrs}>"
