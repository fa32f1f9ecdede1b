"""The API joins the scoping matrices: every endpoint x every persona x objects in and out of
their scope, by session and by token, and nothing for anonymous callers.

What each persona may see is asked of the one rule (Site.objects.visible_to), as the pages'
matrices do; the scores and rankings, whose rule is the reports' and the rankings page's, are
also written out as a table, so a change of that rule shows here.
"""

import json

import pytest
from django.urls import reverse

from scoring import services as scoring_services
from sites.models import Site
from sites.selectors import HIDDEN_SITE
from tests.api.conftest import PERSONAS, VIAS
from tests.surfaces import GET_PAGES

pytestmark = pytest.mark.django_db

API_NAMES = sorted(name for name in GET_PAGES if name.startswith("api:"))


def _json(response):
    return json.loads(response.content)


def _visible_ids(user) -> set[int]:
    return set(Site.objects.visible_to(user).values_list("pk", flat=True))


@pytest.fixture
def scored(world):
    scoring_services.scores_recompute(kawasan_ids=[k.pk for k in world.kawasans])
    return world


def _api_paths(world) -> list[str]:
    return [path for name in API_NAMES for path in GET_PAGES[name](world)]


# --- anonymous ----------------------------------------------------------------------------


def test_anonymous_callers_are_refused_everywhere(client, world):
    for path in _api_paths(world):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"].startswith("Bearer"), path
        assert b"RAHASIA" not in response.content, path


