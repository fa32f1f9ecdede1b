"""The cached dashboards and rankings: a write through the portal shows on the next request,
a fragment never reaches a user of another scope, and a cache outage costs speed only."""

import json
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from dashboards import rankings, versions
from kawasan.models import Kawasan, Membership
from scoring.models import KawasanScore, ScoreSnapshot
from scoring.services import scores_recompute
from sites import services
from sites.models import Site
from tests.dashboard.conftest import JATINEGARA, KAMPUNG_MELAYU, RAWA_BUNGA, small_kawasan
from tests.factories import make_site
from web import fragments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored")]

RB_AREA = reverse("kaltara:dashboard_area", args=[RAWA_BUNGA])
JT_AREA = reverse("kaltara:dashboard_area", args=[JATINEGARA])
RANKINGS = reverse("kaltara:rankings")
DATA = reverse("kaltara:choropleth_data")
# Nothing listens on port 1: every cache call is refused at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def member_ids(response):
    return {m["id"] for m in response.context["report"].map_data["members"]}


@pytest.fixture
def base():
    return Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)


def test_a_camats_cached_kawasan_never_shows_a_lurah_the_drafts_of_another_kelurahan(
    client, lurah, camat, base
):
    draft = make_site("Posyandu Draf Tetangga", KAMPUNG_MELAYU, types=("posyandu",))
    Membership.objects.create(kawasan=base, site=draft)
    # The camat, whose scope holds the draft, fills the cache first.
    client.force_login(camat)
    assert draft.name in client.get(RB_AREA).text
    client.force_login(lurah)
    response = client.get(RB_AREA)
    assert draft.name not in response.text
    assert draft.pk not in member_ids(response)
    # And the other way round, on a cache the lurah filled.
    client.force_login(camat)
    assert draft.name in client.get(RB_AREA).text


def test_users_with_equal_grants_share_fragments_and_others_do_not(client, lurah, lurah_other):
    from dashboards.access import grants_key
    from tests.conftest import make_user

    twin = make_user("lurah_twin", "lurah", RAWA_BUNGA)
    assert grants_key(twin) == grants_key(lurah)
    assert grants_key(lurah_other) != grants_key(lurah)


def test_an_edit_through_the_portal_shows_on_the_next_request(client, lurah, base):
    client.force_login(lurah)
    before = client.get(RB_AREA)
    site = Site.objects.filter(memberships__kawasan=base, kelurahan_id=RAWA_BUNGA).first()
    site = services.site_update(
        user=lurah, site=site, data={"name": "Nama Baru Sekali"}, version=site.version
    )
    assert "Nama Baru Sekali" not in before.text
    assert "Nama Baru Sekali" in client.get(RB_AREA).text


def test_a_new_link_shows_in_the_cached_kawasan_on_the_next_request(client, lurah):
    kawasan = small_kawasan(name="Kawasan Uji Cache")
    client.force_login(lurah)
    url = RB_AREA + f"?kawasan={kawasan.pk}"
    assert "1 keterhubungan" in client.get(url).text
    puskesmas, posyandu = (
        Site.objects.filter(memberships__kawasan=kawasan, types__code=code).get()
        for code in ("puskesmas", "posyandu")
    )
    services.link_create(user=lurah, site_a=puskesmas, site_b=posyandu, kind="referral")
    assert "2 keterhubungan" in client.get(url).text


