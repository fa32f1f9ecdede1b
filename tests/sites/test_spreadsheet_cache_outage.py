"""Confirming an Excel upload while the cache (Redis) is down applies nothing and says why."""

import uuid
from unittest import mock

import pytest
from django.urls import reverse

from sites.models import Site

pytestmark = pytest.mark.django_db


def test_it_postpones_the_confirm_when_the_cache_is_unreachable(client, lurah):
    client.force_login(lurah)
    token = uuid.uuid4()
    url = reverse("spreadsheet:confirm", args=[token])
    with mock.patch("sites.spreadsheet.views.cache.add", side_effect=ConnectionError("down")):
        response = client.post(url, follow=False)
    assert response.status_code == 302
    assert response["Location"] == url
    assert not Site.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("coba lagi" in m for m in messages)
