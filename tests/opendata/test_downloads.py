"""Bulk downloads: the directory as CSV, GeoJSON and .xlsx, kawasan and region scores, the
data dictionary and the licence, on the public page /data-terbuka/."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kawasan.models import Kawasan, Membership
from opendata import ids
from opendata.downloads import DATASETS, DATASETS_BY_SLUG
from scoring.services import scores_recompute
from tests.factories import RAWA_BUNGA, make_site

pytestmark = pytest.mark.django_db


def download(client, slug, fmt):
    response = client.get(reverse("opendata:download", args=[slug, fmt]))
    assert response.status_code == 200, (slug, fmt)
    assert response["Content-Disposition"].startswith('attachment; filename="kaltara-')
    return response


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs read the accents right
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def columns(slug) -> list[str]:
    return [c.name for c in DATASETS_BY_SLUG[slug].columns]


def test_the_directory_as_csv(client, directory):
    verified, two_roles, registered = directory.public
    rows = csv_rows(download(client, "situs", "csv"))
    assert list(rows[0]) == columns("situs")
    by_id = {int(r["id_portal"]): r for r in rows}
    assert set(by_id) == {s.pk for s in directory.public}
    row = by_id[two_roles.pk]
    assert row["id_lokasi"] == ids.location_id(two_roles.pk)
    assert set(row["kode_jenis"].split("; ")) == {"sd", "perpustakaan"}
    assert set(row["klaster_kla"].split("; ")) == {"I", "IV"}
    assert row["status_verifikasi"] == "terverifikasi" and row["tanggal_verifikasi"]
    assert row["kota"] == "Kota Administrasi Jakarta Pusat"
    assert float(row["lat"]) == pytest.approx(two_roles.location.y)
    row = by_id[registered.pk]
    assert row["status_verifikasi"] == "terdaftar" and row["tanggal_verifikasi"] == ""
    assert row["sumber"] == "Kemendikbud RI, data sekolah 2019"
    assert row["id_sumber"] == "20100001"
    assert "kontak" not in row and "RAHASIA" not in json.dumps(rows)


def test_the_directory_as_geojson_and_xlsx(client, directory):
    body = json.loads(download(client, "situs", "geojson").content)
    assert body["type"] == "FeatureCollection"
    assert "CC BY 4.0" in body["licence"]["portal"]["name"]
    features = {f["properties"]["id_portal"]: f for f in body["features"]}
    site = directory.public[0]
    feature = features[site.pk]
    assert feature["geometry"]["coordinates"] == pytest.approx([site.location.x, site.location.y])
    assert feature["id"] == ids.location_id(site.pk)
    assert set(feature["properties"]) == set(columns("situs")) - {"lat", "lon"}

    response = download(client, "situs", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == columns("situs")
    assert len(table) == 1 + len(directory.public)


def test_spreadsheet_formulas_in_names_are_neutralised(client):
    make_site('=HYPERLINK("http://x")', RAWA_BUNGA, public=True)
    rows = csv_rows(download(client, "situs", "csv"))
    assert rows[0]["nama"] == '\'=HYPERLINK("http://x")'


def test_kawasan_and_region_scores_with_components_band_and_policy(client, directory):
    verified = directory.public[0]
    draft = directory.hidden[0]
    kawasan = Kawasan.objects.create(name="Kawasan Terbuka RB", region_id=RAWA_BUNGA)
    Membership.objects.create(kawasan=kawasan, site=verified)
    Membership.objects.create(kawasan=kawasan, site=draft)
    kawasan.hub = draft
    kawasan.save()
    scores_recompute()

    rows = {int(r["id_kawasan"]): r for r in csv_rows(download(client, "kawasan", "csv"))}
    row = rows[kawasan.pk]
    assert list(row) == columns("kawasan")
    assert row["pusat"] == "" and row["id_lokasi_pusat"] == ""  # the hub is a draft
    assert row["anggota_terbuka"] == verified.name and row["jumlah_anggota_terbuka"] == "1"
    assert float(row["skor"]) >= 0 and row["predikat"]
    assert row["versi_kebijakan"] == "kaltara-1"
    for component in ("cakupan", "keterhubungan", "kedekatan", "kebaruan", "cakupan_klaster_II"):
        assert 0 <= float(row[component]) <= 1

    body = json.loads(download(client, "kawasan", "json").content)
    records = {r["id_kawasan"]: r for r in body["records"]}
    assert records[kawasan.pk]["skor"] == float(row["skor"])

    regions = csv_rows(download(client, "skor-wilayah", "csv"))
    assert list(regions[0]) == columns("skor-wilayah")
    by_code = {r["kode_wilayah"]: r for r in regions}
    assert {r["tingkat"] for r in regions} == {"kabkota", "kecamatan", "kelurahan"}
    assert len(by_code) == 6 + 44 + 267
    assert by_code[RAWA_BUNGA]["jumlah_kawasan"] == str(
        Kawasan.objects.filter(region_id=RAWA_BUNGA).count()
    )
    assert by_code[RAWA_BUNGA]["versi_kebijakan"] == "kaltara-1"
    body = json.loads(download(client, "skor-wilayah", "json").content)
    assert len(body["records"]) == len(regions)


def test_unknown_datasets_and_formats_are_404(client):
    for slug, fmt in (("situs", "pdf"), ("kawasan", "geojson"), ("rahasia", "csv")):
        response = client.get(reverse("opendata:download", args=[slug, fmt]))
        assert response.status_code == 404


def test_the_page_lists_every_file_the_dictionary_and_the_licence(client, directory):
    response = client.get(reverse("opendata:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for dataset in DATASETS:
        for fmt in dataset.formats:
            assert reverse("opendata:download", args=[dataset.slug, fmt]) in html
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in html
    assert "3 situs terbuka" in html
    assert "CC BY 4.0" in html and "Open Referral" in html
    assert html.count('<div class="table-wrap">') == len(DATASETS)  # phone: tables scroll

    dictionary = client.get(reverse("opendata:dictionary")).json()
    assert [d["slug"] for d in dictionary["datasets"]] == [d.slug for d in DATASETS]
    for d in dictionary["datasets"]:
        assert all(c["id"] and c["en"] and c["type"] for c in d["columns"])
