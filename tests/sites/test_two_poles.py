"""Two poles that hold: every sector a change touches (current or proposed types) approves
its part, and nobody reviews what they submitted or proposed, whatever grants they hold."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Assignment, Role, Sector
from sites import services
from sites.models import ChecklistAnswer, PendingChangeState, ReviewState, Site
from sites.review import pending, queue, transitions
from tests.conftest import JAKARTA_TIMUR, RAWA_BUNGA, make_user
from tests.factories import service_type
from tests.sites.reviewkit import ensure_items, items_of, submitted_site, verified_site

pytestmark = pytest.mark.django_db


def _propose(user, site, **data):
    return services.site_update(user=user, site=site, data=data, version=site.version)


def _approve(user, change):
    change.refresh_from_db()
    site = Site.objects.get(pk=change.site_id)
    return pending.pending_change_approve(
        user=user, change=change, version=change.version, site_version=site.version
    )


def _queue_changes(user):
    return [i.change.pk for i in queue.review_queue(user) if i.kind == "change"]


def test_a_change_to_another_sectors_type_needs_that_sector_too(lurah, sudinkes, sudindik):
    site = verified_site("Puskesmas Rawa Bunga", types=("puskesmas",))
    change = _propose(lurah, site, types=[service_type("sd")]).pending_change
    from accounts.models import Sector
    from sites.review import selectors

    sectors = set(
        Sector.objects.filter(pk__in=selectors.change_sector_ids(change)).values_list(
            "code", flat=True
        )
    )
    assert sectors == {"kesehatan", "pendidikan"}
    # Both officers see it in their queue.
    assert change.pk in _queue_changes(sudinkes) and change.pk in _queue_changes(sudindik)

    _approve(sudinkes, change)
    change.refresh_from_db()
    site.refresh_from_db()
    assert change.state == PendingChangeState.PENDING  # health alone does not apply it
    assert [t.code for t in site.types.all()] == ["puskesmas"]
    assert change.pk not in _queue_changes(sudinkes)  # its part is done
    assert change.pk in _queue_changes(sudindik)  # education still has to look

    _approve(sudindik, change)
    change.refresh_from_db()
    site.refresh_from_db()
    assert change.state == PendingChangeState.APPROVED
    assert [t.code for t in site.types.all()] == ["sd"]


def test_the_education_officer_can_open_and_return_it(client, lurah, sudindik):
    site = verified_site("Puskesmas Rawa Bunga", types=("puskesmas",))
    change = _propose(lurah, site, types=[service_type("sd")]).pending_change
    client.force_login(sudindik)
    assert client.get(change.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("services:pending_change_return", args=[change.pk]),
        {"version": change.version, "reason": "Bukan sekolah."},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == PendingChangeState.RETURNED


def test_an_officer_of_an_untouched_sector_cannot_decide(lurah, sudindik):
    site = verified_site("Puskesmas Rawa Bunga", types=("puskesmas",))
    change = _propose(lurah, site, name="Puskesmas RB Baru").pending_change
    with pytest.raises(PermissionDenied):
        _approve(sudindik, change)


def test_editing_the_proposal_clears_the_approvals_given(lurah, sudinkes, sudindik):
    site = verified_site("Puskesmas Rawa Bunga", types=("puskesmas",))
    change = _propose(lurah, site, types=[service_type("sd")]).pending_change
    _approve(sudinkes, change)
    assert change.approvals.count() == 1
    site.refresh_from_db()
    _propose(lurah, site, types=[service_type("sd")], name="SD Baru")
    assert change.approvals.count() == 0


def test_approving_confirms_checklist_answers_of_approving_sectors_only(lurah, sudinkes):
    site = verified_site("Puskesmas Rawa Bunga", types=("puskesmas",))
    item = items_of(site)[0]
    ChecklistAnswer.objects.filter(site=site, item=item).update(answer=False, confirmed=True)
    change = _propose(lurah, site, name="Puskesmas X").pending_change
    # A proposed answer on the health item, approved by health: confirmed by its sector.
    change.data = {**change.data, "checklist": {str(item.pk): [True, ""]}}
    change.save()
    _approve(sudinkes, change)
    answer = ChecklistAnswer.objects.get(site=site, item=item)
    assert answer.answer is True and answer.confirmed is True


# ---- four eyes ----


@pytest.fixture
def dual(db):
    """A lurah of Rawa Bunga who is also a health officer of Jakarta Timur."""
    user = make_user("dual", Role.LURAH, RAWA_BUNGA)
    Assignment.objects.create(
        user=user,
        role=Role.SUDIN,
        region_id=JAKARTA_TIMUR,
        sector=Sector.objects.get(code="kesehatan"),
    )
    return user


def test_nobody_verifies_what_they_submitted(dual, sudinkes):
    ensure_items("puskesmas")
    site = submitted_site()
    transitions.ReviewEvent.objects.create(
        site=site,
        action="submitted",
        from_state=ReviewState.DRAFT,
        to_state=ReviewState.SUBMITTED,
        user=dual,
    )
    for step in (transitions.site_verify, transitions.site_reverify):
        with pytest.raises(PermissionDenied):
            step(user=dual, site=site, version=site.version)
    with pytest.raises(PermissionDenied):
        transitions.site_return(user=dual, site=site, version=site.version, reason="x")
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED
    # Another officer may.
    transitions.site_verify(user=sudinkes, site=site, version=site.version)


def test_nobody_approves_or_returns_what_they_proposed(dual):
    site = verified_site()
    change = _propose(dual, site, name="Puskesmas Usulan Sendiri").pending_change
    with pytest.raises(PermissionDenied):
        _approve(dual, change)
    with pytest.raises(PermissionDenied):
        pending.pending_change_return(user=dual, change=change, version=change.version, reason="x")


def test_an_admin_grant_does_not_lift_four_eyes(db):
    admin = make_user("admin4", Role.ADMIN, "31")
    site = verified_site()
    change = _propose(admin, site, name="Usulan Admin").pending_change
    with pytest.raises(PermissionDenied):
        _approve(admin, change)


def test_bulk_verify_skips_own_submissions_and_says_so(client, dual):
    ensure_items("puskesmas")
    site = submitted_site()
    transitions.ReviewEvent.objects.create(
        site=site,
        action="submitted",
        from_state=ReviewState.DRAFT,
        to_state=ReviewState.SUBMITTED,
        user=dual,
    )
    result = queue.sites_verify_bulk(user=dual, items=[(site.pk, site.version)])
    assert result.verified == []
    assert [(name, "empat mata" in why) for name, why in result.skipped] == [(site.name, True)]
    item = next(i for i in queue.review_queue(dual) if i.site.pk == site.pk)
    assert item.own
    client.force_login(dual)
    html = client.get(reverse("services:review_queue")).content.decode()
    assert f'value="{site.pk}:{site.version}"' not in html  # no checkbox for it
    assert "Anda sendiri yang mengajukan" in html
