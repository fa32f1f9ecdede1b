"""The printable kawasan report: one page per kawasan with map, score, breakdown, members,
links and next steps."""

import pytest
from django.conf import settings
from django.urls import reverse

from kawasan.models import Kawasan, Membership
from regions.models import Region
from scoring.selectors import kawasan_explanation
from tests.dashboard.conftest import JATINEGARA, KAMPUNG_MELAYU, RAWA_BUNGA
from tests.factories import make_link, make_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored")]


@pytest.fixture
def base():
    return Kawasan.objects.get(region_id=RAWA_BUNGA, is_base=True)


def test_it_prints_one_kawasan_with_map_score_members_links_and_steps(client, lurah, base):
    a, b = base.members.order_by("pk")[:2]
    make_link(a, b, kind="joint_programme")
    client.force_login(lurah)
    response = client.get(reverse("kaltara:kawasan_report", args=[base.pk]))
    (report,) = response.context["reports"]
    breakdown, steps, _to_next = kawasan_explanation(base)
    assert report.breakdown.total == breakdown.total
    assert [s.points for s in report.steps] == [s.points for s in steps]
    assert len(report.outline["points"]) == base.members.count()
    assert len(report.outline["lines"]) == 1
    assert report.outline["circle"] is not None
    assert report.outline["paths"]  # the kelurahan outline
    text = response.text
    assert text.count('class="report-page"') == 1
    # One printed page per kawasan: the print rules live in the report's stylesheet.
    assert "/static/css/report.css" in text
    css = (settings.BASE_DIR / "static" / "css" / "report.css").read_text()
    assert "@media print" in css and "break-after: page" in css
    assert '<svg class="report-map"' in text
    assert f"{a.name} – {b.name}" in text
    assert "Program bersama" in text
    for site in base.members.all():
        assert site.name in text


def test_it_names_no_private_site_of_another_kelurahan(client, lurah, base):
    draft = make_site("Posyandu Rahasia", KAMPUNG_MELAYU, types=("posyandu",))
    Membership.objects.create(kawasan=base, site=draft)
    client.force_login(lurah)
    response = client.get(reverse("kaltara:kawasan_report", args=[base.pk]))
    assert "Posyandu Rahasia" not in response.text
    assert response.context["reports"][0].hidden_members == 1


def test_it_prints_every_kawasan_of_a_kecamatan_in_bounded_queries(
    client, camat, django_assert_max_num_queries
):
    client.force_login(camat)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("kaltara:area_report", args=[JATINEGARA]))
    kelurahan = Region.objects.filter(parent_id=JATINEGARA).count()
    assert response.text.count('class="report-page"') == kelurahan
    assert len(response.context["reports"]) == kelurahan


def test_the_dashboard_links_to_the_report(client, lurah, base):
    client.force_login(lurah)
    response = client.get(reverse("kaltara:dashboard_area", args=[RAWA_BUNGA]))
    assert reverse("kaltara:kawasan_report", args=[base.pk]) in response.text
