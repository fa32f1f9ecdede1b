"""The site list's pages kept whole in the cache (api.views.SiteViewSet.list): a page read from
the cache is byte for byte the page built, and every change to what it shows (a site written,
its review step, its closing, a grant revoked) is seen on the next read."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Assignment, Role, Sector
from api import services
from regions.models import Region
from sites import services as site_services
from sites.models import ServiceType, Site
from sites.review import transitions
from tests.conftest import make_user
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in, service_type
from tests.sites.reviewkit import submitted_site
from web.fragments import LOCAL

pytestmark = pytest.mark.django_db

SITES = reverse("api:site-list")
# The paginator's count: a page built reads it, a page from the cache does not.
COUNTED = 'AS "__count"'


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client, path=SITES, **headers):
    """The response and whether it was built (the count and rows read) or read from the cache."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    built = any(COUNTED in q["sql"] for q in ctx.captured_queries)
    return response, built


def _built(client, path=SITES, **headers):
    """The page as it is built now, with nothing cached."""
    cache.clear()
    LOCAL.clear()
    response, built = _get(client, path, **headers)
    assert built
    return response


def _names(response) -> list[str]:
    return [f["properties"]["name"] for f in json.loads(response.content)["features"]]


def _cached_then_built(client, path=SITES, **headers):
    """The page read from the cache (filled first if it is not), and the page built afresh."""
    _get(client, path, **headers)
    cached, built = _get(client, path, **headers)
    assert not built, "a page read twice with nothing changed comes from the cache"
    return cached, _built(client, path, **headers)


def test_a_cached_page_is_the_page_built(lurah):
    make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu", "rptra"), public=True)
    make_site("Draf Rawa Bunga", RAWA_BUNGA, address="Jl. Uji 1 – Gang Ésa")
    for i in range(4):
        make_site(f"Puskesmas {i}", KAMPUNG_MELAYU, public=True)
    client = _signed_in(lurah)
    for path in (SITES, SITES + "?page_size=2", SITES + "?page_size=2&page=2&q=puskesmas"):
        cached, built = _cached_then_built(client, path)
        assert cached.content == built.content
        # The text DRF's JSONRenderer writes for it (compact, UTF-8), as before the cache.
        assert cached.content == JSONRenderer().render(json.loads(cached.content))
        assert cached["Content-Type"] == built["Content-Type"] == "application/json"
        assert cached["ETag"] == built["ETag"]
        for header in ("Cache-Control", "Vary", "Allow"):
            assert cached[header] == built[header], header
    page = json.loads(cached.content)
    assert page["count"] == 4 and page["previous"] and page["next"] is None


