"""Grants kept per worker by the user's grants version: every change shows on the next request.

accounts.scoping keeps each user's grants by (user, grants_version) so a page costs no
query for them; these tests prove that no ORM path changes an assignment without moving
the version, and that a revoked grant stops working on the very next request.
"""

import time

import pytest
from django.urls import reverse

from accounts import scoping
from accounts.models import Assignment, Role, User
from tests.conftest import JATINEGARA, KAMPUNG_MELAYU, RAWA_BUNGA, make_user

pytestmark = pytest.mark.django_db


def _version(user) -> int:
    return User.objects.values_list("grants_version", flat=True).get(pk=user.pk)


def _dashboard(code):
    return reverse("kaltara:dashboard_area", args=[code])


def test_a_revoked_grant_stops_working_on_the_next_request(client, lurah):
    client.force_login(lurah)
    assert client.get(_dashboard(RAWA_BUNGA)).status_code == 200
    assert client.get(_dashboard(RAWA_BUNGA)).status_code == 200  # served from the memo
    lurah.assignments.get().delete()
    assert client.get(_dashboard(RAWA_BUNGA)).status_code == 404


def test_a_new_grant_works_on_the_next_request(client, lurah):
    client.force_login(lurah)
    assert client.get(_dashboard(KAMPUNG_MELAYU)).status_code == 404
    Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=KAMPUNG_MELAYU)
    assert client.get(_dashboard(KAMPUNG_MELAYU)).status_code == 200


def test_the_grants_cost_no_query_while_the_version_stands(lurah, django_assert_num_queries):
    fresh = User.objects.get(pk=lurah.pk)
    with django_assert_num_queries(1):
        assert scoping.may_change(fresh, region_code=RAWA_BUNGA)
    again = User.objects.get(pk=lurah.pk)  # the next request's user object
    with django_assert_num_queries(0):
        assert scoping.may_change(again, region_code=RAWA_BUNGA)


@pytest.mark.parametrize(
    "change",
    [
        "save",
        "delete",
        "queryset_update",
        "queryset_delete",
        "bulk_create",
        "bulk_update",
        "user_deleted_elsewhere",
    ],
)
def test_every_orm_change_to_an_assignment_moves_the_version(lurah, change):
    before = _version(lurah)
    assignment = Assignment.objects.get(user=lurah)
    if change == "save":
        assignment.region_id = KAMPUNG_MELAYU
        assignment.save()
    elif change == "delete":
        assignment.delete()
    elif change == "queryset_update":
        Assignment.objects.filter(user=lurah).update(region_id=KAMPUNG_MELAYU)
    elif change == "queryset_delete":
        Assignment.objects.filter(user=lurah).delete()
    elif change == "bulk_create":
        Assignment.objects.bulk_create(
            [Assignment(user=lurah, role=Role.LURAH, region_id=KAMPUNG_MELAYU)]
        )
    elif change == "bulk_update":
        assignment.region_id = KAMPUNG_MELAYU
        Assignment.objects.bulk_update([assignment], ["region"])
    elif change == "user_deleted_elsewhere":
        other = make_user("other", Role.CAMAT, JATINEGARA)
        other.delete()  # cascades to its assignment: lurah untouched
        assert _version(lurah) == before
        return
    assert _version(lurah) > before


def test_moving_an_assignment_to_another_user_moves_both_versions(lurah, lurah_other):
    assignment = Assignment.objects.get(user=lurah)
    before = _version(lurah), _version(lurah_other)
    assignment.user = lurah_other
    assignment.role, assignment.region_id = Role.LURAH, KAMPUNG_MELAYU
    Assignment.objects.filter(user=lurah_other).delete()
    assignment.save()
    assert _version(lurah) > before[0] and _version(lurah_other) > before[1]

    before = _version(lurah), _version(lurah_other)
    Assignment.objects.filter(pk=assignment.pk).update(user=lurah)
    assert _version(lurah) > before[0] and _version(lurah_other) > before[1]


def test_saving_a_user_loaded_earlier_does_not_move_the_version_back(lurah):
    stale = User.objects.get(pk=lurah.pk)
    Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=KAMPUNG_MELAYU)
    bumped = _version(lurah)
    stale.first_name = "Nama baru"
    stale.save()
    assert _version(lurah) == bumped
    assert User.objects.get(pk=lurah.pk).first_name == "Nama baru"


def test_the_holder_of_the_user_object_sees_the_change(lurah):
    assert not scoping.may_change(lurah, region_code=KAMPUNG_MELAYU)
    Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=KAMPUNG_MELAYU)
    assert scoping.may_change(lurah, region_code=KAMPUNG_MELAYU)


def test_a_change_behind_the_orms_back_shows_within_the_max_age(lurah, monkeypatch):
    from django.db import connection

    fresh = User.objects.get(pk=lurah.pk)
    assert scoping.may_change(fresh, region_code=RAWA_BUNGA)
    with connection.cursor() as cursor:  # raw SQL: no version bump
        cursor.execute("DELETE FROM accounts_assignment WHERE user_id = %s", [lurah.pk])
    assert scoping.may_change(User.objects.get(pk=lurah.pk), region_code=RAWA_BUNGA)
    later = time.monotonic() + scoping.GRANTS_MAX_AGE + 1
    monkeypatch.setattr("accounts.memo.time.monotonic", lambda: later)
    assert not scoping.may_change(User.objects.get(pk=lurah.pk), region_code=RAWA_BUNGA)
