"""Exports: scoped site lists in the background, rankings and areas at once, formulas
neutralised, files only for their owner."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exports import services as exports
from exports.models import Export, ExportFormat, ExportKind, ExportStatus
from regions.models import Region
from sites.models import Site
from tests.dashboard.conftest import JATINEGARA, KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA
from tests.factories import make_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scored", "media")]


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def start(client, data, callbacks):
    with callbacks(execute=True):
        response = client.post(reverse("kaltara:export_list"), data)
    assert response.status_code == 302
    return Export.objects.latest("pk")


def download(client, export) -> bytes:
    response = client.get(reverse("kaltara:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def test_a_lurahs_site_export_holds_no_other_kelurahans_private_sites(
    client, lurah, django_capture_on_commit_callbacks
):
    public_far = make_site("Puskesmas Menteng Terverifikasi", MENTENG, public=True)
    client.force_login(lurah)
    export = start(client, {"kind": "sites", "format": "csv"}, django_capture_on_commit_callbacks)
    assert (export.status, export.progress) == (ExportStatus.DONE, 100)

    rows = read_csv(download(client, export))
    ids = {int(r["id"]) for r in rows}
    rawa_bunga = set(Site.objects.filter(kelurahan_id=RAWA_BUNGA).values_list("pk", flat=True))
    kampung_melayu = set(
        Site.objects.filter(kelurahan_id=KAMPUNG_MELAYU).values_list("pk", flat=True)
    )
    assert rawa_bunga and kampung_melayu
    assert ids == rawa_bunga | {public_far.pk}
    assert export.row_count == len(rows)
    assert {r["kode_kelurahan"] for r in rows} == {RAWA_BUNGA, MENTENG}


def test_a_camat_exports_the_kecamatans_filtered_sites_as_xlsx(
    client, camat, django_capture_on_commit_callbacks
):
    client.force_login(camat)
    export = start(
        client,
        {"kind": "sites", "format": "xlsx", "region": KAMPUNG_MELAYU, "ignored": "x"},
        django_capture_on_commit_callbacks,
    )
    assert export.params == {"region": KAMPUNG_MELAYU}
    sheet = load_workbook(io.BytesIO(download(client, export))).active
    header, *body = list(sheet.values)
    assert header[:5] == ("id", "nama", "jenis layanan", "kode_jenis", "kode_kelurahan")
    assert {row[4] for row in body} == {KAMPUNG_MELAYU}
    assert len(body) == Site.objects.filter(kelurahan_id=KAMPUNG_MELAYU).count()


def test_it_neutralises_cells_a_spreadsheet_would_run_as_formulas(
    client, lurah, django_capture_on_commit_callbacks
):
    make_site('=HYPERLINK("http://x","klik")', RAWA_BUNGA, address="+62 21 555", contact="@x")
    client.force_login(lurah)
    csv_export = start(
        client, {"kind": "sites", "format": "csv"}, django_capture_on_commit_callbacks
    )
    (row,) = [r for r in read_csv(download(client, csv_export)) if "HYPERLINK" in r["nama"]]
    assert row["nama"] == '\'=HYPERLINK("http://x","klik")'
    assert (row["alamat"], row["kontak"]) == ("'+62 21 555", "'@x")

    xlsx_export = start(
        client, {"kind": "sites", "format": "xlsx"}, django_capture_on_commit_callbacks
    )
    sheet = load_workbook(io.BytesIO(download(client, xlsx_export))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x","klik")' in names
    assert not any(str(n).startswith("=") for n in names)


def test_it_downloads_rankings_as_csv_and_xlsx_with_the_pages_filters(client, provinsi):
    Region.objects.filter(code=RAWA_BUNGA).update(name="-Rawa Bunga")
    client.force_login(provinsi)
    url = reverse("kaltara:export_rankings", args=["csv"])
    response = client.get(url, {"tingkat": "kelurahan", "kota": "31.75"})
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert len(rows) == Region.objects.filter(code__startswith="31.75.", level="kelurahan").count()
    (rawa_bunga,) = [r for r in rows if r["kode"] == RAWA_BUNGA]
    assert rawa_bunga["nama"] == "'-Rawa Bunga"
    assert rawa_bunga["tanda keyakinan"] == "rendah"

    response = client.get(reverse("kaltara:export_rankings", args=["xlsx"]), {"tingkat": "kota"})
    header, *body = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert header[:3] == ("peringkat", "kode", "nama")
    assert len(body) == 6
    assert client.get(reverse("kaltara:export_rankings", args=["pdf"])).status_code == 404


def test_it_downloads_areas_with_scores_as_geojson(client, provinsi):
    client.force_login(provinsi)
    response = client.get(reverse("kaltara:export_areas"), {"tingkat": "kecamatan"})
    fc = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert len(fc["features"]) == 44
    assert {"code", "name", "score", "band", "rank", "change", "confidence"} <= set(
        fc["features"][0]["properties"]
    )


def test_it_reports_progress_and_the_download_link(client, camat, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 20)
    seen = []
    record = exports.export_progress

    def spy(export_id, percent):
        seen.append(Export.objects.get(pk=export_id).progress)
        record(export_id, percent)
        seen.append(Export.objects.get(pk=export_id).progress)

    monkeypatch.setattr(exports, "export_progress", spy)
    export = Export.objects.create(owner=camat, kind=ExportKind.SITES, format=ExportFormat.CSV)
    exports.export_run(export.pk)
    # Jatinegara has well over 40 sites: several updates, rising, never 100 before the end.
    assert len(seen) >= 4
    assert seen == sorted(seen)
    assert max(seen) < 100

    client.force_login(camat)
    status = client.get(reverse("kaltara:export_status", args=[export.pk])).json()
    assert status["status"] == "done"
    assert status["progress"] == 100
    assert status["finished"] is True
    assert status["download"] == reverse("kaltara:export_download", args=[export.pk])
    page = client.get(export.get_absolute_url())
    assert (
        'id="export-ready"' in page.text
        and "hidden" not in page.text.split('id="export-ready"')[1][:20]
    )


def test_running_an_export_twice_builds_one_file(camat):
    export = Export.objects.create(owner=camat, kind=ExportKind.RANKINGS, format=ExportFormat.CSV)
    assert exports.export_run(export.pk).status == ExportStatus.DONE
    name = Export.objects.get(pk=export.pk).file.name
    assert exports.export_run(export.pk) is None
    assert Export.objects.get(pk=export.pk).file.name == name


def test_a_lost_running_export_is_claimed_again(camat):
    export = Export.objects.create(
        owner=camat,
        kind=ExportKind.SITES,
        format=ExportFormat.CSV,
        status=ExportStatus.RUNNING,
        started_at=timezone.now(),
    )
    assert exports.export_run(export.pk) is None  # another worker is on it
    Export.objects.filter(pk=export.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert exports.export_run(export.pk).status == ExportStatus.DONE


def test_a_failing_export_is_marked_failed_without_a_file(client, camat, monkeypatch):
    def boom(user, params):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(exports, "site_table", boom)
    export = Export.objects.create(owner=camat, kind=ExportKind.SITES, format=ExportFormat.CSV)
    exports.export_run(export.pk)
    export.refresh_from_db()
    assert (export.status, export.file.name) == (ExportStatus.FAILED, "")
    assert "disk penuh" in export.error
    client.force_login(camat)
    assert client.get(reverse("kaltara:export_download", args=[export.pk])).status_code == 404


def test_old_exports_are_removed_with_their_files(camat):
    export = Export.objects.create(owner=camat, kind=ExportKind.RANKINGS, format=ExportFormat.CSV)
    exports.export_run(export.pk)
    name = Export.objects.get(pk=export.pk).file.name
    assert default_storage.exists(name)
    assert exports.exports_cleanup() == 0
    assert exports.exports_cleanup(now=timezone.now() + timedelta(days=8)) == 1
    assert not default_storage.exists(name)
    assert not Export.objects.filter(pk=export.pk).exists()


def test_the_export_page_offers_the_scoped_site_filter(client, lurah, camat):
    client.force_login(lurah)
    response = client.get(reverse("kaltara:export_list"))
    assert RAWA_BUNGA in response.text
    assert KAMPUNG_MELAYU not in response.text
    assert 'id="export-rankings"' not in response.text
    client.force_login(camat)
    assert JATINEGARA in client.get(reverse("kaltara:export_list")).text
