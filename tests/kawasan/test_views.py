"""Kawasan pages: the public list and detail, and the edits a lurah or camat makes."""

from contextlib import contextmanager

import pytest
from django.urls import reverse

from kawasan.models import Kawasan, Membership
from kawasan.signals import kawasan_changed
from sites.models import OperatingStatus
from tests.conftest import make_user
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_link, make_site

JATINEGARA = "31.75.03"

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    return {
        "rptra": make_site("RPTRA Rawa Bunga", types=("rptra",), public=True),
        "posyandu": make_site("Posyandu Melati", types=("posyandu",)),
        # Public, in the next kelurahan: any signed-in user may add it as a member.
        "puskesmas": make_site(
            "Puskesmas Kecamatan Jatinegara", kelurahan=KAMPUNG_MELAYU, public=True
        ),
        # A draft in the next kelurahan: private to that kelurahan.
        "draft_km": make_site("SD Draf Kampung Melayu", kelurahan=KAMPUNG_MELAYU, types=("sd",)),
        "closed": make_site(
            "Posyandu Lama", types=("posyandu",), operating_status=OperatingStatus.CLOSED
        ),
    }


@pytest.fixture
def kawasan(sites):
    k = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA)
    for key in ("rptra", "posyandu"):
        Membership.objects.create(kawasan=k, site=sites[key])
    k.hub = sites["rptra"]
    k.save()
    return k


@contextmanager
def capture_kawasan_changed():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    kawasan_changed.connect(receiver, dispatch_uid="test-capture")
    try:
        yield calls
    finally:
        kawasan_changed.disconnect(dispatch_uid="test-capture")


# ---- the scoping matrix: every URL x every persona ----

PERSONAS = ["lurah", "lurah_other", "camat", "sudinkes", "provinsi", "nobody"]
# Out of the user's territory is 404 (sector grants reach no kawasan, which has no sector);
# in it without the right to change, 403.
EDIT_EXPECTED = {
    "lurah": 200,
    "camat": 200,
    "lurah_other": 404,
    "sudinkes": 404,
    "provinsi": 403,
    "nobody": 404,
}
MATRIX = [
    ("list", "get", dict.fromkeys(PERSONAS, 200)),
    ("detail", "get", dict.fromkeys(PERSONAS, 200)),
    (
        "create",
        "get",
        {
            "lurah": 200,
            "camat": 200,
            "lurah_other": 200,
            "sudinkes": 403,
            "provinsi": 403,
            "nobody": 403,
        },
    ),
    ("edit", "get", EDIT_EXPECTED),
    ("member_add", "post", {**EDIT_EXPECTED, "lurah": 302, "camat": 302}),
    ("member_remove", "post", {**EDIT_EXPECTED, "lurah": 302, "camat": 302}),
]


def _url(name, kawasan, sites):
    if name in ("list", "create"):
        return reverse(f"kawasan:{name}")
    if name == "member_remove":
        return reverse("kawasan:member_remove", args=[kawasan.pk, sites["posyandu"].pk])
    return reverse(f"kawasan:{name}", args=[kawasan.pk])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_it_scopes_every_url_for_every_persona(
    request, client, kawasan, sites, persona, name, method, expected
):
    client.force_login(request.getfixturevalue(persona))
    url = _url(name, kawasan, sites)
    data = {"site": sites["puskesmas"].pk} if name == "member_add" else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[persona]
    members = set(kawasan.memberships.values_list("site_id", flat=True))
    if expected[persona] in (403, 404):
        assert members == {sites["rptra"].pk, sites["posyandu"].pk}


@pytest.mark.parametrize("name", ["list", "detail", "create", "edit"])
def test_it_sends_anonymous_users_to_the_login(client, kawasan, sites, name):
    response = client.get(_url(name, kawasan, sites))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_refuses_get_on_member_changes(client, lurah, kawasan, sites):
    client.force_login(lurah)
    assert client.get(_url("member_add", kawasan, sites)).status_code == 405
    assert client.get(_url("member_remove", kawasan, sites)).status_code == 405


