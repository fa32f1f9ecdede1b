"""The demo review data on the real Rawa Bunga sites, and the whole review loop through the
pages with the demo logins: edit a verified site, return, read the reason, fix, approve."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from demo.kawasan import demo_kawasan_create
from demo.sites import PUSKESMAS, RPTRA, SD, SMP, demo_reviews_create
from demo.users import demo_users_create
from notifications.models import Notification
from scoring.models import KawasanScore
from sites.models import PendingChange, ReviewEvent, ReviewState, Site

pytestmark = pytest.mark.django_db


def _site(key) -> Site:
    return Site.objects.get(source=key[0], source_id=key[1])


def test_it_verifies_the_demo_sites_and_leaves_the_rptra_submitted(imported):
    demo_users_create()
    report = demo_reviews_create()
    assert len(report.verified) == 3 and len(report.submitted) == 1
    for key, who in (
        (PUSKESMAS, "sudinkes.jaktim"),
        (SD, "sudindik.jaktim"),
        (SMP, "sudindik.jaktim"),
    ):
        site = _site(key)
        assert site.review_state == ReviewState.VERIFIED and site.verified_at
        event = site.review_events.get(action="verified")
        assert event.user.username == who and event.is_demo
        assert site.review_events.get(action="submitted").user.username == "lurah.rawabunga"
        answers = list(site.checklist_answers.all())
        assert answers and all(a.note == "data demo" for a in answers)
    assert _site(RPTRA).review_state == ReviewState.SUBMITTED
    # Demo steps put nothing in the demo users' inboxes.
    assert not Notification.objects.exists()


def test_it_changes_nothing_when_run_again(imported):
    demo_reviews_create()
    events = ReviewEvent.objects.count()
    again = demo_reviews_create()
    assert (again.verified, again.submitted) == ([], [])
    assert len(again.unchanged) == 4 and ReviewEvent.objects.count() == events


def test_it_gives_the_demo_kawasan_all_four_score_components(
    imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kawasan = demo_kawasan_create().kawasan
        demo_reviews_create()
    score = KawasanScore.objects.get(kawasan=kawasan)
    assert score.coverage > 0 and score.connectivity > 0
    assert score.proximity > 0 and score.freshness > 0


def _login(client, username):
    client.force_login(User.objects.get(username=username))


def _edit_data(site, **overrides):
    data = {
        "name": site.name,
        "types": [t.pk for t in site.types.all()],
        "location": json.dumps(
            {"type": "Point", "coordinates": [site.location.x, site.location.y]}
        ),
        "latitude": "",
        "longitude": "",
        "address": site.address,
        "contact": site.contact,
        "operating_status": site.operating_status,
        "version": str(site.version),
        "confirm_duplicate": "on",
    }
    data.update(overrides)
    return data


def test_the_whole_review_loop_with_the_demo_logins(
    client, imported, django_capture_on_commit_callbacks
):
    demo_users_create()
    demo_reviews_create()
    puskesmas = _site(PUSKESMAS)
    live_name, live_location = puskesmas.name, puskesmas.location
    verified_at = puskesmas.verified_at

    # The lurah edits the verified puskesmas: name and a point 40 m north.
    _login(client, "lurah.rawabunga")
    moved_lat = round(live_location.y + 40 / 110_600, 7)
    response = client.post(
        reverse("services:site_edit", args=[puskesmas.pk]),
        _edit_data(
            puskesmas,
            name="Puskesmas Kelurahan Rawa Bunga (PRAP)",
            latitude=str(moved_lat),
            longitude=str(live_location.x),
        ),
    )
    change = PendingChange.objects.get(site=puskesmas)
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    puskesmas.refresh_from_db()
    assert puskesmas.name == live_name and puskesmas.location.equals_exact(live_location, 1e-9)

    # The Sudin Kesehatan officer sees it in the queue and the field-by-field diff.
    _login(client, "sudinkes.jaktim")
    queue = client.get(reverse("services:review_queue"))
    assert any(i.change and i.change.pk == change.pk for i in queue.context["page"].object_list)
    page = client.get(change.get_absolute_url())
    html = page.content.decode()
    assert live_name in html and "Puskesmas Kelurahan Rawa Bunga (PRAP)" in html
    assert [r.field for r in page.context["diff"]] == ["name", "location"]
    assert page.context["map_points"][0]["lat"] == pytest.approx(moved_lat)
    response = client.post(
        reverse("services:pending_change_return", args=[change.pk]),
        {"version": change.version, "reason": "Nama resmi tanpa singkatan PRAP, mohon diperbaiki."},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == "returned"

    # The lurah reads the reason in the inbox, fixes the name and resubmits.
    _login(client, "lurah.rawabunga")
    inbox = client.get(reverse("notifications:inbox"))
    assert "Nama resmi tanpa singkatan PRAP" in inbox.content.decode()
    assert inbox.context["unread"] == 1
    form = client.get(reverse("services:site_edit", args=[puskesmas.pk]))
    assert form.context["form"].initial["name"] == "Puskesmas Kelurahan Rawa Bunga (PRAP)"
    assert "Nama resmi tanpa singkatan PRAP" in form.content.decode()
    puskesmas.refresh_from_db()
    client.post(
        reverse("services:site_edit", args=[puskesmas.pk]),
        _edit_data(
            puskesmas,
            name="Puskesmas Kelurahan Rawa Bunga",
            latitude=str(moved_lat),
            longitude=str(live_location.x),
        ),
    )
    change.refresh_from_db()
    assert change.state == "pending" and change.data["name"] == "Puskesmas Kelurahan Rawa Bunga"

    # The officer approves: applied at once, the site stays verified.
    _login(client, "sudinkes.jaktim")
    page = client.get(change.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("services:pending_change_approve", args=[change.pk]),
            {"version": change.version, "site_version": page.context["site"].version},
        )
    assert response.status_code == 302
    puskesmas.refresh_from_db()
    assert puskesmas.name == "Puskesmas Kelurahan Rawa Bunga"
    assert puskesmas.location.y == pytest.approx(moved_lat)
    assert puskesmas.review_state == ReviewState.VERIFIED and puskesmas.verified_at > verified_at
    # The site page keeps the whole story in one list.
    _login(client, "lurah.rawabunga")
    detail = client.get(puskesmas.get_absolute_url())
    actions = [row["action"] for row in detail.context["changes"]]
    assert [str(a) for a in actions[:4]] == [
        "Usulan perubahan disetujui",
        "Usulan perubahan diajukan",
        "Usulan perubahan dikembalikan",
        "Usulan perubahan diajukan",
    ]
    assert "Nama resmi tanpa singkatan PRAP" in detail.content.decode()
