import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites.models import MAX_DOCUMENT_BYTES, SiteChange, SiteDocument
from tests.factories import make_site

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, site, name, content, **extra):
    data = {
        "kind": "sk",
        "title": "SK Pengelola",
        "file": SimpleUploadedFile(name, content),
        **extra,
    }
    return client.post(reverse("services:site_document_add", args=[site.pk]), data)


@pytest.mark.parametrize(
    ("name", "content"), [("sk.pdf", PDF), ("foto.png", PNG), ("foto.JPG", JPEG)]
)
def test_it_stores_a_pdf_or_image_and_records_it(client, lurah, name, content):
    site = make_site()
    client.force_login(lurah)
    response = post(client, site, name, content)
    assert response.status_code == 302
    doc = SiteDocument.objects.get()
    assert doc.site == site and doc.uploaded_by == lurah
    change = SiteChange.objects.get(site=site)
    assert change.action == "document_added"
    assert change.changes["documents"][1].startswith("SK Pengelola")


def test_it_refuses_a_file_over_five_megabytes(client, lurah):
    site = make_site()
    client.force_login(lurah)
    response = post(client, site, "besar.pdf", PDF + b"0" * (MAX_DOCUMENT_BYTES + 600_000))
    assert response.status_code == 200
    error = response.context["form"].errors["file"][0]
    assert error.startswith("Berkas: ukuran 5,5 MB melebihi batas 5 MB.")
    assert not SiteDocument.objects.exists() and not SiteChange.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("skrip.exe", b"MZ\x90\x00", ".exe tidak diterima"),
        ("halaman.html", b"<html>", ".html tidak diterima"),
        ("palsu.pdf", b"<html><script>alert(1)</script>", "bukan PDF"),
        ("palsu.png", PDF, "bukan PNG"),
        ("palsu.jpg", PNG, "bukan JPEG"),
    ],
)
def test_it_refuses_a_wrong_type_by_name_or_content(client, lurah, name, content, fragment):
    site = make_site()
    client.force_login(lurah)
    response = post(client, site, name, content)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert errors.startswith("Berkas:") and fragment in errors
    assert not SiteDocument.objects.exists()


def test_it_offers_only_checklist_items_of_the_sites_types(client, lurah):
    from sites.models import ChecklistItem
    from tests.factories import service_type

    own = ChecklistItem.objects.create(
        service_type=service_type("puskesmas"), code="t-own", text="Ruang konseling"
    )
    other = ChecklistItem.objects.create(
        service_type=service_type("sd"), code="t-other", text="Kantin sehat"
    )
    site = make_site()
    client.force_login(lurah)
    choices = (
        client.get(reverse("services:site_document_add", args=[site.pk]))
        .context["form"]
        .fields["checklist_item"]
        .queryset
    )
    assert own in choices and other not in choices
    response = post(client, site, "sk.pdf", PDF, checklist_item=other.pk)
    assert response.context["form"].errors["checklist_item"]
