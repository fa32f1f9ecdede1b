"""Review transitions: the allowed steps, who may take them, and what the database holds."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sites import signals
from sites.models import (
    ChecklistAnswer,
    PendingChange,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    Site,
)
from sites.review import transitions
from tests.factories import RAWA_BUNGA, make_site
from tests.sites.reviewkit import answer_all, ensure_items, items_of, submitted_site

pytestmark = pytest.mark.django_db


def test_it_submits_a_registered_site_with_its_checklist_filled(lurah):
    site = make_site(review_state=ReviewState.REGISTERED)
    answer_all(site)
    event = transitions.site_submit(user=lurah, site=site, version=1)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED
    assert site.submitted_at is not None and site.version == 2
    assert (event.action, event.from_state, event.to_state, event.user) == (
        ReviewAction.SUBMITTED,
        ReviewState.REGISTERED,
        ReviewState.SUBMITTED,
        lurah,
    )


def test_it_refuses_a_submission_with_unanswered_items_naming_how_many(lurah):
    site = make_site()
    first, *rest = items_of(site)
    ChecklistAnswer.objects.create(site=site, item=first, answer=True)
    with pytest.raises(ValidationError) as exc:
        transitions.site_submit(user=lurah, site=site, version=1)
    assert f"{len(rest)} butir belum dijawab" in " ".join(exc.value.messages)
    site.refresh_from_db()
    assert site.review_state == ReviewState.DRAFT and not site.review_events.exists()


def test_it_verifies_a_submission_recording_who_and_when(sudinkes):
    site = submitted_site()
    before = timezone.now()
    transitions.site_verify(user=sudinkes, site=site, version=site.version)
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED and site.verified_at >= before
    event = site.review_events.get()
    assert (event.action, event.user, event.from_state) == ("verified", sudinkes, "submitted")
    assert event.at >= before


def test_it_requires_a_reason_to_return(sudinkes):
    site = submitted_site()
    with pytest.raises(ValidationError) as exc:
        transitions.site_return(user=sudinkes, site=site, version=site.version, reason="   ")
    assert "reason" in exc.value.message_dict
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_it_returns_with_a_reason_and_the_lurah_resubmits(sudinkes, lurah):
    site = submitted_site()
    transitions.site_return(
        user=sudinkes, site=site, version=site.version, reason="Foto ruang laktasi"
    )
    site.refresh_from_db()
    assert site.review_state == ReviewState.RETURNED
    assert site.review_events.get().reason == "Foto ruang laktasi"
    transitions.site_submit(user=lurah, site=site, version=site.version)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED
    assert list(site.review_events.order_by("at", "pk").values_list("action", flat=True)) == [
        "returned",
        "submitted",
    ]


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "verify"),
        ("registered", "return"),
        ("verified", "verify"),
        ("returned", "verify"),
        ("submitted", "reverify"),
        ("draft", "reverify"),
    ],
)
def test_it_refuses_transitions_the_workflow_does_not_have(sudinkes, state, action):
    now = timezone.now()
    site = make_site(
        review_state=state,
        verified_at=now if state == "verified" else None,
        submitted_at=now if state == "submitted" else None,
    )
    answer_all(site)
    call = {
        "verify": lambda: transitions.site_verify(user=sudinkes, site=site, version=site.version),
        "return": lambda: transitions.site_return(
            user=sudinkes, site=site, version=site.version, reason="x"
        ),
        "reverify": lambda: transitions.site_reverify(
            user=sudinkes, site=site, version=site.version
        ),
    }[action]
    with pytest.raises(transitions.ReviewConflict):
        call()
    site.refresh_from_db()
    assert site.review_state == state and not site.review_events.exists()


def test_it_refuses_to_submit_a_site_already_submitted_or_verified(lurah):
    site = submitted_site()
    with pytest.raises(transitions.ReviewConflict):
        transitions.site_submit(user=lurah, site=site, version=site.version)


def test_it_reverifies_a_verified_site_restarting_its_freshness(sudinkes):
    old = timezone.now() - timezone.timedelta(days=400)
    site = make_site(public=True, verified_at=old)
    transitions.site_reverify(user=sudinkes, site=site, version=site.version)
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED and site.verified_at > old


def test_it_lets_only_the_sector_officer_of_the_kota_decide(lurah, camat, sudindik, sudinkes_pusat):
    site = submitted_site()
    for user in (lurah, camat, sudindik, sudinkes_pusat):
        with pytest.raises(PermissionDenied):
            transitions.site_verify(user=user, site=site, version=site.version)
        with pytest.raises(PermissionDenied):
            transitions.site_return(user=user, site=site, version=site.version, reason="x")


def test_it_lets_only_a_lurah_or_camat_submit(sudinkes, provinsi, lurah_other):
    site = make_site()
    answer_all(site)
    for user in (sudinkes, provinsi, lurah_other):
        with pytest.raises(PermissionDenied):
            transitions.site_submit(user=user, site=site, version=1)


def test_it_tells_the_scoring_that_the_state_changed(sudinkes):
    site = submitted_site()
    received = []
    signals.site_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="rt")
    try:
        transitions.site_verify(user=sudinkes, site=site, version=site.version)
    finally:
        signals.site_changed.disconnect(dispatch_uid="rt")
    assert received[0]["site"].pk == site.pk
    assert {"review_state", "verified_at"} <= set(received[0]["fields"])


def test_it_lets_any_sector_of_a_two_sector_site_verify_but_confirm_only_its_own_items(sudinkes):
    ensure_items("rptra")
    site = submitted_site("RPTRA Melati", types=("rptra", "posyandu"))
    transitions.site_verify(user=sudinkes, site=site, version=site.version)
    rows = list(
        ChecklistAnswer.objects.filter(site=site).values_list(
            "item__service_type__code", "confirmed"
        )
    )
    assert {code for code, _c in rows} == {"rptra", "posyandu"}
    assert {c for code, c in rows if code == "posyandu"} == {True}
    assert {c for code, c in rows if code == "rptra"} == {False}


# ---- what the database itself holds ----


def _integrity(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_the_database_refuses_a_verified_site_without_a_date():
    site = make_site()
    _integrity(lambda: Site.objects.filter(pk=site.pk).update(review_state="verified"))


@pytest.mark.parametrize(
    ("action", "from_state", "to_state"),
    [
        ("verified", "draft", "verified"),
        ("submitted", "verified", "submitted"),
        ("returned", "submitted", "verified"),
        ("reverified", "submitted", "verified"),
        ("verified", "submitted", "returned"),
    ],
)
def test_the_database_refuses_a_transition_outside_the_table(lurah, action, from_state, to_state):
    site = make_site()
    _integrity(
        lambda: ReviewEvent.objects.create(
            site=site, action=action, from_state=from_state, to_state=to_state, reason="x"
        )
    )


def test_the_database_refuses_a_return_without_a_reason():
    site = make_site()
    _integrity(
        lambda: ReviewEvent.objects.create(
            site=site, action="returned", from_state="submitted", to_state="returned"
        )
    )


def test_the_database_refuses_a_change_event_without_its_change():
    site = make_site()
    _integrity(
        lambda: ReviewEvent.objects.create(
            site=site, action="change_proposed", from_state="verified", to_state="verified"
        )
    )


def test_the_database_holds_one_open_change_per_site_and_a_reason_for_returns(lurah):
    site = make_site(public=True)
    PendingChange.objects.create(site=site, submitted_at=timezone.now(), data={"name": "A"})
    _integrity(
        lambda: PendingChange.objects.create(
            site=site, submitted_at=timezone.now(), state="returned", reason="r"
        )
    )
    other = make_site("Posyandu", RAWA_BUNGA, types=("posyandu",), public=True)
    _integrity(
        lambda: PendingChange.objects.create(
            site=other,
            submitted_at=timezone.now(),
            state="returned",
            reviewed_by=lurah,
            reviewed_at=timezone.now(),
        )
    )
