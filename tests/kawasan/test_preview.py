"""Previews of kawasan edits: the score before and after, from the same pure function on the
changed inputs, nothing written until confirmed; the confirmation carries the version."""

import pytest
from django.urls import reverse

from kawasan.models import Kawasan, KawasanChange, Membership
from scoring.models import KawasanScore, RecomputeRequest
from scoring.selectors import kawasan_inputs
from scoring.services import scores_recompute
from sites.models import OperatingStatus
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_link, make_site, point_in
from tests.kawasan.test_views import capture_kawasan_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    rptra = make_site("RPTRA Rawa Bunga", types=("rptra",), public=True)
    return {
        "rptra": rptra,
        "posyandu": make_site("Posyandu Melati", types=("posyandu",), public=True),
        # Public, in the next kelurahan, 300 m from the hub and linked to it: adding it adds
        # coverage, a cluster edge and a hub link.
        "puskesmas": make_site(
            "Puskesmas Kecamatan Jatinegara",
            kelurahan=KAMPUNG_MELAYU,
            public=True,
            location=point_in(RAWA_BUNGA, dx_m=300),
        ),
        "sd": make_site(
            "SD Negeri 01", types=("sd",), public=True, location=point_in(RAWA_BUNGA, dy_m=1500)
        ),
        # A draft of the next kelurahan: the lurah of Rawa Bunga may not see it.
        "draft_km": make_site("SD Draf Kampung Melayu", kelurahan=KAMPUNG_MELAYU, types=("sd",)),
        "closed": make_site(
            "Posyandu Lama", types=("posyandu",), operating_status=OperatingStatus.CLOSED
        ),
    }


@pytest.fixture
def kawasan(sites):
    k = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA)
    for key in ("rptra", "posyandu", "sd"):
        Membership.objects.create(kawasan=k, site=sites[key])
    k.hub = sites["rptra"]
    k.save()
    make_link(sites["rptra"], sites["puskesmas"])
    make_link(sites["rptra"], sites["posyandu"])
    scores_recompute(kawasan_ids=[k.pk])
    return k


def _add(kawasan, site):
    return reverse("kawasan:member_add_preview", args=[kawasan.pk]) + f"?site={site.pk}"


def _remove(kawasan, site):
    return reverse("kawasan:member_remove_preview", args=[kawasan.pk, site.pk])


def _hub(kawasan, site):
    return reverse("kawasan:hub_preview", args=[kawasan.pk]) + f"?hub={site.pk if site else ''}"


def _confirm(client, response):
    """Post the preview's confirmation form as the browser would."""
    ctx = response.context
    return client.post(ctx["confirm_url"], {k: str(v) for k, v in ctx["fields"].items()})


def _counts():
    return (
        Membership.objects.count(),
        KawasanChange.objects.count(),
        RecomputeRequest.objects.count(),
        list(KawasanScore.objects.values_list("kawasan_id", "total", "computed_at")),
        list(Kawasan.objects.values_list("pk", "version", "hub_id", "name")),
    )


