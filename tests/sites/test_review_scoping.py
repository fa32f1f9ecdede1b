"""Every review URL x every role: out of scope is 404, in scope without the right is 403.

Objects: "mine" is a submitted puskesmas in Rawa Bunga (Sudin Kesehatan Jakarta Timur's
sector and kota); "school" a submitted SD there (Sudin Pendidikan's); "far" a submitted
puskesmas in Menteng (Jakarta Pusat, sudinkes_pusat's); "public" a verified puskesmas in
Menteng, visible to every signed-in user; "mine_verified" a verified puskesmas in Rawa
Bunga with an open pending change.
"""

import pytest
from django.urls import reverse

from sites import services
from tests.conftest import make_user
from tests.factories import MENTENG, RAWA_BUNGA
from tests.sites.reviewkit import submitted_site, verified_site

pytestmark = pytest.mark.django_db

ROLES = [
    "lurah",
    "lurah_other",
    "camat",
    "sudinkes",
    "sudindik",
    "sudinkes_pusat",
    "provinsi",
    "nobody",
    "anon",
]
SIGNED_IN = set(ROLES) - {"anon"}

# Who sees the object's private side (drafts, submissions, pending changes)...
SEES = {
    "mine": {"lurah", "camat", "sudinkes", "provinsi"},
    "school": {"lurah", "camat", "sudindik", "provinsi"},
    "far": {"sudinkes_pusat", "provinsi"},
    "public": SIGNED_IN,
    "mine_verified": SIGNED_IN,
}
# ... who may change it (submit, checklist), and who reviews it.
CHANGES = {
    "mine": {"lurah", "camat"},
    "school": {"lurah", "camat"},
    "far": set(),
    "public": set(),
    "mine_verified": {"lurah", "camat"},
}
REVIEWS = {
    "mine": {"sudinkes"},
    "school": {"sudindik"},
    "far": {"sudinkes_pusat"},
    "public": {"sudinkes_pusat"},
    "mine_verified": {"sudinkes"},
}
# A pending change is private work: only those who see the site's drafts reach it.
CHANGE_SEES = {"lurah", "camat", "sudinkes", "provinsi"}

# url name, method, right needed, objects it applies to (others: not exercised)
SITE_URLS = [
    ("services:site_review", "get", "review", ("mine", "school", "far", "public")),
    ("services:site_verify", "post", "review", ("mine", "school", "far")),
    ("services:site_return", "post", "review", ("mine", "school", "far")),
    ("services:site_reverify", "post", "review", ("public", "mine_verified")),
    ("services:site_submit", "post", "change", ("mine", "school", "far", "public")),
    ("services:checklist_edit", "get", "change", ("mine", "school", "far", "public")),
    ("services:site_reverify_request", "post", "change", ("public", "mine_verified")),
]
CHANGE_URLS = [
    ("services:pending_change", "get", "see"),
    ("services:pending_change_approve", "post", "review"),
    ("services:pending_change_return", "post", "review"),
]
PAGE_CASES = [
    ("services:review_queue", "get", {"sudinkes", "sudindik", "sudinkes_pusat"}),
    ("services:review_bulk_verify", "post", {"sudinkes", "sudindik", "sudinkes_pusat"}),
    (
        "services:review_stale",
        "get",
        {"lurah", "lurah_other", "camat", "sudinkes", "sudindik", "sudinkes_pusat", "provinsi"},
    ),
]

_TABLE = {
    "lurah": ("lurah", RAWA_BUNGA, None),
    "lurah_other": ("lurah", "31.75.03.1001", None),
    "camat": ("camat", "31.75.03", None),
    "sudinkes": ("sudin", "31.75", "kesehatan"),
    "sudindik": ("sudin", "31.75", "pendidikan"),
    "sudinkes_pusat": ("sudin", "31.71", "kesehatan"),
    "provinsi": ("provinsi", "31", None),
    "nobody": (None, None, None),
}


def _user(role):
    return make_user(role, *_TABLE[role])


def _site(obj):
    if obj == "mine":
        return submitted_site("Puskesmas Rawa Bunga")
    if obj == "school":
        return submitted_site("SDN Rawa Bunga 01", types=("sd",))
    if obj == "far":
        return submitted_site("Puskesmas Menteng", MENTENG)
    if obj == "public":
        return verified_site("Puskesmas Menteng Publik", MENTENG)
    return verified_site("Puskesmas Rawa Bunga Verif")


def expected(role, obj, method, right):
    if role == "anon":
        return "login"
    if role not in SEES[obj]:
        return 404
    allowed = REVIEWS[obj] if right == "review" else CHANGES[obj]
    if role not in allowed:
        return 403
    return 302 if method == "post" else 200


def _check(client, role, method, url, want, data=None):
    if role != "anon":
        client.force_login(_user(role))
    response = getattr(client, method)(url, data or {})
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == want, response.content[:300]
    return response


SITE_CASES = [
    pytest.param(name, method, right, obj, role, id=f"{name.split(':')[1]}-{obj}-{role}")
    for name, method, right, objs in SITE_URLS
    for obj in objs
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "right", "obj", "role"), SITE_CASES)
def test_it_scopes_review_urls_of_a_site(client, name, method, right, obj, role):
    site = _site(obj)
    _check(
        client,
        role,
        method,
        reverse(name, args=[site.pk]),
        expected(role, obj, method, right),
        {"version": site.version, "reason": "Alasan"},
    )


@pytest.mark.parametrize(
    ("name", "method", "right", "role"),
    [
        pytest.param(n, m, r, role, id=f"{n.split(':')[1]}-{role}")
        for n, m, r in CHANGE_URLS
        for role in ROLES
    ],
)
def test_it_scopes_pending_change_urls(client, name, method, right, role):
    site = _site("mine_verified")
    lurah = make_user("proposer", "lurah", RAWA_BUNGA)
    change = services.site_update(
        user=lurah, site=site, data={"name": "Nama usulan"}, version=site.version
    ).pending_change
    if role == "anon":
        want = "login"
    elif role not in CHANGE_SEES:
        want = 404
    elif right == "review" and role != "sudinkes":
        want = 403
    else:
        want = 302 if method == "post" else 200
    _check(
        client,
        role,
        method,
        reverse(name, args=[change.pk]),
        want,
        {"version": change.version, "site_version": site.version, "reason": "Alasan"},
    )


@pytest.mark.parametrize(
    ("name", "method", "allowed", "role"),
    [
        pytest.param(n, m, a, r, id=f"{n.split(':')[1]}-{r}")
        for n, m, a in PAGE_CASES
        for r in ROLES
    ],
)
def test_it_scopes_review_pages(client, name, method, allowed, role):
    want = "login" if role == "anon" else (200 if role in allowed else 403)
    if want == 200 and method == "post":
        want = 302
    _check(client, role, method, reverse(name), want)


def test_a_forbidden_verification_changes_nothing(client, lurah, sudindik):
    site = submitted_site()
    for user in (lurah, sudindik):
        client.force_login(user)
        client.post(reverse("services:site_verify", args=[site.pk]), {"version": site.version})
    site.refresh_from_db()
    assert site.review_state == "submitted" and not site.review_events.exists()
