"""Open data is public, holds only what is meant to be public, and can be switched off.

Every open-data URL of tests/surfaces.py (the lists plain, full and streamed, every HSDS id
of the test sites, every download) is fetched signed out; no private text of the
visibility world (drafts, a pending change, a draft hub) and no hidden site of the open
rule's own fixtures (registered but edited, demo, closed, submitted, returned) may appear.
"""

import io
import zipfile

import pytest
from django.core.cache import cache
from django.test import override_settings

from scoring.services import scores_recompute
from tests.surfaces import GET_PAGES
from tests.visibility.conftest import World
from web.fragments import LOCAL

pytestmark = pytest.mark.django_db

OPEN_DATA_NAMES = [name for name in GET_PAGES if name.startswith(("opendata:", "hsds:"))]


def open_data_paths(world) -> list[str]:
    return [path for name in OPEN_DATA_NAMES for path in GET_PAGES[name](world)]


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # .xlsx: the strings live in the zip's XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return body.decode("utf-8-sig", "replace")


def fetch_all(client, world) -> dict[str, str]:
    texts = {}
    for path in open_data_paths(world):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        if "/api/hsds/" not in path or "?" in path or path.endswith("/hsds/"):
            assert response.status_code == 200, path  # lists and files always answer
        texts[path] = text_of(response)
    return texts


def test_signed_out_visitors_read_open_data_without_being_sent_to_sign_in(client, directory):
    world = World(users={}, sites=directory.public + directory.hidden)
    for path in open_data_paths(world):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "/accounts/login/" not in response.get("Location", ""), path


def test_no_private_text_of_the_visibility_world_reaches_open_data(client, world):
    scores_recompute()  # the kawasan's stored scores are published, their draft hub is not
    forbidden = world.forbidden_for(world.users["nobody"])
    assert "RAHASIA Draf Posyandu KM" in forbidden
    leaks = [
        (path, secret)
        for path, text in fetch_all(client, world).items()
        for secret in forbidden
        if secret in text
    ]
    assert not leaks
    # The kawasan themselves and their open members are published.
    kawasan_csv = client.get("/data-terbuka/kawasan.csv").content.decode("utf-8-sig")
    assert "Kawasan Uji KM" in kawasan_csv and "RPTRA Publik Rawa Bunga" in kawasan_csv


def test_the_open_rule_leaves_out_every_kind_of_hidden_site_and_contacts(client, directory):
    world = World(users={}, sites=directory.public + directory.hidden)
    texts = fetch_all(client, world)
    everything = "\n".join(texts.values())
    for site in directory.public:
        assert site.name in everything
    leaks = [(path, "RAHASIA") for path, text in texts.items() if "RAHASIA" in text]
    assert not leaks, leaks  # hidden names, and the registered site's contact number


def test_registered_facilities_can_be_left_out(client, directory):
    with override_settings(KALTARA_OPEN_DATA_REGISTERED=False):
        body = client.get("/api/hsds/services", {"per_page": 100}).json()
        csv = client.get("/data-terbuka/situs.csv").content.decode("utf-8-sig")
    names = {s["name"] for s in body["contents"]}
    assert "SMPN Terdaftar Kampung Melayu" not in names
    assert "SMPN Terdaftar Kampung Melayu" not in csv
    assert "RPTRA Terbuka Rawa Bunga" in names


def test_switched_off_every_open_data_url_is_a_404(client, directory):
    world = World(users={}, sites=directory.public)
    with override_settings(KALTARA_OPEN_DATA=False):
        for path in open_data_paths(world):
            assert client.get(path).status_code == 404, path


def test_an_officer_signed_in_reads_exactly_what_a_visitor_reads(client, directory, provinsi):
    paths = [
        "/api/hsds/services?full=true",
        "/data-terbuka/situs.csv",
        "/data-terbuka/situs.geojson",
    ]
    anonymous = [client.get(p).content for p in paths]
    cache.clear()  # built again for the officer, not read from the cache
    LOCAL.clear()
    client.force_login(provinsi)  # provincial staff may see every draft in the portal
    assert [client.get(p).content for p in paths] == anonymous
