"""seed_load_users: the load test's users, in real regions spread over Jakarta."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Assignment, Role, User

pytestmark = pytest.mark.django_db


def _seed(**counts) -> list[dict]:
    from io import StringIO

    out = StringIO()
    args = [f"--{role}={n}" for role, n in counts.items()]
    call_command("seed_load_users", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_spreads_users_over_real_regions_one_role_each():
    rows = _seed(lurah=12, camat=4, sudin=4, provinsi=2)
    assert len(rows) == 22
    by_role = {}
    for row in rows:
        by_role.setdefault(row["role"], []).append(row["region"])
    assert len(set(by_role["lurah"])) == 12  # twelve different kelurahan
    assert {code[:5] for code in by_role["lurah"]} >= {"31.71", "31.72", "31.73", "31.74", "31.75"}
    assert len(set(by_role["camat"])) == 4
    assert by_role["provinsi"] == ["31", "31"]
    officers = Assignment.objects.filter(role=Role.SUDIN, user__username__startswith="uji.")
    assert {a.sector.code for a in officers} == {"kesehatan", "pendidikan"}
    for row in rows:
        assert User.objects.get(username=row["username"]).assignments.count() == 1


def test_it_is_idempotent_and_users_can_sign_in(client):
    first = _seed(lurah=3, camat=1, sudin=1, provinsi=1)
    assert _seed(lurah=3, camat=1, sudin=1, provinsi=1) == first
    assert User.objects.filter(username__startswith="uji.").count() == 6
    response = client.post(
        "/accounts/login/", {"username": "uji.lurah.001", "password": "kaltara-demo"}
    )
    assert response.status_code == 302


@override_settings(KALTARA_ALLOW_DEMO=False)
def test_it_refuses_production_settings():
    with pytest.raises(CommandError):
        call_command("seed_load_users")
    assert not User.objects.filter(username__startswith="uji.").exists()
