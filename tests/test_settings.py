"""Production settings: `check --deploy` is clean and demo data is refused."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest

ROOT = Path(__file__).resolve().parent.parent


def _prod_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kaltara.settings_production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL="postgis://kaltara@127.0.0.1:5432/kaltara",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DJANGO_ALLOWED_HOSTS="kaltara.jakarta.go.id",
    )
    env.update(extra)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_passes_check_deploy_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_prod_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret", [None, "short", "django-insecure-kaltara-local-only"])
def test_it_refuses_to_start_without_a_real_secret(secret):
    env = _prod_env()
    if secret is None:
        env.pop("DJANGO_SECRET_KEY")
    else:
        env["DJANGO_SECRET_KEY"] = secret
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_seed_demo_refuses_production_settings(settings):
    settings.KALTARA_ALLOW_DEMO = False
    with pytest.raises(CommandError, match="produksi"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_seed_demo_creates_a_login_for_every_role(client, imported):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    from accounts.models import Assignment, User

    assert set(User.objects.values_list("username", flat=True)) >= {
        "lurah.rawabunga",
        "camat.jatinegara",
        "sudinkes.jaktim",
        "sudindik.jaktim",
        "provinsi",
    }
    assert (
        Assignment.objects.filter(
            user__username="lurah.rawabunga", region_id="31.75.03.1004"
        ).count()
        == 1
    )
    # django-axes checks every sign-in against its lockouts and needs the request for it.
    assert client.login(request=HttpRequest(), username="sudinkes.jaktim", password="kaltara-demo")
    from kawasan.models import Kawasan

    demo = Kawasan.objects.get(is_demo=True, region_id="31.75.03.1004")
    assert demo.hub.name == "RPTRA Citra Permata"