def test_a_made_up_or_malformed_token_is_refused(client, world):
    url = reverse("api:site-list")
    for header in ("Bearer", "Bearer nope", "Bearer a b", "Bearer \u00e9t\u00e9"):
        response = client.get(url, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


def test_token_pages_need_a_session(client, world):
    response = client.get(reverse("tokens:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- session and token give the same answers ----------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_session_and_token_see_the_same(caller, scored, persona):
    by_session, by_token = caller(persona, "session"), caller(persona, "token")
    for path in _api_paths(scored):
        if path.startswith(reverse("api:docs")):
            continue  # an HTML page with this request's nonce and CSRF token in it
        a, b = by_session.get(path), by_token.get(path)
        assert (a.status_code, a.content) == (b.status_code, b.content), path


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_api_answer_names_what_the_rule_hides(caller, scored, persona):
    forbidden = scored.forbidden_for(scored.users[persona])
    assert forbidden or persona == "provinsi"
    leaks = []
    for via in VIAS:
        call = caller(persona, via)
        for path in _api_paths(scored):
            response = call.get(path)
            assert response.status_code < 500, (path, response.status_code)
            body = response.content.decode()
            leaks += [(via, path, secret) for secret in forbidden if secret in body]
    assert not leaks, f"{persona} reads what is hidden from them: {leaks}"


# --- sites --------------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_sites_are_exactly_those_the_user_may_see(caller, world, persona, via):
    call = caller(persona, via)
    expected = _visible_ids(world.users[persona])
    response = call.get(reverse("api:site-list") + "?page_size=500")
    assert response.status_code == 200
    data = _json(response)
    assert data["type"] == "FeatureCollection"
    assert {f["id"] for f in data["features"]} == expected
    assert data["count"] == len(expected)
    for site in world.sites:
        detail = call.get(reverse("api:site-detail", args=[site.pk]))
        # Out of scope: 404, like the site page (never 403: that would tell it exists).
        assert detail.status_code == (200 if site.pk in expected else 404), (persona, site)


def test_the_rule_as_the_personas_meet_it(world):
    # A few facts of the world the matrix above leans on, written out.
    draft_km, draft_menteng, rptra, draft_rb, puskesmas = world.sites
    public = {rptra.pk, puskesmas.pk}
    assert _visible_ids(world.users["nobody"]) == public
    assert _visible_ids(world.users["lurah"]) == public | {draft_rb.pk}
    assert _visible_ids(world.users["lurah_other"]) == public | {draft_km.pk}
    assert draft_menteng.pk in _visible_ids(world.users["provinsi"])


def test_a_site_page_names_a_hidden_link_end_only_as_hidden(caller, world):
    draft_km, _menteng, rptra, _rb, puskesmas = world.sites
    links = _json(caller("lurah", "token").get(reverse("api:site-detail", args=[rptra.pk])))[
        "properties"
    ]["links"]
    others = sorted((link["other"]["id"] or 0, link["other"]["name"]) for link in links)
    assert others == [(0, str(HIDDEN_SITE)), (puskesmas.pk, puskesmas.name)]
    links = _json(caller("lurah_other", "token").get(reverse("api:site-detail", args=[rptra.pk])))[
        "properties"
    ]["links"]
    assert {link["other"]["id"] for link in links} == {draft_km.pk, puskesmas.pk}


def test_site_filters_are_the_pages_own(caller, world):
    call = caller("camat", "token")
    draft = _json(call.get(reverse("api:site-list") + "?review_state=draft"))
    assert {f["properties"]["review_state"] for f in draft["features"]} == {"draft"}
    found = _json(call.get(reverse("api:site-list") + "?q=Puskesmas"))
    assert [f["properties"]["name"] for f in found["features"]] == ["Puskesmas Publik Rawa Bunga"]
    # The region filter offers the user's territory only (sites.selectors.region_choices_for):
    # another kota is refused as on the page.
    refused = call.get(reverse("api:site-list") + "?region=31.71")
    assert refused.status_code == 400
    assert "region" in _json(refused)


# --- kawasan ------------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_kawasan_members_and_hub_follow_the_rule(caller, world, persona, via):
    call = caller(persona, via)
    visible = _visible_ids(world.users[persona])
    listed = _json(call.get(reverse("api:kawasan-list")))
    # Kawasan are public facts to signed-in users: all of them, counted by visible members.
    assert {k["id"] for k in listed["results"]} == {k.pk for k in world.kawasans}
    for kawasan in world.kawasans:
        members = set(kawasan.memberships.values_list("site_id", flat=True))
        row = next(k for k in listed["results"] if k["id"] == kawasan.pk)
        assert row["member_count"] == len(members & visible)
        detail = call.get(reverse("api:kawasan-detail", args=[kawasan.pk]))
        assert detail.status_code == 200
        data = _json(detail)
        assert {m["id"] for m in data["members"]} == members & visible
        hub_seen = kawasan.hub_id in visible
        assert data["hub"]["hidden"] is (not hub_seen)
        assert data["hub"]["id"] == (kawasan.hub_id if hub_seen else None)
        if not hub_seen:  # no distance to a hidden hub: it would tell where it is
            assert {m["hub_distance_m"] for m in data["members"]} == {None}
        member_ids = {m["id"] for m in data["members"]}
        for link in data["links"]:
            assert {link["a"], link["b"]} <= member_ids


def test_an_unknown_kawasan_is_404(caller, world):
    assert (
        caller("provinsi", "token").get(reverse("api:kawasan-detail", args=[999999])).status_code
        == 404
    )


# --- scores -------------------------------------------------------------------------------

# Kawasan Uji KM (Kampung Melayu) and Kawasan Uji RB (Rawa Bunga): the kawasan report's rule
# (out of every grant 404, reached by a sector grant only 403).
SCORE_STATUS = {
    "lurah": (404, 200),
    "lurah_other": (200, 404),
    "camat": (200, 200),
    "sudinkes": (403, 403),
    "sudindik": (403, 403),
    "provinsi": (200, 200),
    "nobody": (404, 404),
    # Lurah of Kampung Melayu and education officer of Jakarta Pusat: its own kawasan only.
    "dual": (200, 404),
}


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_scores_follow_the_reports_rule(caller, scored, persona, via):
    call = caller(persona, via)
    km, rb = scored.kawasans
    statuses = tuple(
        call.get(reverse("api:score-detail", args=[k.pk])).status_code for k in (km, rb)
    )
    assert statuses == SCORE_STATUS[persona]
    listed = _json(call.get(reverse("api:score-list")))
    expected = {k.pk for k, status in zip((km, rb), statuses, strict=True) if status == 200}
    assert {row["kawasan"]["id"] for row in listed["results"]} == expected


def test_a_score_carries_its_components_and_policy_version(caller, scored):
    rb = scored.kawasans[1]
    data = _json(caller("lurah", "token").get(reverse("api:score-detail", args=[rb.pk])))
    stored = rb.score
    assert data["total"] == stored.total and data["band"] == stored.band
    assert data["policy"]["version"] == stored.policy.version
    assert set(data["components"]) == {
        "coverage",
        "connectivity",
        "proximity",
        "freshness",
        "coverage_by_cluster",
    }
    # Neither the member count nor the details (site ids) of the stored score: they count
    # and name members the user may not see.
    assert "member_count" not in data and "details" not in data


def test_a_kawasan_not_scored_yet_is_404(caller, world):
    assert (
        caller("provinsi", "token")
        .get(reverse("api:score-detail", args=[world.kawasans[0].pk]))
        .status_code
        == 404
    )


# --- regions and rankings -----------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_regions_are_public_facts_with_simplified_boundaries(caller, world, persona):
    call = caller(persona, "token")
    one = _json(call.get(reverse("api:region-detail", args=["31.75.03.1004"])))
    assert one["id"] == "31.75.03.1004" and one["properties"]["name"] == "Rawa Bunga"
    assert one["geometry"]["type"] == "MultiPolygon"
    kelurahan = _json(call.get(reverse("api:region-list") + "?within=31.75.03&level=kelurahan"))
    assert kelurahan["count"] == 8  # Jatinegara's kelurahan
    assert all(f["properties"]["parent"] == "31.75.03" for f in kelurahan["features"])
    assert call.get(reverse("api:region-detail", args=["99.99"])).status_code == 404


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_rankings_are_provincial(caller, scored, persona, via):
    response = caller(persona, via).get(reverse("api:ranking-list") + "?tingkat=kecamatan")
    assert response.status_code == (200 if persona == "provinsi" else 403)


def test_rankings_use_the_pages_filters(caller, scored):
    call = caller("provinsi", "token")
    timur = _json(call.get(reverse("api:ranking-list") + "?tingkat=kecamatan&kota=31.75"))
    assert timur["count"] == 10  # Jakarta Timur's kecamatan
    assert all(row["code"].startswith("31.75.") for row in timur["results"])
    ranks = [row["rank"] for row in timur["results"]]
    assert ranks == sorted(ranks)
    assert call.get(reverse("api:ranking-list") + "?tingkat=desa").status_code == 400
    assert call.get(reverse("api:ranking-list") + "?keyakinan=mungkin").status_code == 400
