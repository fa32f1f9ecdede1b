"""Personal API tokens: made and revoked by their owner in the portal, the secret shown once,
a revoked token or a deactivated user refused (401)."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import ApiToken

pytestmark = pytest.mark.django_db

LIST = reverse("tokens:list")
SITES = reverse("api:site-list")


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _create(client, user, name="Skrip laporan"):
    client.force_login(user)
    response = client.post(LIST, {"name": name})
    assert response.status_code == 200
    match = re.search(
        r'<code class="secret" id="token-secret">([^<]+)</code>', response.content.decode()
    )
    assert match, "the new secret is shown"
    return response, match.group(1)


def test_a_user_creates_a_token_sees_its_secret_once_and_uses_it(client, lurah):
    response, secret = _create(client, lurah)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=lurah)
    assert token.name == "Skrip laporan"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) == 8
    assert secret not in "".join(str(v) for v in ApiToken.objects.values_list())  # only the hash
    listed = client.get(LIST).content.decode()
    assert secret not in listed and f"{token.prefix}…" in listed
    client.logout()
    api = Client()
    assert api.get(SITES, **_bearer(secret)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_list_shows_only_the_users_own_tokens(client, lurah, camat):
    services.token_create(user=camat, name="Token milik camat")
    services.token_create(user=lurah, name="Token milik lurah")
    client.force_login(lurah)
    page = client.get(LIST).content.decode()
    assert "Token milik lurah" in page and "Token milik camat" not in page


def test_a_name_is_required_and_one_line(client, lurah):
    client.force_login(lurah)
    assert client.post(LIST, {"name": ""}).status_code == 200
    assert client.post(LIST, {"name": "baris\nbaru"}).status_code == 200
    assert not ApiToken.objects.exists()


def test_live_tokens_are_limited(client, lurah):
    for i in range(services.MAX_ACTIVE_TOKENS):
        services.token_create(user=lurah, name=f"t{i}")
    client.force_login(lurah)
    response = client.post(LIST, {"name": "satu lagi"})
    assert 'id="token-secret"' not in response.content.decode()
    assert ApiToken.objects.filter(user=lurah).count() == services.MAX_ACTIVE_TOKENS


def test_creating_needs_the_csrf_token(lurah):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lurah)
    assert client.post(LIST, {"name": "tanpa csrf"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_refuses_the_token(client, lurah):
    new = services.token_create(user=lurah, name="Sementara")
    url = reverse("tokens:revoke", args=[new.token.pk])
    client.force_login(lurah)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert f'name="version" value="{new.token.version}"' in confirm.content.decode()
    api = Client()
    assert api.get(SITES, **_bearer(new.secret)).status_code == 200
    response = client.post(url, {"version": new.token.version})
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    assert api.get(SITES, **_bearer(new.secret)).status_code == 401
    assert "dicabut" in client.get(url).content.decode()


@pytest.mark.parametrize("version", [None, "", "abc", "0", "2"])
def test_a_revoke_without_the_current_version_is_refused(client, lurah, version):
    new = services.token_create(user=lurah, name="Sementara")
    client.force_login(lurah)
    data = {} if version is None else {"version": version}
    client.post(reverse("tokens:revoke", args=[new.token.pk]), data)
    new.token.refresh_from_db()
    assert new.token.revoked_at is None
    assert Client().get(SITES, **_bearer(new.secret)).status_code == 200


def test_revoking_twice_is_refused_as_stale(lurah):
    new = services.token_create(user=lurah, name="Sementara")
    services.token_revoke(token=new.token, version=1)
    with pytest.raises(services.StaleToken):
        services.token_revoke(token=new.token, version=1)


def test_another_users_token_does_not_exist_for_them(client, lurah, camat):
    new = services.token_create(user=camat, name="Token milik camat")
    url = reverse("tokens:revoke", args=[new.token.pk])
    client.force_login(lurah)
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 1}).status_code == 404
    new.token.refresh_from_db()
    assert new.token.revoked_at is None


def test_a_deactivated_users_token_is_refused(lurah):
    new = services.token_create(user=lurah, name="Skrip")
    api = Client()
    assert api.get(SITES, **_bearer(new.secret)).status_code == 200
    lurah.is_active = False
    lurah.save()
    response = api.get(SITES, **_bearer(new.secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_acts_with_its_users_grants_as_they_are_now(lurah, world):
    new = services.token_create(user=lurah, name="Skrip")
    api = Client()
    draft_rb = world.sites[3]
    url = reverse("api:site-detail", args=[draft_rb.pk])
    assert api.get(url, **_bearer(new.secret)).status_code == 200
    lurah.assignments.all().delete()  # no longer lurah: the draft is out of reach
    assert api.get(url, **_bearer(new.secret)).status_code == 404


def test_use_is_written_at_most_every_few_minutes(lurah):
    new = services.token_create(user=lurah, name="Skrip")
    api = Client()
    api.get(SITES, **_bearer(new.secret))
    first = ApiToken.objects.get().last_used_at
    api.get(SITES, **_bearer(new.secret))
    assert ApiToken.objects.get().last_used_at == first  # no write within the interval
    ApiToken.objects.update(last_used_at=timezone.now() - services.TOUCH_INTERVAL - timedelta(1))
    api.get(SITES, **_bearer(new.secret))
    assert ApiToken.objects.get().last_used_at > first


def test_the_api_is_read_only(lurah):
    new = services.token_create(user=lurah, name="Skrip")
    api = Client()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api, method)(SITES, **_bearer(new.secret))
        assert response.status_code == 405, method


@pytest.mark.parametrize("persona", ["lurah", "provinsi", "nobody"])
def test_every_signed_in_user_finds_the_token_page_in_the_navigation(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    nav = re.search(r'<nav class="mainnav".*?</nav>', client.get("/").content.decode(), re.S)
    assert f'href="{LIST}"' in nav.group(0)
