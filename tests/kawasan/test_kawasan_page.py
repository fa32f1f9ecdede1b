"""The camat's kawasan page: score, band, components and next steps; candidates nearest the
hub first; a removal taken back; the list opening on the user's own territory."""

import time

import pytest
from django.urls import reverse

from kawasan import undo
from kawasan.models import Kawasan, KawasanAction, KawasanChange, Membership
from scoring.services import scores_recompute
from tests.conftest import make_user
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, make_link, make_site, point_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    return {
        "rptra": make_site("RPTRA Rawa Bunga", types=("rptra",), public=True),
        "posyandu": make_site("Posyandu Melati", types=("posyandu",), public=True),
        "draft": make_site("Posyandu Draf RB", types=("posyandu",)),
    }


@pytest.fixture
def kawasan(sites):
    k = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA)
    for site in sites.values():
        Membership.objects.create(kawasan=k, site=site)
    k.hub = sites["rptra"]
    k.save()
    make_link(sites["rptra"], sites["posyandu"])
    scores_recompute(kawasan_ids=[k.pk])
    return k


# ---- score, band, components, next steps ----


def test_the_page_carries_the_score_band_components_and_next_steps(client, camat, kawasan):
    client.force_login(camat)
    response = client.get(kawasan.get_absolute_url())
    report = response.context["report"]
    html = response.content.decode()
    assert 'id="kawasan-score"' in html
    assert f"{report.breakdown.total:.1f}".replace(".", ",") in html
    assert f"band-{report.breakdown.band.lower()}" in html
    assert "Empat komponen" in html and "0,45 cakupan" in html
    assert report.steps and 'id="next-steps"' in html
    assert report.steps[0].text in html


def test_a_stranger_sees_the_score_but_no_actions_nor_hidden_members(client, lurah_other, kawasan):
    client.force_login(lurah_other)
    html = client.get(kawasan.get_absolute_url()).content.decode()
    assert 'id="kawasan-score"' in html
    assert "Posyandu Draf RB" not in html
    assert "Keluarkan" not in html and "Urungkan" not in html


def test_members_offer_a_preview_to_leave_or_to_become_the_hub(client, camat, kawasan, sites):
    client.force_login(camat)
    html = client.get(kawasan.get_absolute_url()).content.decode()
    assert reverse("kawasan:member_remove_preview", args=[kawasan.pk, sites["posyandu"].pk]) in html
    assert (
        reverse("kawasan:hub_preview", args=[kawasan.pk]) + f"?hub={sites['posyandu'].pk}" in html
    )
    # No one-tap removal left: removing goes through its preview.
    assert (
        f'action="{reverse("kawasan:member_remove", args=[kawasan.pk, sites["posyandu"].pk])}"'
        not in html
    )


# ---- candidates by distance to the hub ----


def test_candidates_come_nearest_the_hub_first_with_their_distance(client, camat, kawasan, sites):
    hub = sites["rptra"].location
    far = make_site(
        "SD Jauh",
        KAMPUNG_MELAYU,
        types=("sd",),
        public=True,
        location=point_in(RAWA_BUNGA, dx_m=900),
    )
    near = make_site(
        "Puskesmas Dekat", KAMPUNG_MELAYU, public=True, location=point_in(RAWA_BUNGA, dx_m=120)
    )
    middle = make_site(
        "Apotek Tengah", RAWA_BUNGA, public=True, location=point_in(RAWA_BUNGA, dy_m=400)
    )
    assert hub.distance(near.location) < hub.distance(middle.location) < hub.distance(far.location)
    client.force_login(camat)
    response = client.get(kawasan.get_absolute_url())
    candidates = response.context["candidates"]
    order = [c.pk for c in candidates]
    assert order.index(near.pk) < order.index(middle.pk) < order.index(far.pk)
    distances = [c.hub_distance_m for c in candidates]
    assert distances == sorted(distances)
    by_pk = {c.pk: c for c in candidates}
    assert by_pk[near.pk].hub_distance_m == pytest.approx(120, abs=5)
    html = response.content.decode()
    assert f"{by_pk[near.pk].hub_distance_m:.0f} m dari pusat" in html
    add = reverse("kawasan:member_add_preview", args=[kawasan.pk]) + f"?site={near.pk}"
    assert add in html


def test_without_a_hub_candidates_come_by_name(client, camat, kawasan):
    Kawasan.objects.filter(pk=kawasan.pk).update(hub=None)
    make_site("Zebra Posyandu", public=True)
    make_site("Anggrek Posyandu", public=True)
    client.force_login(camat)
    candidates = client.get(kawasan.get_absolute_url()).context["candidates"]
    names = [c.name for c in candidates]
    assert names == sorted(names)
    assert all(c.hub_distance_m is None for c in candidates)


