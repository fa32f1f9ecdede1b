"""Every site and link URL x every role x in-scope / out-of-scope / public objects.

Out of scope is 404 (the object does not exist for the user), in scope without the CHANGE
right is 403, signed out is a redirect to the login page.
"""

import pytest
from django.urls import reverse

from tests.conftest import make_user
from tests.factories import MENTENG, RAWA_BUNGA, make_link, make_site

pytestmark = pytest.mark.django_db

ROLES = ["lurah", "lurah_other", "camat", "sudinkes", "sudindik", "provinsi", "nobody", "anon"]
SIGNED_IN = set(ROLES) - {"anon"}

# Who sees and who may change each object. "mine" is a draft puskesmas in Rawa Bunga (the
# lurah's kelurahan, the camat's kecamatan, Sudin Kesehatan Jakarta Timur's sector);
# "far" a draft in Menteng (Jakarta Pusat); "public" a verified, open site in Menteng.
SEES = {
    "mine": {"lurah", "camat", "sudinkes", "provinsi"},
    "far": {"provinsi"},
    "public": SIGNED_IN,
}
CHANGES = {"mine": {"lurah", "camat"}, "far": set(), "public": set()}

# url name, HTTP method, needs the CHANGE right
SITE_URLS = [
    ("services:site_detail", "get", False),
    ("services:site_edit", "get", True),
    ("services:site_close", "post", True),
    ("services:site_close_preview", "post", True),
    ("services:site_document_add", "get", True),
    ("services:link_create", "get", True),
]
LINK_URLS = [("services:link_end", "post", True), ("services:link_end_preview", "post", True)]


def expected(role, obj, method, needs_change):
    if role == "anon":
        return "login"
    if role not in SEES[obj]:
        return 404
    if needs_change and role not in CHANGES[obj]:
        return 403
    return 302 if method == "post" else 200


def _user(role):
    from accounts.models import Role

    table = {
        "lurah": (Role.LURAH, RAWA_BUNGA, None),
        "lurah_other": (Role.LURAH, "31.75.03.1001", None),
        "camat": (Role.CAMAT, "31.75.03", None),
        "sudinkes": (Role.SUDIN, "31.75", "kesehatan"),
        "sudindik": (Role.SUDIN, "31.75", "pendidikan"),
        "provinsi": (Role.PROVINSI, "31", None),
        "nobody": (None, None, None),
    }
    role_value, region, sector = table[role]
    return make_user(role, role_value, region, sector)


def _site(obj):
    if obj == "mine":
        return make_site("Puskesmas Rawa Bunga", RAWA_BUNGA)
    if obj == "far":
        return make_site("Puskesmas Menteng", MENTENG)
    return make_site("Puskesmas Menteng Publik", MENTENG, public=True)


def _link(obj):
    if obj == "mine":
        a = make_site("Puskesmas Rawa Bunga", RAWA_BUNGA)
        b = make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu",))
        return make_link(a, b)
    public = obj == "public"
    a = make_site("Puskesmas Menteng", MENTENG, public=public)
    b = make_site("Posyandu Menteng", MENTENG, types=("posyandu",), public=public)
    return make_link(a, b)


def _request(client, role, method, url, data):
    if role != "anon":
        client.force_login(_user(role))
    return getattr(client, method)(url, data)


def _check(response, want):
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == want, response.content[:500]
        if want == 302:
            assert not response["Location"].startswith(reverse("accounts:login"))


# Confirmed (as the confirmation page posts it); without its version, refused after the checks.
POST_DATA = {"reason": "Gedung dibongkar", "version": "", "confirm": "1"}

SITE_CASES = [
    pytest.param(name, method, change, obj, role, id=f"{name.split(':')[1]}-{obj}-{role}")
    for name, method, change in SITE_URLS
    for obj in ("mine", "far", "public")
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "needs_change", "obj", "role"), SITE_CASES)
def test_it_scopes_site_urls(client, name, method, needs_change, obj, role):
    site = _site(obj)
    response = _request(client, role, method, reverse(name, args=[site.pk]), POST_DATA)
    _check(response, expected(role, obj, method, needs_change))


LINK_CASES = [
    pytest.param(name, method, change, obj, role, id=f"{name.split(':')[1]}-{obj}-{role}")
    for name, method, change in LINK_URLS
    for obj in ("mine", "far", "public")
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "needs_change", "obj", "role"), LINK_CASES)
def test_it_scopes_link_urls(client, name, method, needs_change, obj, role):
    link = _link(obj)
    # Confirmed without a version: refused after the access checks, as the preview's post is.
    response = _request(client, role, method, reverse(name, args=[link.pk]), {"confirm": "1"})
    _check(response, expected(role, obj, method, needs_change))


# Pages without an object: lists are for every signed-in user, creating needs a CHANGE grant.
PAGE_CASES = [
    ("services:site_list", SIGNED_IN),
    ("services:site_map", SIGNED_IN),
    ("services:site_map_data", SIGNED_IN),
    ("services:site_create", {"lurah", "lurah_other", "camat"}),
]


@pytest.mark.parametrize(
    ("name", "allowed", "role"),
    [pytest.param(n, a, r, id=f"{n.split(':')[1]}-{r}") for n, a in PAGE_CASES for r in ROLES],
)
def test_it_scopes_pages(client, name, allowed, role):
    response = _request(client, role, "get", reverse(name), {})
    if role == "anon":
        _check(response, "login")
    else:
        _check(response, 200 if role in allowed else 403)


def test_it_does_not_change_a_site_when_the_close_is_forbidden(client, sudinkes):
    site = make_site()
    client.force_login(sudinkes)
    client.post(reverse("services:site_close", args=[site.pk]), POST_DATA)
    site.refresh_from_db()
    assert site.operating_status == "open"
    assert not site.changes.exists()
