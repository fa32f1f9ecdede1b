"""Freshness: stale verified sites per kelurahan, and the periodic reminders."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from sites import tasks
from sites.review import reminders
from sites.schedule import SERVICES_BEAT_SCHEDULE
from tests.conftest import make_user
from tests.factories import KAMPUNG_MELAYU, MENTENG
from tests.sites.reviewkit import submitted_site, verified_site

pytestmark = pytest.mark.django_db


def _ago(days):
    return timezone.now() - timedelta(days=days)


def test_it_lists_stale_sites_per_kelurahan_with_their_lurah(client, lurah, camat):
    verified_site("Puskesmas Lama", verified_at=_ago(400))
    verified_site("SDN Lama", types=("sd",), verified_at=_ago(500))
    verified_site("Puskesmas Segar", verified_at=_ago(10))
    verified_site("Puskesmas KM", KAMPUNG_MELAYU, verified_at=_ago(380))
    verified_site("Puskesmas Menteng", MENTENG, verified_at=_ago(600))
    client.force_login(camat)
    response = client.get(reverse("services:review_stale"))
    groups = response.context["groups"]
    assert [g.kelurahan.code for g in groups] == ["31.75.03.1004", KAMPUNG_MELAYU]
    assert [s.name for s in groups[0].sites] == ["SDN Lama", "Puskesmas Lama"]
    assert groups[0].keepers == ["lurah"] and groups[1].keepers == []
    assert response.context["total"] == 3
    assert "Puskesmas Segar" not in response.content.decode()


def test_it_takes_the_window_from_the_setting(client, camat, settings):
    settings.KALTARA_FRESHNESS_DAYS = 30
    verified_site("Puskesmas", verified_at=_ago(40))
    client.force_login(camat)
    assert client.get(reverse("services:review_stale")).context["total"] == 1


def test_it_shows_a_stale_site_as_such_on_its_page(client, lurah):
    site = verified_site(verified_at=_ago(400))
    client.force_login(lurah)
    response = client.get(site.get_absolute_url())
    assert response.context["is_stale"] and response.context["may_request_reverify"]
    assert "perlu diverifikasi ulang" in response.content.decode()


def test_it_reminds_the_lurah_and_the_sector_officers_once_a_week(
    lurah, sudinkes, sudindik, sudinkes_pusat
):
    verified_site("Puskesmas Lama", verified_at=_ago(400))
    verified_site("Posyandu Lama", types=("posyandu",), verified_at=_ago(370))
    verified_site("Puskesmas Segar", verified_at=_ago(3))
    assert reminders.stale_reminders_send() == 2
    notes = {n.recipient.username: n for n in Notification.objects.filter(kind="site_stale")}
    assert set(notes) == {"lurah", "sudinkes"}
    assert notes["lurah"].title.startswith("2 situs") and notes["sudinkes"].title.startswith("2")
    assert notes["lurah"].url == reverse("services:review_stale")
    # Run again (a redelivery, the next day): nobody is reminded twice in a week.
    assert reminders.stale_reminders_send() == 0
    assert reminders.stale_reminders_send(now=timezone.now() + timedelta(days=7)) == 2


def test_it_reminds_officers_of_overdue_reviews_daily(lurah, sudinkes, sudindik, settings):
    settings.KALTARA_REVIEW_OVERDUE_DAYS = 7
    submitted_site("Puskesmas Tua", submitted_at=_ago(10))
    submitted_site("Puskesmas Baru", submitted_at=_ago(1))
    assert reminders.overdue_reminders_send() == 1
    note = Notification.objects.get(kind="review_overdue")
    assert note.recipient == sudinkes and note.title.startswith("1 tinjauan")
    assert reminders.overdue_reminders_send() == 0


def test_the_periodic_task_runs_both_reminders(lurah, sudinkes):
    verified_site(verified_at=_ago(400))
    submitted_site("Puskesmas Tua", submitted_at=_ago(30))
    result = tasks.review_reminders_send.delay().get()
    assert result == {"stale": 2, "overdue": 1}


def test_the_beat_schedule_runs_the_reminders_every_morning():
    entry = SERVICES_BEAT_SCHEDULE["services-review-reminders-daily"]
    assert entry["task"] == "services.tasks.review_reminders_send"
    assert entry["task"] in __import__("kaltara.celery").celery.app.tasks


def test_it_skips_inactive_users(lurah):
    lurah.is_active = False
    lurah.save()
    make_user("lurah_new", "lurah", "31.75.03.1004")
    verified_site(verified_at=_ago(400))
    reminders.stale_reminders_send()
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"lurah_new"}