def test_no_distance_is_measured_to_a_hub_the_user_may_not_see(client, lurah, kawasan):
    # The camat made another kelurahan's draft the hub: distances to it would place it.
    hidden = make_site("SD Draf Kampung Melayu", KAMPUNG_MELAYU, types=("sd",))
    Membership.objects.create(kawasan=kawasan, site=hidden)
    Kawasan.objects.filter(pk=kawasan.pk).update(hub=hidden)
    make_site("Posyandu Calon", public=True, location=point_in(RAWA_BUNGA, dx_m=200))
    client.force_login(lurah)
    response = client.get(kawasan.get_absolute_url())
    assert all(distance is None for _site, distance in response.context["member_rows"])
    assert response.context["candidates"]
    assert all(c.hub_distance_m is None for c in response.context["candidates"])
    html = response.content.decode()
    assert 'class="distance"' not in html and "SD Draf Kampung Melayu" not in html
    assert "situs lain (tidak dapat ditampilkan)" in html


# ---- undo a removal ----


def _remove(client, kawasan, site):
    kawasan.refresh_from_db()
    return client.post(
        reverse("kawasan:member_remove", args=[kawasan.pk, site.pk]), {"version": kawasan.version}
    )


def _undo(client, kawasan, site, version="current"):
    kawasan.refresh_from_db()
    data = {"site": site.pk}
    if version == "current":
        data["version"] = kawasan.version
    elif version is not None:
        data["version"] = version
    return client.post(reverse("kawasan:member_undo", args=[kawasan.pk]), data, follow=True)


def test_a_removal_can_be_taken_back(client, camat, kawasan, sites):
    client.force_login(camat)
    removed = _remove(client, kawasan, sites["posyandu"])
    page = client.get(removed["Location"])
    html = page.content.decode()
    assert 'id="undo-removal"' in html and "Urungkan" in html
    assert page.context["undo_site"] == sites["posyandu"]
    version = Kawasan.objects.get(pk=kawasan.pk).version
    assert f'name="version" value="{version}"' in html

    response = _undo(client, kawasan, sites["posyandu"])
    assert "kembali menjadi anggota" in response.content.decode()
    assert kawasan.memberships.filter(site=sites["posyandu"]).exists()
    kawasan.refresh_from_db()
    assert kawasan.version == version + 1
    last = KawasanChange.objects.filter(kawasan=kawasan).first()
    assert last.action == KawasanAction.MEMBER_ADDED and last.user == camat
    # Taken once: no second offer.
    assert 'id="undo-removal"' not in response.content.decode()
    assert (
        "tidak dapat diurungkan lagi" in _undo(client, kawasan, sites["posyandu"]).content.decode()
    )


def test_undoing_the_hubs_removal_makes_it_the_hub_again(client, camat, kawasan, sites):
    client.force_login(camat)
    _remove(client, kawasan, sites["rptra"])
    kawasan.refresh_from_db()
    assert kawasan.hub_id is None
    _undo(client, kawasan, sites["rptra"])
    kawasan.refresh_from_db()
    assert kawasan.hub_id == sites["rptra"].pk
    assert kawasan.memberships.filter(site=sites["rptra"]).exists()


@pytest.mark.parametrize("version", [None, "", "abc", "1"])
def test_an_undo_without_the_current_version_is_refused(client, camat, kawasan, sites, version):
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    response = _undo(client, kawasan, sites["posyandu"], version=version)
    assert "sudah diubah orang lain" in response.content.decode()
    assert not kawasan.memberships.filter(site=sites["posyandu"]).exists()
    # Still on offer: the request was wrong, not the kawasan.
    assert _undo(client, kawasan, sites["posyandu"]).status_code == 200
    assert kawasan.memberships.filter(site=sites["posyandu"]).exists()


def test_no_undo_once_someone_changed_the_kawasan(client, camat, lurah, kawasan, sites):
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    other = make_site("Posyandu Baru", public=True)
    kawasan.refresh_from_db()
    client.force_login(lurah)
    client.post(
        reverse("kawasan:member_add", args=[kawasan.pk]),
        {"site": other.pk, "version": kawasan.version},
    )
    client.force_login(camat)  # a new session: the offer is gone with the old one anyway
    html = client.get(kawasan.get_absolute_url()).content.decode()
    assert 'id="undo-removal"' not in html
    assert (
        "tidak dapat diurungkan lagi" in _undo(client, kawasan, sites["posyandu"]).content.decode()
    )
    assert not kawasan.memberships.filter(site=sites["posyandu"]).exists()