# ---- list ----


def test_it_lists_every_kawasan_with_public_facts_in_bounded_queries(
    client, nobody, kawasan, django_assert_max_num_queries
):
    for i in range(30):
        Kawasan.objects.create(name=f"Kawasan {i:02}", region_id=KAMPUNG_MELAYU)
    client.force_login(nobody)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("kawasan:list"))
    page = response.context["page"]
    assert page.paginator.count == 31
    assert len(page.object_list) == 25
    assert b"Buat kawasan" not in response.content
    # Ordered by region code: Rawa Bunga (…1004) comes after the 30 in Kampung Melayu (…1001).
    response = client.get(reverse("kawasan:list"), {"page": 2})
    row = next(k for k in response.context["page"].object_list if k.pk == kawasan.pk)
    # The members the user may see: the public RPTRA, not the lurah's draft posyandu (a
    # count of hidden members would tell a stranger that drafts exist there).
    assert row.member_count == 1
    assert "RPTRA Rawa Bunga" in response.content.decode()


def test_it_filters_the_list_by_region(client, lurah, kawasan):
    Kawasan.objects.create(name="Kawasan Menteng", region_id="31.71.06.1001")
    client.force_login(lurah)
    response = client.get(reverse("kawasan:list"), {"wilayah": JATINEGARA})
    names = [k.name for k in response.context["page"].object_list]
    assert names == ["Kawasan Rawa Bunga"]
    response = client.get(reverse("kawasan:list"), {"wilayah": "31.71"})
    assert [k.name for k in response.context["page"].object_list] == ["Kawasan Menteng"]


# ---- detail ----


def test_it_shows_the_map_data_with_members_links_and_hub(
    client, lurah, kawasan, sites, django_assert_max_num_queries
):
    make_link(sites["rptra"], sites["posyandu"])
    client.force_login(lurah)
    # 17 since the page carries the live score and next steps (issue 13): the policy, the
    # catalogue, scoring's inputs (3), the stored score and the type and cluster names.
    with django_assert_max_num_queries(17):
        response = client.get(kawasan.get_absolute_url())
    data = response.context["map_data"]
    assert {m["id"] for m in data["members"]} == {sites["rptra"].pk, sites["posyandu"].pk}
    assert data["hub"]["id"] == sites["rptra"].pk
    assert data["radius"] == 1000
    assert [(link["a"], link["b"]) for link in data["links"]] == [
        tuple(sorted([sites["rptra"].pk, sites["posyandu"].pk]))
    ]
    body = response.content.decode()
    assert 'id="kawasan-map-data"' in body
    assert 'id="kawasan-actions"' in body
    assert reverse("kawasan:member_add", args=[kawasan.pk]) in body


def test_it_keeps_private_members_hidden_from_other_users(client, lurah_other, kawasan, sites):
    client.force_login(lurah_other)
    response = client.get(kawasan.get_absolute_url())
    view = response.context["view"]
    assert [s.pk for s in view.members] == [sites["rptra"].pk]
    assert view.hidden_members == 1
    body = response.content.decode()
    assert "Posyandu Melati" not in body
    assert 'id="kawasan-actions"' not in body
    assert reverse("kawasan:member_add", args=[kawasan.pk]) not in body


def test_it_keeps_detail_queries_bounded_with_many_members(
    client, camat, kawasan, django_assert_max_num_queries
):
    for i in range(25):
        site = make_site(f"Posyandu {i:02}", types=("posyandu", "rptra"))
        Membership.objects.create(kawasan=kawasan, site=site)
    client.force_login(camat)
    # 17 since the page carries the live score and next steps (issue 13): the policy, the
    # catalogue, scoring's inputs (3), the stored score and the type and cluster names.
    with django_assert_max_num_queries(17):
        response = client.get(kawasan.get_absolute_url())
    assert len(response.context["map_data"]["members"]) == 27