CHANGES = {
    "add a linked site": lambda k, s: _add(k, s["puskesmas"]),
    "add a far site": lambda k, s: _add(k, s["closed"]),
    "remove a member": lambda k, s: _remove(k, s["posyandu"]),
    "remove the hub": lambda k, s: _remove(k, s["rptra"]),
    "move the hub": lambda k, s: _hub(k, s["posyandu"]),
    "clear the hub": lambda k, s: _hub(k, None),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_preview_is_what_saving_and_recomputing_stores(
    client, camat, kawasan, sites, change, django_capture_on_commit_callbacks
):
    stored_before = KawasanScore.objects.get(kawasan=kawasan)
    client.force_login(camat)
    response = client.get(CHANGES[change](kawasan, sites))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.before.total == stored_before.total
    assert preview.before.band == stored_before.band
    html = response.content.decode()
    assert 'id="preview-table"' in html
    assert f'value="{kawasan.version}"' in html  # the confirmation carries the version

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = _confirm(client, response)
    assert confirmed.status_code == 302
    # The changed input is exactly the one scoring reads from the saved rows ...
    today = preview.changed.today
    assert kawasan_inputs([kawasan.pk], today=today)[kawasan.pk] == preview.changed
    # ... so the recompute after the confirmation stores the previewed score.
    scores_recompute(kawasan_ids=[kawasan.pk], today=today)
    stored = KawasanScore.objects.get(kawasan=kawasan)
    assert stored.total == preview.after.total
    assert stored.band == preview.after.band
    for component in ("coverage", "connectivity", "proximity", "freshness"):
        assert getattr(stored, component) == pytest.approx(getattr(preview.after, component))
    assert preview.points == round(preview.after.total - preview.before.total, 1)


def test_adding_a_linked_site_shows_the_gain_and_its_components(client, camat, kawasan, sites):
    client.force_login(camat)
    response = client.get(_add(kawasan, sites["puskesmas"]))
    preview = response.context["preview"]
    assert preview.after.total > preview.before.total
    by_name = {c.name: c for c in preview.components}
    assert by_name["coverage"].points > 0
    assert by_name["connectivity"].after > by_name["connectivity"].before
    assert sum(c.points for c in preview.components) == pytest.approx(preview.points, abs=0.2)
    html = response.content.decode()
    assert "Puskesmas Kecamatan Jatinegara" in html
    assert "Belum ada yang disimpan." in html


def test_removing_the_hub_warns_that_the_kawasan_loses_it(client, camat, kawasan, sites):
    client.force_login(camat)
    response = client.get(_remove(kawasan, sites["rptra"]))
    assert response.context["removes_hub"] is True
    assert "kawasan tanpa pusat" in response.content.decode()
    assert response.context["preview"].after.details["hub_id"] is None


@pytest.mark.parametrize("change", CHANGES)
def test_a_preview_writes_nothing(client, lurah, kawasan, sites, change):
    before = _counts()
    client.force_login(lurah)
    with capture_kawasan_changed() as calls:
        response = client.get(CHANGES[change](kawasan, sites))
    assert response.status_code == 200
    assert _counts() == before
    assert calls == []


def test_the_edit_forms_preview_writes_nothing_and_its_confirmation_saves(
    client, lurah, kawasan, sites
):
    client.force_login(lurah)
    before = _counts()
    data = {"name": "Kawasan Rawa Bunga Raya", "hub": sites["posyandu"].pk}
    response = client.post(
        reverse("kawasan:hub_preview", args=[kawasan.pk]), {**data, "version": kawasan.version}
    )
    assert response.status_code == 200
    assert _counts() == before
    assert response.context["new_name"] == "Kawasan Rawa Bunga Raya"
    assert response.context["preview"] is not None
    assert _confirm(client, response).status_code == 302
    kawasan.refresh_from_db()
    assert (kawasan.name, kawasan.hub_id) == ("Kawasan Rawa Bunga Raya", sites["posyandu"].pk)


def test_the_edit_form_goes_to_the_preview(client, lurah, kawasan):
    client.force_login(lurah)
    html = client.get(reverse("kawasan:edit", args=[kawasan.pk])).content.decode()
    assert f'formaction="{reverse("kawasan:hub_preview", args=[kawasan.pk])}"' in html


def test_a_rename_alone_previews_no_score_change(client, lurah, kawasan, sites):
    client.force_login(lurah)
    response = client.post(
        reverse("kawasan:hub_preview", args=[kawasan.pk]),
        {"name": "Nama Baru", "hub": sites["rptra"].pk, "version": kawasan.version},
    )
    assert response.context["preview"] is None
    assert "skor kawasan tetap" in response.content.decode()


def test_the_edit_forms_preview_refuses_a_missing_version(client, lurah, kawasan, sites):
    client.force_login(lurah)
    response = client.post(
        reverse("kawasan:hub_preview", args=[kawasan.pk]),
        {"name": "X", "hub": sites["rptra"].pk},
    )
    assert response.status_code == 409


def test_a_stale_preview_warns_and_its_confirmation_is_refused(client, lurah, kawasan, sites):
    client.force_login(lurah)
    read_at = kawasan.version
    response = client.post(
        reverse("kawasan:hub_preview", args=[kawasan.pk]),
        {"name": "Nama", "hub": sites["posyandu"].pk, "version": read_at - 1 or 99},
    )
    assert "sudah diubah orang lain" in response.content.decode()
    assert _confirm(client, response).status_code == 409
    kawasan.refresh_from_db()
    assert (kawasan.hub_id, kawasan.version) == (sites["rptra"].pk, read_at)


def test_a_confirmation_after_someone_elses_edit_is_refused(client, lurah, camat, kawasan, sites):
    client.force_login(camat)
    response = client.get(_add(kawasan, sites["puskesmas"]))
    # Meanwhile the lurah removes a member.
    client.force_login(lurah)
    client.post(
        reverse("kawasan:member_remove", args=[kawasan.pk, sites["sd"].pk]),
        {"version": kawasan.version},
    )
    client.force_login(camat)
    confirmed = _confirm(client, response)
    assert confirmed.status_code == 302
    assert "sudah diubah orang lain" in client.get(confirmed["Location"]).content.decode()
    assert not kawasan.memberships.filter(site=sites["puskesmas"]).exists()


def test_an_existing_member_is_not_previewed_again(client, lurah, kawasan, sites):
    client.force_login(lurah)
    response = client.get(_add(kawasan, sites["posyandu"]))
    assert response.context["already"] is True
    assert 'id="preview-confirm"' not in response.content.decode()


# ---- who may preview: the write's own rules ----


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("lurah", 200), ("camat", 200), ("lurah_other", 404), ("sudinkes", 404), ("provinsi", 403)],
)
@pytest.mark.parametrize("change", ["add a linked site", "remove a member", "move the hub"])
def test_previews_are_scoped_like_the_writes(
    request, client, kawasan, sites, persona, expected, change
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CHANGES[change](kawasan, sites)).status_code == expected


