"""Oversized, mistyped and booby-trapped uploads: refused with a clear message, nothing
saved; what is stored is served so a browser can never run it."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sites.models import Site, SiteChange, SiteDocument, SiteLink
from sites.spreadsheet import fileformat as spreadsheet
from tests.factories import RAWA_BUNGA, make_site, point_in

pytestmark = pytest.mark.django_db

UPLOAD = reverse("spreadsheet:upload")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _state():
    return (
        sorted(Site.objects.values_list("pk", "name", "version")),
        SiteChange.objects.count(),
        SiteDocument.objects.count(),
        SiteLink.objects.count(),
    )


# ---- the request as a whole ----


def test_a_body_over_the_cap_is_refused_before_it_is_read(client, lurah, settings):
    settings.KALTARA_MAX_REQUEST_BYTES = 1024 * 1024
    site = make_site()
    client.force_login(lurah)
    before = _state()
    response = client.post(
        reverse("services:site_document_add", args=[site.pk]),
        {"kind": "sk", "title": "SK", "file": SimpleUploadedFile("sk.pdf", PDF + b"0" * 2**21)},
    )
    assert response.status_code == 413
    assert "terlalu besar" in response.content.decode()
    assert _state() == before


def test_a_stranger_cannot_stream_a_large_body_either(client, settings):
    settings.KALTARA_MAX_REQUEST_BYTES = 1024
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y" * 4096})
    assert response.status_code == 413


# ---- documents and link evidence ----


def _document(client, site, name, content):
    return client.post(
        reverse("services:site_document_add", args=[site.pk]),
        {"kind": "sk", "title": "SK", "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("kosong.pdf", b"", "kosong"),
        ("foto.png.exe", PNG, ".exe tidak diterima"),
        ("sk", PDF, "tidak diterima"),
        ("sk.svg", b"<svg onload='alert(1)'/>", ".svg tidak diterima"),
        ("sk.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "bukan PDF"),
    ],
)
def test_a_mistyped_document_is_refused(client, lurah, name, content, fragment):
    site = make_site()
    client.force_login(lurah)
    before = _state()
    response = _document(client, site, name, content)
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["file"])
    assert _state() == before


def test_a_path_in_the_file_name_is_dropped(client, lurah, media):
    site = make_site()
    client.force_login(lurah)
    response = _document(client, site, "../../../../etc/cron.d/x.pdf", PDF)
    assert response.status_code == 302
    stored = SiteDocument.objects.get().file
    assert ".." not in stored.name and stored.name.startswith("sites/")
    assert (media / stored.name).resolve().is_relative_to(media.resolve())


def test_a_polyglot_document_is_served_so_no_browser_runs_it(client, lurah):
    site = make_site()
    client.force_login(lurah)
    polyglot = PDF + b"<html><script>alert(document.cookie)</script></html>"
    assert _document(client, site, "sk.pdf", polyglot).status_code == 302
    doc = SiteDocument.objects.get()
    response = client.get(reverse("services:document_download", args=[doc.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("mou.html", b"<html>", ".html tidak diterima"),
        ("mou.pdf", b"MZ\x90\x00", "bukan PDF"),
        ("mou.pdf", PDF + b"0" * (5 * 1024 * 1024), "melebihi batas 5 MB"),
    ],
)
def test_mistyped_or_oversized_link_evidence_is_refused(client, lurah, name, content, fragment):
    site = make_site("Posyandu A", types=("posyandu",))
    other = make_site("RPTRA B", types=("rptra",), location=point_in(RAWA_BUNGA, 80))
    client.force_login(lurah)
    before = _state()
    response = client.post(
        reverse("services:link_create", args=[site.pk]),
        {
            "other": other.pk,
            "kind": "referral",
            "start_date": "2024-01-01",
            "evidence": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors["evidence"])
    assert _state() == before


# ---- Excel ----


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _workbook_bytes() -> bytes:
    wb = Workbook()
    wb.active.title = spreadsheet.SHEET_SITES
    wb.active.append(spreadsheet.HEADERS)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_sheet_xml(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet is replaced by the given XML."""
    src = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    entries["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zip(entries)


def _excel(client, content, name="situs.xlsx"):
    before = _state()
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert _state() == before
    return response


def _excel_error(client, content, name="situs.xlsx") -> str:
    response = _excel(client, content, name)
    assert "plan" not in response.context
    return " ".join(response.context["form"].errors["file"])


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData>
</worksheet>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>
</worksheet>"""


@pytest.mark.parametrize(("sheet", "label"), [(BILLION_LAUGHS, "laughs"), (XXE, "xxe")])
def test_an_xml_entity_trap_in_a_workbook_is_refused_unread(client, lurah, sheet, label):
    client.force_login(lurah)
    response = _excel(client, _with_sheet_xml(sheet))
    body = response.content.decode()
    assert "root:" not in body and "lollol" not in body
    assert "plan" not in response.context or not response.context["plan"].can_apply


def test_a_zip_bomb_is_refused_before_unpacking(client, lurah):
    client.force_login(lurah)
    bomb = _zip(
        {
            "[Content_Types].xml": b"x",
            "xl/worksheets/sheet1.xml": b"\x00" * (41 * 1024 * 1024),
        }
    )
    assert len(bomb) < spreadsheet.MAX_UPLOAD_BYTES
    assert "terlalu besar untuk dibaca" in _excel_error(client, bomb)


def test_a_zip_of_many_entries_is_refused(client, lurah):
    client.force_login(lurah)
    many = _zip({f"f{i}.xml": b"" for i in range(spreadsheet.MAX_ZIP_ENTRIES + 1)})
    assert "terlalu besar untuk dibaca" in _excel_error(client, many)


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_random_bytes_and_broken_workbooks_get_a_clear_error(client, lurah):
    client.force_login(lurah)
    real = _workbook_bytes()

    @FUZZ
    @given(
        content=st.one_of(
            st.binary(max_size=2000),
            st.integers(0, len(real) - 1).map(lambda n: real[:n]),
            st.tuples(st.integers(0, len(real) - 1), st.binary(min_size=1, max_size=8)).map(
                lambda t: real[: t[0]] + t[1] + real[t[0] + len(t[1]) :]
            ),
        ),
        name=st.sampled_from(["situs.xlsx", "situs.XLSX", "situs.xls", "situs.csv", "situs"]),
    )
    def check(content, name):
        response = _excel(client, content, name)
        if "plan" not in response.context:
            errors = response.context["form"].errors["file"]
            assert errors and all(e.strip() for e in errors)

    check()
