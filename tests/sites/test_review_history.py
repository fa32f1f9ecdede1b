"""A site's page tells its whole story in one list: edits, submissions, reviews, reasons."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sites import services
from sites.models import ReviewEvent, SiteChange
from sites.review import transitions
from tests.factories import make_site
from tests.sites.reviewkit import answer_all

pytestmark = pytest.mark.django_db


def test_it_interleaves_edits_and_review_steps_newest_first(client, lurah, sudinkes):
    site = make_site()
    answer_all(site)
    services.site_update(user=lurah, site=site, data={"address": "Jl. Satu"}, version=1)
    transitions.site_submit(user=lurah, site=site, version=site.version)
    site.refresh_from_db()
    transitions.site_return(
        user=sudinkes, site=site, version=site.version, reason="Foto kurang jelas"
    )
    site.refresh_from_db()
    services.site_update(user=lurah, site=site, data={"contact": "0812"}, version=site.version)
    transitions.site_submit(user=lurah, site=site, version=site.version)
    site.refresh_from_db()
    transitions.site_verify(user=sudinkes, site=site, version=site.version)
    client.force_login(lurah)
    response = client.get(reverse("services:site_detail", args=[site.pk]))
    actions = [str(row["action"]) for row in response.context["changes"]]
    assert actions == [
        "Diverifikasi",
        "Diajukan untuk verifikasi",
        "Diubah",
        "Dikembalikan",
        "Diajukan untuk verifikasi",
        "Diubah",
    ]
    returned = response.context["changes"][3]
    assert returned["change"].reason == "Foto kurang jelas" and returned["change"].user == sudinkes
    html = response.content.decode()
    assert "Foto kurang jelas" in html and html.count('class="review-step"') == 4


def test_it_shows_the_return_reason_and_the_submit_button_to_the_lurah(client, lurah, sudinkes):
    site = make_site()
    answer_all(site)
    transitions.site_submit(user=lurah, site=site, version=1)
    site.refresh_from_db()
    transitions.site_return(user=sudinkes, site=site, version=site.version, reason="Lengkapi SK")
    client.force_login(lurah)
    response = client.get(reverse("services:site_detail", args=[site.pk]))
    assert response.context["return_reason"].reason == "Lengkapi SK"
    assert response.context["may_submit"]
    html = response.content.decode()
    assert 'id="return-reason"' in html and reverse("services:site_submit", args=[site.pk]) in html


def _site_with_history(n):
    site = make_site(public=True)
    now = timezone.now()
    SiteChange.objects.bulk_create(
        [
            SiteChange(site=site, action="updated", changes={"address": [f"a{i}", f"b{i}"]})
            for i in range(n)
        ]
    )
    ReviewEvent.objects.bulk_create(
        [
            ReviewEvent(
                site=site,
                action="reverified",
                from_state="verified",
                to_state="verified",
                at=now - timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )
    return site


@pytest.mark.parametrize("n", [5, 300])
def test_it_shows_a_long_history_with_a_bounded_number_of_queries(
    client, lurah, django_assert_max_num_queries, n
):
    site = _site_with_history(n)
    client.force_login(lurah)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("services:site_detail", args=[site.pk]))
    assert len(response.context["changes"]) == 2 * n
