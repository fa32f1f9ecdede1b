"""The read API's tests: the visibility world, each persona by session and by token.

`world` (tests/visibility/conftest.py) gives each persona a token already (world.tokens);
`token_secrets` makes each persona a fresh one whose secret the tests know (only its hash is
stored, so the world's own cannot be used).
"""

import pytest
from django.core.cache import cache

from api import services
from tests.visibility.conftest import PERSONAS, persona_users, world  # noqa: F401
from web.fragments import LOCAL

VIAS = ["session", "token"]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Each test starts with no request counted: the throttle keeps its history in the cache
    by user id, and a rolled-back test hands the next one the same ids. The cached pages
    (and the worker's copies of them, web.fragments.LOCAL) go too: keyed by the data's
    version, they must not meet another test's rolled-back rows."""
    cache.clear()
    LOCAL.clear()
    yield
    cache.clear()
    LOCAL.clear()


@pytest.fixture
def token_secrets(world):
    """A fresh live token per persona: {persona: secret}."""
    return {
        persona: services.token_create(user=user, name=f"Uji {persona}").secret
        for persona, user in world.users.items()
    }


class Caller:
    """GET as one user, by session or by Bearer token (never both at once)."""

    def __init__(self, client, user, secret, via):
        self.client, self.user, self.secret, self.via = client, user, secret, via

    def get(self, path, **headers):
        if self.via == "session":
            self.client.force_login(self.user)
            return self.client.get(path, **headers)
        self.client.logout()
        return self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {self.secret}", **headers)


@pytest.fixture
def caller(client, world, token_secrets):
    def make(persona, via):
        return Caller(client, world.users[persona], token_secrets[persona], via)

    return make


__all__ = ["PERSONAS", "VIAS", "persona_users", "world"]