def test_a_recompute_shows_in_the_cards_rankings_and_map(client, lurah, provinsi, base):
    client.force_login(lurah)
    client.get(RB_AREA)
    client.force_login(provinsi)
    listed = client.get(RANKINGS, {"tingkat": "kelurahan"}).context["rows"]
    count = next(r.kawasan_count for r, _url, _mark in listed if r.code == RAWA_BUNGA)
    etag = client.get(DATA)["ETag"]
    # A new kawasan and its recompute: the stored scores and the kawasan list move on.
    kawasan = small_kawasan(name="Kawasan Baru Dihitung", public=True)
    scores_recompute()
    stored = KawasanScore.objects.get(kawasan=kawasan)

    # The HTML, not the context: the context is read lazily, the HTML may come cached.
    text = client.get(RANKINGS, {"tingkat": "kelurahan"}).text
    row = re.search(rf'<tr data-code="{RAWA_BUNGA}">(.*?)</tr>', text, re.S).group(1)
    # The last cell: the kawasan count (with its column's name for the phone's card).
    assert re.search(rf'<td class="num"[^>]*>{count + 1}</td>\s*$', row), row
    fresh = client.get(DATA, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    props = {
        f["properties"]["code"]: f["properties"] for f in json.loads(fresh.content)["features"]
    }
    assert props[RAWA_BUNGA]["kawasan"] == count + 1

    client.force_login(lurah)
    text = client.get(RB_AREA).text
    assert "Kawasan Baru Dihitung" in text
    assert f"{stored.total:.1f}".replace(".", ",") in text


def test_a_snapshot_shows_in_the_kawasan_trend(client, lurah, base):
    client.force_login(lurah)
    assert "04/25" not in client.get(RB_AREA).text
    policy = KawasanScore.objects.get(kawasan=base).policy
    ScoreSnapshot.objects.create(
        kawasan=base, month=date(2025, 4, 1), policy=policy, total=120.0, band="Belum"
    )
    assert "04/25" in client.get(RB_AREA).text


def test_the_map_data_answers_not_modified_to_its_etag(client, provinsi):
    client.force_login(provinsi)
    first = client.get(DATA)
    again = client.get(DATA, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert not again.content


def test_only_the_pages_own_query_strings_are_cached(rf):
    version = "v"
    assert rankings.ranking_page_key(version, rf.get("/", {"tingkat": "kota"}).GET)
    assert rankings.ranking_page_key(version, rf.get("/", {"urut": "-perubahan"}).GET)
    assert rankings.ranking_page_key(version, rf.get("/", {"x": "1"}).GET) is None
    assert rankings.ranking_page_key(version, rf.get("/", {"kota": "31.75; DROP"}).GET) is None
    assert rankings.ranking_page_key(version, rf.get("/?urut=nama&urut=nama").GET) is None


def test_cached_fragments_hold_nothing_of_the_request(client, camat, provinsi):
    client.force_login(camat)
    client.get(JT_AREA)
    client.force_login(provinsi)
    client.get(reverse("home"))
    client.get(RANKINGS, {"tingkat": "kecamatan"})
    # The test's private memory cache: its keys are ":<version>:<our key>".
    keys = [k.split(":", 2)[2] for k in list(cache._cache)]
    html = [cache.get(k) for k in keys if k.startswith(("kaltara:page:", "kaltara:province:"))]
    assert len(html) >= 2
    for fragment in html:
        assert isinstance(fragment, str)
        assert "csrfmiddlewaretoken" not in fragment
        assert "nonce" not in fragment


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("lurah", RB_AREA),
        ("camat", JT_AREA),
        ("sudinkes", reverse("home")),
        ("provinsi", reverse("home")),
        ("provinsi", RANKINGS + "?tingkat=kelurahan"),
        ("provinsi", DATA),
    ],
)
def test_the_pages_still_answer_while_the_cache_is_down(request, client, persona, url):
    client.force_login(request.getfixturevalue(persona))
    expected = client.get(url)
    with override_settings(CACHES=CACHE_DOWN):
        response = client.get(url)
    assert response.status_code == 200
    if url == DATA:
        assert response.content == expected.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_the_version_queries_are_prepared_once_per_connection_and_survive_losing_them(
    monkeypatch, caplog
):
    plain = versions.data_version()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    assert versions.data_version() == plain  # prepared, then executed by name
    with connection.cursor() as cursor:  # psycopg's statement (it names them _pg3_<n>)
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE NOT from_sql")
        (name,) = [n for (n,) in cursor.fetchall()]
    assert versions.data_version() == plain
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        assert cursor.fetchone() == (1,)
        # Lost behind our back (a pooler's new session): run unprepared, prepare again.
        cursor.execute(f"DEALLOCATE {name}")
    assert versions.data_version() == plain
    assert "running it unprepared" in caplog.text
    assert versions.data_version() == plain
    # The test's transaction is still usable: the failure stayed inside a savepoint.
    assert Kawasan.objects.exists()


def test_local_copies_hold_only_content_keys_and_expire_and_evict(monkeypatch):
    local = fragments._LocalCopies(max_bytes=80)
    key = fragments.cache_key("page", "a")
    assert local.holds(key, "<p>")
    assert not local.holds(key, {"a": 1})  # only text: HTML and JSON
    # A key that points to a changing value (the boundary version) is never copied.
    assert not local.holds("regions:boundary-version", "fp-1")
    local.put(key, "x" * 10, timeout=60)
    assert local.get(key) == "x" * 10
    others = [fragments.cache_key("page", str(i)) for i in range(9)]
    for other in others:
        local.put(other, "y" * 10, timeout=60)
    assert local.get(key) is None  # the least recently used went first
    assert local.size <= 80
    now = fragments.time.monotonic()
    monkeypatch.setattr(fragments.time, "monotonic", lambda: now + 61)
    assert local.get(others[-1]) is None  # expired with its TTL
