"""The home page chooses the dashboard by role; /healthz answers without the database."""

import pytest
from django.urls import reverse

from accounts.models import Assignment, Role
from tests.dashboard.conftest import KAMPUNG_MELAYU, RAWA_BUNGA

pytestmark = pytest.mark.django_db

HOME = reverse("home")
PAGE_TEMPLATES = {
    "dashboard/area.html",
    "dashboard/sector.html",
    "rankings/province.html",
    "home.html",
}


@pytest.mark.parametrize(
    ("persona", "template"),
    [
        ("lurah", "dashboard/area.html"),
        ("camat", "dashboard/area.html"),
        ("sudinkes", "dashboard/sector.html"),
        ("sudindik", "dashboard/sector.html"),
        ("provinsi", "rankings/province.html"),
        ("nobody", "home.html"),
    ],
)
def test_it_opens_each_roles_dashboard(request, client, persona, template):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(HOME)
    assert response.status_code == 200
    # The page's own template, not the first one rendered: the map assets are rendered once
    # per process (dashboards.views._assets), so in a fresh process they come first.
    rendered = {t.name for t in response.templates}
    assert template in rendered
    assert not (rendered & (PAGE_TEMPLATES - {template}))  # no other role's page


def test_it_lets_a_user_with_two_territories_choose(client, lurah):
    Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=KAMPUNG_MELAYU)
    client.force_login(lurah)
    response = client.get(HOME)
    assert response.templates[0].name == "dashboard/choose.html"
    for code in (RAWA_BUNGA, KAMPUNG_MELAYU):
        assert reverse("kaltara:dashboard_area", args=[code]) in response.text


def test_healthz_answers_ok_without_login_or_queries(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