def test_a_hidden_site_answers_like_a_missing_one(client, lurah, kawasan, sites):
    Membership.objects.create(kawasan=kawasan, site=sites["draft_km"])  # by the camat
    client.force_login(lurah)
    for url in (_add(kawasan, sites["draft_km"]), _remove(kawasan, sites["draft_km"])):
        response = client.get(url)
        assert response.status_code == 404
        assert "SD Draf Kampung Melayu" not in response.content.decode()
    assert client.get(_remove(kawasan, sites["puskesmas"])).status_code == 404  # not a member
    hub = client.get(_hub(kawasan, sites["draft_km"]))
    assert hub.status_code == 200 and "hub" in hub.context["form"].errors
    assert "SD Draf Kampung Melayu" not in hub.content.decode()
    for bad in ("", "abc", "9" * 30):
        url = reverse("kawasan:member_add_preview", args=[kawasan.pk]) + f"?site={bad}"
        assert client.get(url).status_code == 404


def test_previews_read_a_bounded_number_of_queries(
    client, camat, kawasan, sites, django_assert_max_num_queries
):
    for i in range(25):
        site = make_site(f"Posyandu {i:02}", types=("posyandu", "rptra"), public=True)
        Membership.objects.create(kawasan=kawasan, site=site)
        make_link(site, sites["rptra"])
    client.force_login(camat)
    for url, bound in (
        # The session, the user, the grants, the kawasan, the site (and its types), the
        # policy, the catalogue, scoring's inputs (3); to add, whether it is a member, its
        # input and links (3); the old hub's visibility.
        (_add(kawasan, sites["puskesmas"]), 15),
        (_remove(kawasan, sites["posyandu"]), 11),
        (_hub(kawasan, sites["posyandu"]), 10),
    ):
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200
