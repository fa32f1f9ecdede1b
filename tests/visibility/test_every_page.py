"""One visibility rule on every page: no GET page of the portal, for any persona, shows a
name or a piece of pending work that the rule hides from that persona.

The pages come from the URL resolver (tests/surfaces.py): a new page must be added there,
or the first test here fails.
"""

import io
import zipfile

import pytest

from tests.surfaces import GET_PAGES, WRITE_ONLY, url_names
from tests.visibility.conftest import PERSONAS

pytestmark = pytest.mark.django_db


def test_every_url_of_the_portal_is_walked():
    names = url_names()
    missing = sorted(names - set(GET_PAGES) - WRITE_ONLY)
    stale = sorted((set(GET_PAGES) | WRITE_ONLY) - names)
    assert not missing, f"pages the matrices do not walk (add them to tests/surfaces.py): {missing}"
    assert not stale, f"names in tests/surfaces.py that no longer exist: {stale}"


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # .xlsx: the strings live in the zip's XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_names_what_the_rule_hides(
    client, world, persona, django_capture_on_commit_callbacks
):
    user = world.users[persona]
    forbidden = world.forbidden_for(user)
    assert forbidden or persona == "provinsi"
    client.force_login(user)
    # The persona's own exports of what they see (built inline: Celery runs eagerly here).
    from exports.queue import export_create

    with django_capture_on_commit_callbacks(execute=True):
        if persona != "nobody":
            world.exports = [
                export_create(user=user, kind="sites", fmt=fmt, params={})
                for fmt in ("csv", "xlsx")
            ]
    for export in world.exports:
        export.refresh_from_db()
        assert export.status == "done" and export.row_count > 0, export.error
    leaks = []
    for _name, paths in GET_PAGES.items():
        for path in paths(world):
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            text = _text(response)
            leaks += [(path, secret) for secret in forbidden if secret in text]
    assert not leaks, f"{persona} reads what is hidden from them: {leaks}"
