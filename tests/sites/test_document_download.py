"""Uploaded files are served only through scoped views: never straight from MEDIA_ROOT."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from sites.models import SiteDocument
from tests.factories import MENTENG, make_link, make_site

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _document(site, **extra):
    doc = SiteDocument(site=site, kind="sk", title="SK", **extra)
    doc.file.save("sk.pdf", ContentFile(PDF), save=True)
    return doc


def url(doc):
    return reverse("services:document_download", args=[doc.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("lurah", 200),
        ("camat", 200),
        ("lurah_other", 404),
        ("sudinkes_pusat", 404),
        ("provinsi", 200),
        ("nobody", 404),
    ],
)
def test_a_draft_sites_document_follows_the_sites_scope(client, request, persona, status):
    doc = _document(make_site(review_state="draft"))
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(doc))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_public_sites_document_is_readable_by_every_signed_in_user(client, lurah):
    doc = _document(make_site(kelurahan=MENTENG, public=True))
    client.force_login(lurah)
    assert client.get(url(doc)).status_code == 200


def test_signed_out_users_are_sent_to_login(client):
    doc = _document(make_site(public=True))
    response = client.get(url(doc))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_media_is_not_served_as_a_folder(client, lurah):
    doc = _document(make_site(public=True))
    client.force_login(lurah)
    assert client.get("/media/" + doc.file.name).status_code == 404


def test_link_evidence_follows_the_links_scope(client, lurah, lurah_other):
    a = make_site(review_state="draft")
    b = make_site(review_state="draft")
    link = make_link(a, b)
    link.evidence.save("mou.pdf", ContentFile(PDF), save=True)
    evidence = reverse("services:link_evidence", args=[link.pk])
    client.force_login(lurah)
    assert client.get(evidence).status_code == 200
    client.force_login(lurah_other)
    assert client.get(evidence).status_code == 404