def test_it_offers_public_sites_of_the_kecamatan_as_candidates(client, lurah, kawasan, sites):
    client.force_login(lurah)
    response = client.get(kawasan.get_absolute_url())
    candidates = {s.pk for s in response.context["candidates"]}
    assert sites["puskesmas"].pk in candidates
    assert sites["draft_km"].pk not in candidates  # private to Kampung Melayu
    assert sites["closed"].pk not in candidates
    assert sites["rptra"].pk not in candidates  # already a member
    response = client.get(kawasan.get_absolute_url(), {"q": "puskesmas"})
    assert [s.pk for s in response.context["candidates"]] == [sites["puskesmas"].pk]


# ---- create ----


def test_it_creates_a_kawasan_with_the_active_sites_of_the_region(client, lurah, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        response = client.post(
            reverse("kawasan:create"),
            {"name": "Kawasan Baru", "region": RAWA_BUNGA, "with_active_sites": "on"},
        )
    kawasan = Kawasan.objects.get(name="Kawasan Baru")
    assert response.status_code == 302
    assert response["Location"] == kawasan.get_absolute_url()
    members = set(kawasan.memberships.values_list("site_id", flat=True))
    # Closed sites and sites of other kelurahan stay out.
    assert members == {sites["rptra"].pk, sites["posyandu"].pk}
    assert kawasan.is_base is False
    assert [c["kawasan"].pk for c in calls] == [kawasan.pk]
    assert calls[0]["user"] == lurah


def test_it_lets_a_camat_create_a_kecamatan_kawasan(client, camat, sites):
    client.force_login(camat)
    client.post(
        reverse("kawasan:create"),
        {"name": "Kawasan Jatinegara", "region": JATINEGARA, "with_active_sites": "on"},
    )
    kawasan = Kawasan.objects.get(name="Kawasan Jatinegara")
    members = set(kawasan.memberships.values_list("site_id", flat=True))
    assert members == {s.pk for k, s in sites.items() if k != "closed"}


def test_it_refuses_a_region_outside_the_territory(client, lurah, sites):
    client.force_login(lurah)
    response = client.post(
        reverse("kawasan:create"), {"name": "Bukan milik", "region": KAMPUNG_MELAYU}
    )
    assert response.status_code == 200
    assert "wilayah tugas Anda" in response.context["form"].errors["region"][0]
    assert not Kawasan.objects.filter(name="Bukan milik").exists()
    # The choices name only the user's own territory.
    choices = [c for c, _label in response.context["form"].fields["region"].choices]
    assert [str(c) for c in choices] == [RAWA_BUNGA]


def test_it_can_create_without_members(client, lurah, sites):
    client.force_login(lurah)
    client.post(reverse("kawasan:create"), {"name": "Kosong", "region": RAWA_BUNGA})
    assert Kawasan.objects.get(name="Kosong").memberships.count() == 0


# ---- edit and hub rules ----


def test_it_renames_and_moves_the_hub_to_another_member(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        response = client.post(
            reverse("kawasan:edit", args=[kawasan.pk]),
            {
                "version": kawasan.version,
                "name": "Kawasan Rawa Bunga Raya",
                "hub": sites["posyandu"].pk,
            },
        )
    assert response.status_code == 302
    kawasan.refresh_from_db()
    assert kawasan.name == "Kawasan Rawa Bunga Raya"
    assert kawasan.hub_id == sites["posyandu"].pk
    assert len(calls) == 1


def test_it_refuses_a_hub_that_is_not_a_member(client, lurah, kawasan, sites):
    client.force_login(lurah)
    response = client.post(
        reverse("kawasan:edit", args=[kawasan.pk]),
        {"version": kawasan.version, "name": "Kawasan Rawa Bunga", "hub": sites["puskesmas"].pk},
    )
    assert response.status_code == 200
    assert "anggota kawasan" in response.context["form"].errors["hub"][0]
    kawasan.refresh_from_db()
    assert kawasan.hub_id == sites["rptra"].pk


def test_it_can_clear_the_hub(client, lurah, kawasan):
    client.force_login(lurah)
    client.post(
        reverse("kawasan:edit", args=[kawasan.pk]),
        {"version": kawasan.version, "name": "K", "hub": ""},
    )
    kawasan.refresh_from_db()
    assert kawasan.hub_id is None


def test_it_sends_no_signal_for_a_rename_only(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        client.post(
            reverse("kawasan:edit", args=[kawasan.pk]),
            {"version": kawasan.version, "name": "Nama Baru", "hub": sites["rptra"].pk},
        )
    assert calls == []


# ---- members ----


def test_it_adds_a_public_site_from_outside_the_territory(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        response = client.post(
            reverse("kawasan:member_add", args=[kawasan.pk]),
            {"version": kawasan.version, "site": sites["puskesmas"].pk},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(kawasan=kawasan, site=sites["puskesmas"])
    assert membership.added_by == lurah
    assert [(c["kawasan"].pk, c["user"]) for c in calls] == [(kawasan.pk, lurah)]


def test_it_cannot_add_a_site_the_user_cannot_see(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        response = client.post(
            reverse("kawasan:member_add", args=[kawasan.pk]),
            {"version": kawasan.version, "site": sites["draft_km"].pk},
        )
    assert response.status_code == 404
    assert not Membership.objects.filter(site=sites["draft_km"]).exists()
    assert calls == []


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_it_answers_404_for_a_bad_site_id(client, lurah, kawasan, value):
    client.force_login(lurah)
    response = client.post(
        reverse("kawasan:member_add", args=[kawasan.pk]),
        {"version": kawasan.version, "site": value},
    )
    assert response.status_code == 404


def test_it_adds_an_existing_member_only_once(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        client.post(
            reverse("kawasan:member_add", args=[kawasan.pk]),
            {"version": kawasan.version, "site": sites["rptra"].pk},
        )
    assert kawasan.memberships.filter(site=sites["rptra"]).count() == 1
    assert calls == []


def test_it_removes_a_member(client, camat, kawasan, sites):
    client.force_login(camat)
    with capture_kawasan_changed() as calls:
        response = client.post(
            reverse("kawasan:member_remove", args=[kawasan.pk, sites["posyandu"].pk]),
            {"version": kawasan.version},
        )
    assert response.status_code == 302
    assert not kawasan.memberships.filter(site=sites["posyandu"]).exists()
    kawasan.refresh_from_db()
    assert kawasan.hub_id == sites["rptra"].pk
    assert len(calls) == 1


def test_it_clears_the_hub_when_the_hub_is_removed(client, lurah, kawasan, sites):
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        client.post(
            reverse("kawasan:member_remove", args=[kawasan.pk, sites["rptra"].pk]),
            {"version": kawasan.version},
        )
    kawasan.refresh_from_db()
    assert kawasan.hub_id is None
    assert set(kawasan.memberships.values_list("site_id", flat=True)) == {sites["posyandu"].pk}
    assert len(calls) == 1


def test_it_answers_404_when_removing_a_non_member(client, lurah, kawasan, sites):
    client.force_login(lurah)
    url = reverse("kawasan:member_remove", args=[kawasan.pk, sites["puskesmas"].pk])
    assert client.post(url).status_code == 404


def test_it_lets_an_admin_change_any_kawasan(client, kawasan, sites):
    admin = make_user("admin", "admin", "31")
    client.force_login(admin)
    response = client.post(
        reverse("kawasan:member_add", args=[kawasan.pk]),
        {"version": kawasan.version, "site": sites["draft_km"].pk},
    )
    assert response.status_code == 302
    assert kawasan.memberships.filter(site=sites["draft_km"]).exists()


# ---- every write carries its version; hidden members stay hidden ----


def test_a_stale_edit_is_refused_and_keeps_what_the_user_typed(client, lurah, camat, kawasan):
    read_at = kawasan.version
    client.force_login(camat)
    url = reverse("kawasan:edit", args=[kawasan.pk])
    client.post(url, {"name": "Nama dari Camat", "hub": "", "version": read_at})
    client.force_login(lurah)
    response = client.post(url, {"name": "Nama dari Lurah", "hub": "", "version": read_at})
    assert response.status_code == 409
    html = response.content.decode()
    assert "sudah diubah orang lain" in html
    assert 'value="Nama dari Lurah"' in html  # nothing the user typed is lost
    assert "Nama dari Camat" in html  # and what is saved now is shown
    kawasan.refresh_from_db()
    assert kawasan.name == "Nama dari Camat" and kawasan.version == read_at + 1
    # Saving again from that page (it carries the current version) overwrites knowingly.
    again = client.post(url, {"name": "Nama dari Lurah", "hub": "", "version": read_at + 1})
    assert again.status_code == 302
    kawasan.refresh_from_db()
    assert kawasan.name == "Nama dari Lurah" and kawasan.version == read_at + 2


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_write_without_its_version_is_refused_like_a_stale_one(
    client, lurah, kawasan, sites, version
):
    client.force_login(lurah)
    extra = {} if version is None else {"version": version}
    before = (kawasan.name, kawasan.hub_id, kawasan.version)
    edit = client.post(
        reverse("kawasan:edit", args=[kawasan.pk]), {"name": "Baru", "hub": "", **extra}
    )
    assert edit.status_code == 409
    add = client.post(
        reverse("kawasan:member_add", args=[kawasan.pk]),
        {"site": sites["puskesmas"].pk, **extra},
        follow=True,
    )
    assert "sudah diubah orang lain" in add.content.decode()
    remove = client.post(
        reverse("kawasan:member_remove", args=[kawasan.pk, sites["posyandu"].pk]),
        extra,
        follow=True,
    )
    assert "sudah diubah orang lain" in remove.content.decode()
    kawasan.refresh_from_db()
    assert (kawasan.name, kawasan.hub_id, kawasan.version) == before
    assert set(kawasan.memberships.values_list("site_id", flat=True)) == {
        sites["rptra"].pk,
        sites["posyandu"].pk,
    }


def test_a_hidden_member_answers_like_a_non_member(client, lurah, kawasan, sites):
    # Another kelurahan's draft in this kawasan (e.g. added by the camat): the lurah cannot
    # tell it from a site that is not a member, and never reads its name.
    Membership.objects.create(kawasan=kawasan, site=sites["draft_km"])
    client.force_login(lurah)
    data = {"version": kawasan.version}
    hidden = client.post(
        reverse("kawasan:member_remove", args=[kawasan.pk, sites["draft_km"].pk]), data
    )
    not_member = client.post(
        reverse("kawasan:member_remove", args=[kawasan.pk, sites["closed"].pk]), data
    )
    assert hidden.status_code == not_member.status_code == 404
    assert "SD Draf Kampung Melayu" not in hidden.content.decode()
    assert kawasan.memberships.filter(site=sites["draft_km"]).exists()


def test_the_services_check_the_right_themselves(lurah_other, kawasan, sites):
    from django.core.exceptions import PermissionDenied

    from kawasan import membership

    for call in (
        lambda: membership.kawasan_update(
            kawasan=kawasan, user=lurah_other, name="X", hub=None, version=kawasan.version
        ),
        lambda: membership.kawasan_member_add(
            kawasan=kawasan, site=sites["puskesmas"], user=lurah_other, version=kawasan.version
        ),
        lambda: membership.kawasan_member_remove(
            kawasan=kawasan, site=sites["posyandu"], user=lurah_other, version=kawasan.version
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    kawasan.refresh_from_db()
    assert kawasan.name == "Kawasan Rawa Bunga"
