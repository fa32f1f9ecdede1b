"""Ids and versions past 64 bits in any form: refused like any bad choice, never a 500.
SQLite cannot take such an integer in a query (OverflowError), PostgreSQL can."""

import pytest
from django.urls import reverse

from kawasan.models import Kawasan
from tests.factories import RAWA_BUNGA, make_site

pytestmark = pytest.mark.django_db

HUGE = str(2**64 + 1)


@pytest.fixture
def site():
    return make_site()


@pytest.fixture
def kawasan():
    return Kawasan.objects.create(name="Kawasan Uji", region_id=RAWA_BUNGA)


CASES = [
    ("lurah", "services:site_close", "site", {"version": HUGE, "reason": "x", "confirm": "1"}),
    ("lurah", "services:site_close_preview", "site", {"version": HUGE, "reason": "x"}),
    ("lurah", "services:site_submit", "site", {"version": HUGE}),
    ("lurah", "services:checklist_edit", "site", {"version": HUGE}),
    ("lurah", "services:site_document_add", "site", {"kind": "sk", "checklist_item": HUGE}),
    (
        "lurah",
        "services:link_create",
        "site",
        {"other": HUGE, "kind": "referral", "start_date": "2024-01-01"},
    ),
    (
        "lurah",
        "services:link_create_preview",
        "site",
        {"other": HUGE, "kind": "referral", "start_date": "2024-01-01"},
    ),
    ("lurah", "kawasan:member_add", "kawasan", {"site": HUGE}),
    ("lurah", "kawasan:edit", "kawasan", {"name": "K", "hub": HUGE}),
    ("lurah", "kawasan:create", None, {"name": "K", "region": HUGE}),
    ("provinsi", "kaltara:export_list", None, {"kind": "sites", "format": "csv", "type": HUGE}),
    ("sudinkes", "services:review_bulk_verify", None, {"pilih": [f"1:{HUGE}"]}),
    pytest.param(
        "sudinkes",
        "services:review_bulk_verify",
        None,
        {"pilih": [f"{HUGE}:1"]},
        id="bulk-verify-huge-id",
    ),
]


@pytest.mark.parametrize(("persona", "url_name", "target", "data"), CASES)
def test_a_huge_integer_is_refused_not_a_server_error(
    request, client, persona, url_name, target, data
):
    args = [request.getfixturevalue(target).pk] if target else []
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse(url_name, args=args), data)
    assert response.status_code in (200, 302, 400, 403, 404, 409)
