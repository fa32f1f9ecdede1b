"""Production keeps the lockout and the policy, and asks browsers to upgrade to HTTPS."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT = """
import json, django
django.setup()
from django.conf import settings
from csp.utils import build_policy
print(json.dumps({
    "policy": build_policy(config=settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]),
    "backends": settings.AUTHENTICATION_BACKENDS,
    "middleware": settings.MIDDLEWARE,
    "axes": [settings.AXES_ENABLED, settings.AXES_FAILURE_LIMIT],
}))
"""


def _production(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kaltara.settings_production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL="postgis://kaltara@127.0.0.1:5432/kaltara",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DJANGO_ALLOWED_HOSTS="kaltara.jakarta.go.id",
        KALTARA_TILE_URL="",
        **extra,
    )
    out = subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_production_keeps_the_lockout_and_a_strict_policy_over_https():
    conf = _production()
    assert conf["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert conf["middleware"][-1] == "axes.middleware.AxesMiddleware"
    assert conf["axes"] == [True, 5]
    policy = conf["policy"]
    assert "upgrade-insecure-requests" in policy
    assert "unsafe-eval" not in policy
    # No tile server configured (a closed network): images only from the portal.
    assert "img-src 'self' data:;" in policy + ";"


def test_a_trial_over_plain_http_does_not_upgrade():
    policy = _production(DJANGO_SECURE_SSL_REDIRECT="false")["policy"]
    assert "upgrade-insecure-requests" not in policy
