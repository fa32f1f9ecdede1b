"""The English catalogue: complete, not fuzzy, placeholders intact, and used by the pages.

The .po file is parsed with a small reader (polib is not a dependency). The page tests need
the compiled .mo, which `make test` builds from the .po.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from kawasan.models import Kawasan, Membership
from tests.factories import RAWA_BUNGA, make_site

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$")


def po_entries(path=PO):
    """Each entry as a dict: flags (set), msgid, msgid_plural, msgstr (list of forms)."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):  # obsolete: makemessages keeps them out of the .mo
                entry = None
                break
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                key, text = match.group(1), ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    index = int(key[7:-1]) if "[" in key else 0
                    entry["msgstr"][index] = text
                    key = ("msgstr", index)
                else:
                    entry[key] = text
            elif line.startswith('"') and key:
                text = ast.literal_eval(line)
                if isinstance(key, tuple):
                    entry["msgstr"][key[1]] += text
                else:
                    entry[key] += text
        if entry and "msgid" in entry:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = po_entries()
    header = [e for e in entries if e["msgid"] == ""]
    assert len(header) == 1, "the .po needs exactly one header entry"
    return header[0], [e for e in entries if e["msgid"] != ""]


def test_it_reads_a_catalogue_of_the_portal_strings(catalogue):
    _header, entries = catalogue
    msgids = {e["msgid"] for e in entries}
    assert len(entries) > 500
    assert {"Masuk ke Portal Kaltara", "Kata sandi", "Situs layanan"} <= msgids
    assert any(e.get("msgid_plural") for e in entries)


def test_it_has_no_untranslated_entry(catalogue):
    _header, entries = catalogue
    missing = []
    for e in entries:
        forms = 2 if e.get("msgid_plural") else 1
        if any(not e["msgstr"].get(i, "").strip() for i in range(forms)):
            missing.append(e["msgid"])
    assert missing == [], f"untranslated in {PO.name}: {missing}"


def test_it_has_no_fuzzy_entry_nor_fuzzy_header(catalogue):
    header, entries = catalogue
    assert "fuzzy" not in header["flags"]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"fuzzy in {PO.name}: check them and remove the flag: {fuzzy}"
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert "Language: en" in header["msgstr"][0]


def test_it_keeps_every_placeholder_of_the_msgid(catalogue):
    _header, entries = catalogue
    wrong = []
    for e in entries:
        expected = set(PLACEHOLDER.findall(e["msgid"] + e.get("msgid_plural", "")))
        for form in e["msgstr"].values():
            if set(PLACEHOLDER.findall(form)) != expected:
                wrong.append((e["msgid"], form))
    assert wrong == []


def test_it_finds_a_placeholder_mismatch(tmp_path):
    # The checks above must be able to fail: a broken catalogue trips each of them.
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Situs %(name)s "\n"disimpan."\n'
        'msgstr "Site %(nama)s saved."\n\n'
        'msgid "%(n)s situs"\nmsgid_plural "%(n)s situs"\nmsgstr[0] "%(n)s site"\nmsgstr[1] ""\n\n'
        '#~ msgid "Lama"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = po_entries(po)
    assert [e["msgid"] for e in entries] == ["", "Situs %(name)s disimpan.", "%(n)s situs"]
    saved, sites = entries[1], entries[2]
    assert "fuzzy" in saved["flags"]
    assert PLACEHOLDER.findall(saved["msgstr"][0]) != PLACEHOLDER.findall(saved["msgid"])
    assert sites["msgstr"] == {0: "%(n)s site", 1: ""}


# ---- rendered pages ----


@pytest.fixture
def private_cache(settings):
    # Dashboards cache fragments; a shared cache must not serve another test's fragments.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kaltara-translation-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def long_msgids(catalogue):
    """Indonesian msgids that differ from their English text and could not be data."""
    _header, entries = catalogue
    return [
        e["msgid"]
        for e in entries
        if len(e["msgid"]) >= 12
        and not PLACEHOLDER.search(e["msgid"])
        and not re.search(r"[<>&\"']", e["msgid"])
        and e["msgstr"][0] != e["msgid"]
    ]


def english(client, url):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def assert_no_indonesian(page, msgids):
    leaked = [m for m in msgids if m in page]
    assert leaked == [], f"Indonesian text on an English page: {leaked}"


@pytest.fixture
def kawasan(db):
    rptra = make_site("RPTRA Uji", RAWA_BUNGA, types=("rptra",), public=True)
    puskesmas = make_site("Puskesmas Uji", RAWA_BUNGA, public=True)
    kawasan = Kawasan.objects.create(name="Kawasan Uji", region_id=RAWA_BUNGA, hub=rptra)
    for site in (rptra, puskesmas):
        Membership.objects.create(kawasan=kawasan, site=site)
    return kawasan


@pytest.mark.django_db
def test_it_shows_the_login_page_in_english(client, long_msgids):
    page = english(client, "/accounts/login/")
    assert '<html lang="en">' in page
    assert "Sign in to the Kaltara portal" in page
    assert "Password" in page
    assert_no_indonesian(page, long_msgids)
    # The default language stays Bahasa Indonesia.
    client.cookies.clear()
    assert "Masuk ke Portal Kaltara" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_it_shows_the_region_page_in_english(client, lurah, long_msgids):
    client.force_login(lurah)
    page = english(client, f"/wilayah/{RAWA_BUNGA}/")
    assert "Kelurahan/village" in page
    assert "You can manage service sites and kawasan in this region." in page
    assert "Sign out" in page
    assert_no_indonesian(page, long_msgids)


@pytest.mark.django_db
def test_it_shows_the_site_list_in_english(client, lurah, kawasan, long_msgids):
    client.force_login(lurah)
    page = english(client, "/situs/")
    assert "<title>Service sites · Kaltara</title>" in page
    assert "Add a site" in page
    assert "Puskesmas Uji" in page
    assert_no_indonesian(page, long_msgids)


@pytest.mark.django_db
def test_it_shows_the_lurah_dashboard_in_english_after_the_indonesian_one(
    client, lurah, kawasan, private_cache, long_msgids
):
    client.force_login(lurah)
    url = f"/dasbor/wilayah/{RAWA_BUNGA}/"
    # The Indonesian page first: its cached fragments must not reach the English page.
    assert "Langkah berikutnya" in client.get(url).content.decode()
    page = english(client, url)
    assert "<title>Rawa Bunga dashboard · Kaltara</title>" in page
    assert "Kawasan Uji" in page
    assert "Next steps" in page
    assert "Integration score" in page
    assert_no_indonesian(page, long_msgids)
