"""Static files as `make run` and production serve them (collected: hashed names, compressed),
the favicon, and `make run`'s DEBUG off by default."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_favicon_ico_is_never_a_404():
    client = Client()  # signed out: a browser asks before any login
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
    assert client.head("/favicon.ico").status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)


@pytest.mark.django_db
def test_every_page_names_the_icon(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg" type="image/svg\+xml">', page)


def _collected_env(static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(KALTARA_COLLECTED_STATIC="1", DJANGO_STATIC_ROOT=str(static_root))
    return env


def test_collectstatic_builds_the_hashed_compressed_files(tmp_path):
    # The manifest refuses a file that names a missing one (a source map, a CSS image): this
    # is `make setup`'s step and the production image's.
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_collected_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("favicon.svg", "css/portal.css", "js/map_picker_setup.js", "leaflet/leaflet.js"):
        hashed = manifest[name]
        assert hashed != name and (tmp_path / hashed).exists()
        assert (tmp_path / f"{hashed}.gz").exists()


def test_collected_mode_uses_whitenoise_manifest_storage(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS)"
    )
    env = _collected_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "kaltara.settings"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "False",
    ]


def test_make_run_serves_with_debug_off_unless_asked():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DJANGO_DEBUG=$${DJANGO_DEBUG:-0}" in run
    assert "KALTARA_COLLECTED_STATIC=1" in makefile and "$(COLLECTED)" in run
    assert re.search(r"^setup:.*\$\(STATIC_STAMP\)", makefile, re.M)
