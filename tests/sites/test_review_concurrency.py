"""Two people acting on the same submission or change at once: exactly one wins.

Each decision is one conditional UPDATE on (state, version): both reviewers loaded the page
at the same version, so the second statement matches no row and says who acted first. The
PostGIS case runs the two statements from two real connections at the same time.
"""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from accounts.models import Role
from sites import services
from sites.models import ReviewEvent, ReviewState, Site
from sites.review import pending, transitions
from tests.conftest import make_user
from tests.sites.reviewkit import submitted_site, verified_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sudinkes2(db):
    user = make_user("sudinkes2", Role.SUDIN, "31.75", "kesehatan")
    user.first_name = "Dokter Kedua"
    user.save()
    return user


def test_it_lets_one_of_two_verifying_reviewers_win(sudinkes, sudinkes2):
    site = submitted_site()
    seen_by_both = site.version
    transitions.site_verify(user=sudinkes, site=site, version=seen_by_both)
    stale = Site.objects.get(pk=site.pk)
    stale.review_state = ReviewState.SUBMITTED  # the second reviewer's page, loaded earlier
    with pytest.raises(transitions.ReviewConflict) as exc:
        transitions.site_verify(user=sudinkes2, site=stale, version=seen_by_both)
    assert "Terverifikasi" in str(exc.value) and "sudinkes" in str(exc.value)
    assert ReviewEvent.objects.filter(site=site).count() == 1


def test_it_lets_one_of_verify_and_return_win_through_the_pages(client, sudinkes, sudinkes2):
    site = submitted_site()
    client.force_login(sudinkes)
    client.post(reverse("services:site_verify", args=[site.pk]), {"version": site.version})
    client.force_login(sudinkes2)
    response = client.post(
        reverse("services:site_return", args=[site.pk]),
        {"version": site.version, "reason": "Foto kurang"},
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "sudah berstatus Terverifikasi" in text and "Tidak ada yang diubah" in text
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED
    assert list(ReviewEvent.objects.filter(site=site).values_list("action", flat=True)) == [
        "verified"
    ]


def test_it_refuses_a_verification_of_a_site_edited_since_the_page_was_loaded(lurah, sudinkes):
    site = submitted_site()
    loaded = site.version
    services.site_update(user=lurah, site=site, data={"address": "Jl. Baru"}, version=loaded)
    with pytest.raises(transitions.ReviewConflict) as exc:
        transitions.site_verify(user=sudinkes, site=site, version=loaded)
    assert "diubah orang lain" in str(exc.value)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_it_lets_one_of_two_decisions_on_a_pending_change_win(lurah, sudinkes, sudinkes2):
    site = verified_site()
    change = services.site_update(
        user=lurah, site=site, data={"name": "Puskesmas RB Baru"}, version=site.version
    ).pending_change
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    with pytest.raises(transitions.ReviewConflict) as exc:
        pending.pending_change_return(
            user=sudinkes2, change=change, version=change.version, reason="Nama salah"
        )
    assert "disetujui" in str(exc.value)
    change.refresh_from_db()
    assert change.state == "approved" and change.reason == ""


def test_it_refuses_an_approval_when_the_proposer_changed_the_proposal_meanwhile(lurah, sudinkes):
    site = verified_site()
    change = services.site_update(
        user=lurah, site=site, data={"name": "Nama A"}, version=site.version
    ).pending_change
    seen = change.version
    services.site_update(user=lurah, site=site, data={"name": "Nama B"}, version=site.version)
    with pytest.raises(transitions.ReviewConflict):
        pending.pending_change_approve(
            user=sudinkes, change=change, version=seen, site_version=site.version
        )
    site.refresh_from_db()
    assert site.name == "Puskesmas Rawa Bunga"


def _in_thread(fn):
    """Run fn on its own database connection (committed, visible to other connections)."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except Exception as exc:  # handed back to the caller
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if "error" in out:
        raise out["error"]
    return out.get("value")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
def test_it_lets_one_of_two_concurrent_reviewers_win_on_postgis():
    def setup():
        one = make_user("race_one", Role.SUDIN, "31.75", "kesehatan")
        two = make_user("race_two", Role.SUDIN, "31.75", "kesehatan")
        return one.pk, two.pk, submitted_site("Puskesmas Paralel").pk

    one_pk, two_pk, site_pk = _in_thread(setup)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user_pk, action):
        def run():
            from accounts.models import User

            user = User.objects.get(pk=user_pk)
            site = Site.objects.prefetch_related("types").get(pk=site_pk)
            barrier.wait(timeout=10)  # both loaded the same version; now both act
            try:
                if action == "verify":
                    transitions.site_verify(user=user, site=site, version=site.version)
                else:
                    transitions.site_return(user=user, site=site, version=site.version, reason="x")
                outcomes[action] = "won"
            except transitions.ReviewConflict:
                outcomes[action] = "lost"
            finally:
                connections.close_all()

        return threading.Thread(target=run)

    threads = [decide(one_pk, "verify"), decide(two_pk, "return")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes.values()) == ["lost", "won"]
        state, events = _in_thread(
            lambda: (
                Site.objects.get(pk=site_pk).review_state,
                ReviewEvent.objects.filter(site_id=site_pk).count(),
            )
        )
        winner = "verified" if outcomes["verify"] == "won" else "returned"
        assert state == winner and events == 1
    finally:

        def cleanup():
            from accounts.models import User

            Site.objects.filter(pk=site_pk).delete()
            User.objects.filter(pk__in=[one_pk, two_pk]).delete()

        _in_thread(cleanup)
