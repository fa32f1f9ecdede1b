"""The suku dinas dashboard: review backlog and the sector's verified share in the kota."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sites.models import OperatingStatus, PendingChange, ReviewState, Site
from tests.dashboard.conftest import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, submitted_site
from tests.factories import make_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored")]

SECTOR = reverse("kaltara:dashboard_sector")


def panel(response):
    (p,) = response.context["panels"]
    return p


def jaktim_sites(*types):
    return Site.objects.filter(kelurahan__code__startswith="31.75.", types__code__in=types)


def test_it_counts_the_sectors_submissions_and_the_overdue_ones(client, sudinkes):
    old = submitted_site("Puskesmas Menunggu Lama", RAWA_BUNGA, days_ago=30)
    submitted_site("Posyandu Baru Diajukan", KAMPUNG_MELAYU, types=("posyandu",))
    # Not the officer's: another sector, another kota.
    submitted_site("SD Diajukan", RAWA_BUNGA, types=("sd",))
    submitted_site("Puskesmas Menteng Diajukan", MENTENG)

    client.force_login(sudinkes)
    response = client.get(SECTOR)
    p = panel(response)
    assert (p.sector.code, p.kota.code) == ("kesehatan", "31.75")
    assert (p.backlog, p.overdue) == (2, 1)
    assert p.oldest[0] == old
    assert "Puskesmas Menteng Diajukan" not in response.text


def test_it_counts_pending_changes_of_the_sectors_verified_sites(client, sudinkes):
    now = timezone.now()
    for name, kelurahan, days in (
        ("A", RAWA_BUNGA, 20),
        ("B", KAMPUNG_MELAYU, 1),
        ("C", MENTENG, 1),
    ):
        site = make_site(f"Puskesmas {name}", kelurahan, public=True)
        PendingChange.objects.create(site=site, submitted_at=now - timedelta(days=days))
    client.force_login(sudinkes)
    p = panel(client.get(SECTOR))
    assert (p.changes, p.changes_overdue) == (2, 1)


def test_it_shows_the_share_of_puskesmas_verified_against_the_utama_target(client, sudinkes):
    puskesmas = list(jaktim_sites("puskesmas").order_by("pk"))
    for site in puskesmas[:3]:
        site.review_state, site.verified_at = ReviewState.VERIFIED, timezone.now()
        site.save()
    # Verified too long ago: verified, but no longer counted as child-friendly.
    stale = puskesmas[3]
    stale.review_state = ReviewState.VERIFIED
    stale.verified_at = timezone.now() - timedelta(days=400)
    stale.save()
    closed = puskesmas[4]
    closed.operating_status = OperatingStatus.CLOSED
    closed.save()

    client.force_login(sudinkes)
    p = panel(client.get(SECTOR))
    assert p.target == 0.75
    assert p.total == len(puskesmas) - 1
    assert (p.verified, p.fresh) == (4, 3)
    assert p.share == pytest.approx(3 / (len(puskesmas) - 1))
    assert p.meets_target is False
    assert sum(r.total for r in p.by_kecamatan) == p.total
    assert {r.code[:5] for r in p.by_kecamatan} == {"31.75"}
    assert p.chart.target_x is not None


def test_it_counts_schools_for_education_against_ninety_percent(client, sudindik):
    client.force_login(sudindik)
    p = panel(client.get(SECTOR))
    schools = jaktim_sites("sd", "smp", "sma", "smk", "slb").distinct().count()
    assert (p.target, p.total, p.fresh) == (0.90, schools, 0)
    assert schools > 100


def test_it_links_the_review_queue(client, sudinkes):
    client.force_login(sudinkes)
    assert reverse("services:review_queue") in client.get(SECTOR).text


def test_it_is_the_home_page_of_a_suku_dinas_officer(client, sudinkes):
    client.force_login(sudinkes)
    response = client.get(reverse("home"))
    assert response.templates[0].name == "dashboard/sector.html"


def test_it_reads_a_bounded_number_of_queries(client, sudindik, django_assert_max_num_queries):
    client.force_login(sudindik)
    with django_assert_max_num_queries(12):
        assert client.get(SECTOR).status_code == 200
    # Cached: the session, the user, the grants and the version of the kota's sites.
    with django_assert_max_num_queries(4):
        assert client.get(SECTOR).status_code == 200