def test_no_undo_after_someone_elses_edit_in_the_same_session(client, camat, kawasan, sites):
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    Kawasan.objects.filter(pk=kawasan.pk).update(version=kawasan.version + 5)
    assert client.get(kawasan.get_absolute_url()).context["undo_offer"] is None
    assert (
        "tidak dapat diurungkan lagi" in _undo(client, kawasan, sites["posyandu"]).content.decode()
    )
    assert not kawasan.memberships.filter(site=sites["posyandu"]).exists()


def test_an_undo_is_the_removers_own_and_short_lived(client, camat, kawasan, sites):
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    session = client.session
    offer = session[undo.SESSION_KEY]
    # Another user in this session (a shared computer after a sign-in) gets no offer.
    session[undo.SESSION_KEY] = {**offer, "user": camat.pk + 1000}
    session.save()
    assert client.get(kawasan.get_absolute_url()).context["undo_offer"] is None
    # Too late.
    session[undo.SESSION_KEY] = {**offer, "at": time.time() - undo.UNDO_SECONDS - 1}
    session.save()
    assert client.get(kawasan.get_absolute_url()).context["undo_offer"] is None
    assert (
        "tidak dapat diurungkan lagi" in _undo(client, kawasan, sites["posyandu"]).content.decode()
    )
    assert not kawasan.memberships.filter(site=sites["posyandu"]).exists()


def test_an_undo_needs_the_right_to_change(client, camat, lurah_other, kawasan, sites):
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    client.force_login(lurah_other)
    url = reverse("kawasan:member_undo", args=[kawasan.pk])
    response = client.post(url, {"site": sites["posyandu"].pk, "version": kawasan.version + 1})
    assert response.status_code == 404
    assert client.get(url).status_code == 405


def test_the_page_with_an_undo_on_offer_reads_a_bounded_number_of_queries(
    client, camat, kawasan, sites, django_assert_max_num_queries
):
    for i in range(25):
        Membership.objects.create(
            kawasan=kawasan, site=make_site(f"Posyandu {i:02}", types=("posyandu",), public=True)
        )
    client.force_login(camat)
    _remove(client, kawasan, sites["posyandu"])
    # The detail's 17 and the removed site's name.
    with django_assert_max_num_queries(18):
        response = client.get(kawasan.get_absolute_url())
    assert response.context["undo_offer"] is not None


# ---- the list opens on the user's own territory ----


@pytest.fixture
def spread():
    return {
        "rb": Kawasan.objects.create(name="K Rawa Bunga", region_id=RAWA_BUNGA),
        "km": Kawasan.objects.create(name="K Kampung Melayu", region_id=KAMPUNG_MELAYU),
        "menteng": Kawasan.objects.create(name="K Menteng", region_id=MENTENG),
    }


def _listed(response):
    return {k.name for k in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("lurah", {"K Rawa Bunga"}),
        ("camat", {"K Rawa Bunga", "K Kampung Melayu"}),
        ("provinsi", {"K Rawa Bunga", "K Kampung Melayu", "K Menteng"}),
        ("sudinkes", {"K Rawa Bunga", "K Kampung Melayu", "K Menteng"}),
        ("nobody", {"K Rawa Bunga", "K Kampung Melayu", "K Menteng"}),
    ],
)
def test_the_list_opens_on_the_users_own_territory(request, client, spread, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("kawasan:list"))
    assert _listed(response) == expected
    territorial = persona in ("lurah", "camat")
    assert ('id="own-territory"' in response.content.decode()) is territorial
    # "Semua wilayah" (an empty choice) shows all of DKI.
    everything = client.get(reverse("kawasan:list"), {"wilayah": ""})
    assert _listed(everything) == {"K Rawa Bunga", "K Kampung Melayu", "K Menteng"}


def test_a_lurahs_kelurahan_is_the_chosen_filter(client, lurah, spread):
    client.force_login(lurah)
    response = client.get(reverse("kawasan:list"))
    assert response.context["region"].code == RAWA_BUNGA
    assert f'<option value="{RAWA_BUNGA}" selected>' in response.content.decode()


def test_a_user_with_two_territories_opens_on_both(client, spread):
    user = make_user("dua", "lurah", RAWA_BUNGA)
    user.assignments.create(role="lurah", region_id=MENTENG)
    client.force_login(user)
    assert _listed(client.get(reverse("kawasan:list"))) == {"K Rawa Bunga", "K Menteng"}