def test_a_token_and_the_session_share_the_page_and_see_the_same(lurah):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    secret = services.token_create(user=lurah, name="t").secret
    by_session, built = _get(_signed_in(lurah))
    assert built
    by_token, built = _get(Client(), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert not built and by_token.content == by_session.content


def test_a_repeated_get_is_answered_304_from_the_cache(lurah):
    make_site("Posyandu Melati", RAWA_BUNGA, public=True)
    client = _signed_in(lurah)
    first, _ = _get(client)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(SITES, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert not any(COUNTED in q["sql"] for q in ctx.captured_queries)
    # The ETag is the body's digest, as before the cache: a fresh build gives the same one.
    assert _built(client)["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    "change",
    [
        "create",
        "edit",
        "types",
        "types_admin",
        "return",
        "verify",
        "close",
        # Writes behind the ORM's save (sites.data_version: the database's triggers see them).
        "queryset_update",
        "sql",
        "type_renamed",
        "region_renamed",
    ],
)
def test_every_site_write_is_on_the_next_page(lurah, sudinkes, change):
    draft = make_site("Puskesmas Rawa Bunga", RAWA_BUNGA)
    queued = submitted_site("Puskesmas Antrean", RAWA_BUNGA)
    client = _signed_in(lurah)
    before, _ = _get(client)
    assert _get(client)[1] is False  # the page is in the cache
    if change == "create":
        make_site("Posyandu Baru", RAWA_BUNGA, types=("posyandu",))
    elif change == "edit":
        site_services.site_update(
            user=lurah,
            site=draft,
            data={"name": "Puskesmas Rawa Bunga Baru"},
            version=draft.version,
        )
    elif change == "types":
        site_services.site_update(
            user=lurah,
            site=draft,
            data={"types": list(draft.types.all()) + [service_type("posyandu")]},
            version=draft.version,
        )
    elif change == "types_admin":
        # Types set apart from the row (a shell, a data fix): the site's version and
        # updated_at stay, the link table's count moves.
        draft.types.add(service_type("posyandu"))
    elif change == "return":
        # Review steps as the reviewer's forms make them (state and version in one UPDATE).
        transitions.site_return(user=sudinkes, site=queued, version=queued.version, reason="Foto")
    elif change == "verify":
        transitions.site_verify(
            user=sudinkes, site=queued, version=queued.version, confirmed_item_ids=[]
        )
    elif change == "queryset_update":
        # As an importer or a data fix writes: no save(), no signal, version and updated_at kept.
        Site.objects.filter(pk=draft.pk).update(address="Jl. Perbaikan Data")
    elif change == "sql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE services_site SET name = %s WHERE id = %s", ["Dari SQL", draft.pk]
            )
    elif change == "type_renamed":
        ServiceType.objects.filter(code="puskesmas").update(name="Puskesmas (nama baru)")
    elif change == "region_renamed":
        Region.objects.filter(code=RAWA_BUNGA).update(name="Rawa Bunga (nama baru)")
    else:
        site_services.site_close(user=lurah, site=draft, reason="Pindah", version=draft.version)
    after, built = _get(client)
    assert built, "a site written makes a new version: the page is built again"
    assert after.content != before.content
    assert after.content == _built(client).content


def test_a_link_leaves_the_page_as_built(lurah):
    # The list shows no links: a new one changes nothing on it, and the page read after it is
    # still the page built.
    a = make_site("Puskesmas Rawa Bunga", RAWA_BUNGA)
    b = make_site(
        "Posyandu Rawa Bunga", RAWA_BUNGA, types=("posyandu",), location=point_in(RAWA_BUNGA, 40)
    )
    client = _signed_in(lurah)
    _get(client)
    site_services.link_create(user=lurah, site_a=a, site_b=b, kind="referral")
    after, _ = _get(client)
    assert after.content == _built(client).content


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_revoked_grant_takes_the_private_sites_off_the_next_page(lurah, via):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    make_site("Posyandu Melati", RAWA_BUNGA, public=True)
    secret = services.token_create(user=lurah, name="t").secret
    client = _signed_in(lurah) if via == "session" else Client()
    headers = {} if via == "session" else {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert _names(_get(client, **headers)[0]) == ["Draf Rawa Bunga", "Posyandu Melati"]
    assert _get(client, **headers)[1] is False
    lurah.assignments.all().delete()  # no longer lurah: only public sites are left
    after, built = _get(client, **headers)
    assert built and _names(after) == ["Posyandu Melati"]


def test_users_of_different_scopes_never_share_a_page(lurah, lurah_other, camat, sudinkes):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    make_site("Draf Kampung Melayu", KAMPUNG_MELAYU)
    make_site("Posyandu Melati", RAWA_BUNGA, public=True)
    seen = {}
    for user in (lurah, lurah_other, camat, sudinkes):
        response, built = _get(_signed_in(user))
        assert built, f"{user.username} must not be answered another scope's page"
        seen[user.username] = _names(response)
    assert seen["lurah"] == ["Draf Rawa Bunga", "Posyandu Melati"]
    assert seen["lurah_other"] == ["Draf Kampung Melayu", "Posyandu Melati"]
    assert seen["camat"] == ["Draf Kampung Melayu", "Draf Rawa Bunga", "Posyandu Melati"]
    # The suku dinas of health sees the private sites of its sector, here the same drafts
    # (puskesmas): the same list, but another scope, so a page of its own (built above),
    # read from the cache the next time.
    assert seen["sudinkes"] == seen["camat"]
    assert _get(_signed_in(sudinkes))[1] is False


def test_users_with_the_same_grants_share_a_page(lurah):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    twin = make_user("lurah_kembar", Role.LURAH, RAWA_BUNGA)
    first, built = _get(_signed_in(lurah))
    assert built
    second, built = _get(_signed_in(twin))
    assert not built and second.content == first.content
    # Given a second grant, the twin's scope is its own again.
    Assignment.objects.create(user=twin, role=Role.LURAH, region_id=KAMPUNG_MELAYU)
    make_site("Draf Kampung Melayu", KAMPUNG_MELAYU)  # (a new version for both anyway)
    _get(_signed_in(lurah))
    third, built = _get(_signed_in(twin))
    assert built and "Draf Kampung Melayu" in _names(third)


def test_the_query_is_part_of_the_key_in_any_order(lurah):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu",), public=True)
    client = _signed_in(lurah)
    drafts, built = _get(client, SITES + "?review_state=draft&page_size=1")
    assert built and _names(drafts) == ["Draf Rawa Bunga"]
    same, built = _get(client, SITES + "?page_size=1&review_state=draft")
    assert not built and same.content == drafts.content
    verified, built = _get(client, SITES + "?review_state=verified&page_size=1")
    assert built and _names(verified) == ["Posyandu Melati"]


def test_an_indented_answer_is_cached_apart(lurah):
    make_site("Draf Rawa Bunga", RAWA_BUNGA)
    client = _signed_in(lurah)
    plain, _ = _get(client)
    indented, built = _get(client, HTTP_ACCEPT="application/json; indent=2")
    assert built and indented.content != plain.content
    assert json.loads(indented.content) == json.loads(plain.content)
    assert indented.content == _built(client, HTTP_ACCEPT="application/json; indent=2").content


def test_a_refused_filter_is_not_cached(lurah):
    # Another kelurahan is not among a lurah's region choices: 400, built each time.
    client = _signed_in(lurah)
    for _ in range(2):
        assert client.get(SITES + f"?region={KAMPUNG_MELAYU}").status_code == 400


def test_the_stale_filter_follows_the_clock(lurah, monkeypatch):
    now = timezone.now()
    site = make_site("Posyandu Melati", RAWA_BUNGA, public=True)
    # Verified a minute short of the freshness window: stale in two minutes' time.
    window = timedelta(days=settings.KALTARA_FRESHNESS_DAYS)
    Site.objects.filter(pk=site.pk).update(verified_at=now - window + timedelta(minutes=1))
    client = _signed_in(lurah)
    path = SITES + "?stale=true"
    assert _names(_get(client, path)[0]) == []
    assert _get(client, path)[1] is False
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=2))
    later, built = _get(client, path)
    assert built and _names(later) == ["Posyandu Melati"]


def test_a_type_moved_to_another_sector_moves_the_sites_out_of_the_officers_page(sudinkes):
    # A sector grant sees the private sites of its sector's types: moving a type to another
    # sector (the admin) must change the version, not wait for the cache to expire.
    queued = submitted_site("Puskesmas Antrean", RAWA_BUNGA)
    client = _signed_in(sudinkes)
    assert queued.name in _names(_get(client)[0])
    assert _get(client)[1] is False  # the page is in the cache
    other = Sector.objects.exclude(pk=queued.types.get().sector_id).first()
    queued.types.update(sector=other)
    after, built = _get(client)
    assert built
    assert queued.name not in _names(after)
    assert after.content == _built(client).content
