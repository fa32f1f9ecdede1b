from datetime import date

import pytest
from django.contrib.admin.sites import AdminSite
from django.db import IntegrityError
from django.utils import timezone

from scoring import services
from scoring.admin import ScoringPolicyAdmin
from scoring.models import KawasanScore, RecomputeRequest, ScoreSnapshot, ScoringPolicy
from scoring.policy import DEFAULT_POLICY, policy_to_dict
from tests.scoring.conftest import make_kawasan, make_site


@pytest.mark.django_db
def test_it_ships_kaltara_1_active_with_the_core_default_parameters():
    policy = ScoringPolicy.objects.get(is_active=True)

    assert policy.version == "kaltara-1"
    assert policy.activated_at is not None
    # The migration keeps its own copy; it must still be the core's DEFAULT_POLICY.
    assert policy.params == policy_to_dict(DEFAULT_POLICY)
    assert policy.as_policy() == DEFAULT_POLICY


@pytest.mark.django_db
def test_it_allows_one_active_policy_only():
    with pytest.raises(IntegrityError):
        ScoringPolicy.objects.create(
            version="kaltara-2", name="Kaltara 2", params={}, is_active=True
        )


@pytest.mark.django_db
def test_it_takes_the_version_from_the_row_not_from_params():
    policy = ScoringPolicy.objects.create(
        version="kaltara-2",
        name="Kaltara 2",
        params=policy_to_dict(DEFAULT_POLICY),  # says "kaltara-1"
    )

    assert policy.as_policy().version == "kaltara-2"


@pytest.mark.django_db
def test_it_keeps_one_snapshot_per_kawasan_and_month():
    kawasan = make_kawasan([])
    policy = ScoringPolicy.objects.get(is_active=True)
    ScoreSnapshot.objects.create(
        kawasan=kawasan, month=date(2025, 5, 1), policy=policy, total=1, band="Belum"
    )

    with pytest.raises(IntegrityError):
        ScoreSnapshot.objects.create(
            kawasan=kawasan, month=date(2025, 5, 1), policy=policy, total=2, band="Belum"
        )


@pytest.mark.django_db
def test_it_keeps_one_score_and_one_request_per_kawasan():
    kawasan = make_kawasan([])
    RecomputeRequest.objects.create(kawasan=kawasan)
    with pytest.raises(IntegrityError):
        RecomputeRequest.objects.create(kawasan=kawasan)


@pytest.mark.django_db
def test_it_protects_a_used_policy_from_deletion():
    kawasan = make_kawasan([make_site("rptra")])
    services.scores_recompute(kawasan_ids=[kawasan.pk])
    policy = ScoringPolicy.objects.get(is_active=True)

    with pytest.raises(Exception, match="protected"):
        policy.delete()
    assert KawasanScore.objects.filter(kawasan=kawasan).exists()


@pytest.mark.django_db
def test_it_shows_every_policy_read_only_in_the_admin(rf, provinsi):
    # Issue 13: policies are written and activated in the portal (scoring/views.py), never
    # as JSON in the admin; a draft nobody used may still be deleted there.
    admin = ScoringPolicyAdmin(ScoringPolicy, AdminSite())
    request = rf.get("/")
    request.user = provinsi
    unused = ScoringPolicy.objects.create(
        version="kaltara-2", name="Kaltara 2", params=policy_to_dict(DEFAULT_POLICY)
    )
    used = ScoringPolicy.objects.get(version="kaltara-1")
    KawasanScore.objects.create(
        kawasan=make_kawasan([]),
        policy=used,
        total=0,
        band="Belum",
        coverage=0,
        connectivity=0,
        proximity=0,
        freshness=0,
        computed_at=timezone.now(),
    )

    for policy in (used, unused):
        assert "params" not in admin.get_fields(request, policy)
        assert "version" in admin.get_readonly_fields(request, policy)
        assert not admin.has_change_permission(request, policy)
    assert not admin.has_add_permission(request)
    assert "activate" not in admin.get_actions(request)
    assert not admin.has_delete_permission(request, used)
