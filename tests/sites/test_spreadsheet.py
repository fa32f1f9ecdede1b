"""The Excel round trip: export, dry run, confirm; and every way a file can be wrong."""

import io
import zipfile
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sites.models import OperatingStatus, Site, SiteChange
from sites.services import site_update
from sites.signals import site_changed, site_created
from sites.spreadsheet import applying
from sites.spreadsheet import fileformat as spreadsheet
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in

pytestmark = pytest.mark.django_db

EXPORT = reverse("spreadsheet:export")
UPLOAD = reverse("spreadsheet:upload")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sites():
    return {
        "rptra": make_site("RPTRA Rawa Bunga", types=("rptra",), public=True),
        "posyandu": make_site("Posyandu Melati", types=("posyandu",), contact="0812"),
        "sd": make_site(
            "SD Negeri Rawa Bunga 01", types=("sd",), location=point_in(RAWA_BUNGA, 50)
        ),
        "paud": make_site("PAUD Kenanga", types=("sd",), location=point_in(RAWA_BUNGA, -50)),
        # Another kelurahan: the lurah of Rawa Bunga may not touch it.
        "other": make_site("Puskesmas Kampung Melayu", kelurahan=KAMPUNG_MELAYU, public=True),
    }


def export_rows(client) -> list[list]:
    response = client.get(EXPORT)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    return [list(r) for r in wb[spreadsheet.SHEET_SITES].iter_rows(values_only=True)]


def xlsx(rows, name="situs.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = spreadsheet.SHEET_SITES
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=spreadsheet.XLSX_CONTENT_TYPE)


def col(name: str) -> int:
    return spreadsheet.HEADERS.index(name)


def row_for(rows, site) -> list:
    return next(r for r in rows if r[0] == site.pk)


def db_state():
    """Everything an upload could change, to prove a refusal changed nothing."""
    return (
        sorted(Site.objects.values_list("pk", "name", "contact", "operating_status", "version")),
        SiteChange.objects.count(),
    )


@contextmanager
def capture_site_signals():
    calls = []

    def created(sender, site, **kw):
        calls.append(("created", site.pk))

    def changed(sender, site, **kw):
        calls.append(("changed", site.pk))

    site_created.connect(created, dispatch_uid="test-created")
    site_changed.connect(changed, dispatch_uid="test-changed")
    try:
        yield calls
    finally:
        site_created.disconnect(dispatch_uid="test-created")
        site_changed.disconnect(dispatch_uid="test-changed")


def error_cells(response) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in response.context["plan"].errors]


# ---- access ----


@pytest.mark.parametrize("persona", ["sudinkes", "provinsi", "nobody"])
@pytest.mark.parametrize("url", [EXPORT, UPLOAD])
def test_it_refuses_users_without_a_territory_to_change(request, client, persona, url):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


def test_it_sends_anonymous_users_to_the_login(client):
    assert reverse("accounts:login") in client.get(EXPORT)["Location"]


# ---- export ----


def test_it_exports_only_the_users_sites(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    assert rows[0] == spreadsheet.HEADERS
    assert sorted(r[0] for r in rows[1:]) == sorted(s.pk for k, s in sites.items() if k != "other")
    sd = row_for(rows, sites["sd"])
    assert sd[col("kode_jenis")] == "sd"
    assert sd[col("kode_kelurahan")] == RAWA_BUNGA
    assert sd[col("lat")] == pytest.approx(sites["sd"].location.y)
    assert sd[col("lon")] == pytest.approx(sites["sd"].location.x)
    assert sd[col("versi")] == 1


def test_it_exports_the_codes_of_the_users_territory(client, camat, sites):
    client.force_login(camat)
    wb = load_workbook(io.BytesIO(client.get(EXPORT).content))
    codes = list(wb[spreadsheet.SHEET_CODES].iter_rows(values_only=True))
    type_codes = {r[0] for r in codes[1:] if r[0]}
    kelurahan = {r[3] for r in codes[1:] if r[3]}
    assert {"rptra", "posyandu", "sd", "puskesmas"} <= type_codes
    assert RAWA_BUNGA in kelurahan and KAMPUNG_MELAYU in kelurahan
    assert all(code.startswith("31.75.03.") for code in kelurahan)
    assert {r[6] for r in codes[1:] if r[6]} == set(OperatingStatus.values)


def test_it_neutralises_formulas_on_export(client, lurah):
    site = make_site(
        '=HYPERLINK("http://evil","klik")',
        types=("posyandu",),
        address="@SUM(1+1)",
        contact="+62 21 8190",
    )
    make_site("-Posyandu", types=("posyandu",), address="\tTab")
    client.force_login(lurah)
    response = client.get(EXPORT)
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[spreadsheet.SHEET_SITES]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(not t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)
    row = row_for(export_rows(client), site)
    assert row[col("nama")] == '\'=HYPERLINK("http://evil","klik")'
    assert row[col("alamat")] == "'@SUM(1+1)"
    assert row[col("kontak")] == "'+62 21 8190"
    assert "'-Posyandu" in texts and "'\tTab" in texts


# ---- the round trip ----


def test_it_round_trips_an_unchanged_file_without_changes(client, lurah, sites):
    make_site("-Posyandu Minus", types=("posyandu",), contact="+62 812")
    client.force_login(lurah)
    rows = export_rows(client)
    response = client.post(UPLOAD, {"file": xlsx(rows)})
    plan = response.context["plan"]
    assert plan.errors == [] and plan.is_empty
    assert plan.unchanged == 5
    assert response.context["token"] is None


def test_it_applies_edits_adds_and_closes_after_a_dry_run(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["posyandu"])[col("nama")] = "Posyandu Melati Indah"
    row_for(rows, sites["sd"])[col("kontak")] = "021-8190123"
    row_for(rows, sites["paud"])[col("status_operasional")] = "closed"
    new = point_in(RAWA_BUNGA, 20, 20)
    rows.append(
        [None, "Posyandu Mawar", "posyandu", RAWA_BUNGA, new.y, new.x, "RW 05", "", "", None]
    )
    before = db_state()

    response = client.post(UPLOAD, {"file": xlsx(rows)})

    plan = response.context["plan"]
    assert plan.errors == []
    assert [a.data["name"] for a in plan.adds] == ["Posyandu Mawar"]
    assert sorted(c.site.pk for c in plan.updates) == sorted([sites["posyandu"].pk, sites["sd"].pk])
    assert [c.site.pk for c in plan.closes] == [sites["paud"].pk]
    body = response.content.decode()
    assert "Posyandu Melati" in body and "Posyandu Melati Indah" in body
    assert db_state() == before  # a dry run writes nothing
    token = response.context["token"]
    assert token is not None

    with capture_site_signals() as calls:
        response = client.post(reverse("spreadsheet:confirm", args=[token]))
    assert response.status_code == 302

    posyandu, sd, paud = (Site.objects.get(pk=sites[k].pk) for k in ("posyandu", "sd", "paud"))
    assert (posyandu.name, posyandu.version) == ("Posyandu Melati Indah", 2)
    assert (sd.contact, sd.version) == ("021-8190123", 2)
    assert (paud.operating_status, paud.version) == (OperatingStatus.CLOSED, 2)
    added = Site.objects.get(name="Posyandu Mawar")
    assert added.kelurahan_id == RAWA_BUNGA
    assert added.created_by == lurah
    assert list(added.types.values_list("code", flat=True)) == ["posyandu"]
    assert Site.objects.get(pk=sites["rptra"].pk).version == 1
    # History and signals as for a form: through the site write functions.
    assert set(SiteChange.objects.values_list("site_id", "action")) == {
        (posyandu.pk, "updated"),
        (sd.pk, "updated"),
        (paud.pk, "closed"),
        (added.pk, "created"),
    }
    assert sorted(calls) == sorted(
        [("changed", posyandu.pk), ("changed", sd.pk), ("changed", paud.pk), ("created", added.pk)]
    )
    # The confirmed file is gone: confirming twice does nothing.
    assert client.post(reverse("spreadsheet:confirm", args=[token])).status_code == 404


def test_it_shows_the_dry_run_again_on_get(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("nama")] = "SD Baru"
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    response = client.get(reverse("spreadsheet:confirm", args=[token]))
    assert response.status_code == 200
    assert [c.site.pk for c in response.context["plan"].updates] == [sites["sd"].pk]
    assert Site.objects.get(pk=sites["sd"].pk).name == "SD Negeri Rawa Bunga 01"


def test_it_moves_a_site_within_its_kelurahan(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    moved = point_in(RAWA_BUNGA, 80, -30)
    row = row_for(rows, sites["sd"])
    row[col("lat")], row[col("lon")] = moved.y, moved.x
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    client.post(reverse("spreadsheet:confirm", args=[token]))
    site = Site.objects.get(pk=sites["sd"].pk)
    assert site.location.y == pytest.approx(moved.y) and site.version == 2


def test_it_accepts_numbers_typed_as_text_with_a_decimal_comma(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row = row_for(rows, sites["sd"])
    row[col("lat")] = str(row[col("lat")]).replace(".", ",")
    row[col("id")] = str(row[col("id")])
    response = client.post(UPLOAD, {"file": xlsx(rows)})
    assert response.context["plan"].errors == []
    assert response.context["plan"].is_empty


# ---- bad input: a clear error naming row and column, and nothing changes ----


def _upload_refused(client, rows) -> tuple:
    before = db_state()
    response = client.post(UPLOAD, {"file": xlsx(rows)})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.errors
    assert response.context["token"] is None
    assert b"confirm-button" not in response.content
    assert db_state() == before
    return response, plan


def test_it_names_missing_and_unknown_columns(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    rows[0][col("lat")] = "lintang"
    response, plan = _upload_refused(client, rows)
    assert set(error_cells(response)) == {(1, "lintang"), (1, "lat")}
    messages = " ".join(e.message for e in plan.errors)
    assert "'lintang' tidak dikenal" in messages
    assert "Kolom 'lat' tidak ada" in messages


def test_it_refuses_an_unknown_kelurahan_code(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("kode_kelurahan")] = "31.75.03.9999"
    row_for(rows, sites["sd"])[col("nama")] = "SD Diubah"
    line = rows.index(row_for(rows, sites["sd"])) + 1
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(line, "kode_kelurahan")]
    assert "31.75.03.9999" in plan.errors[0].message
    assert f"<td>{line}</td><td>kode_kelurahan (D)</td>" in response.content.decode()


def test_it_refuses_a_type_code_not_in_the_catalogue(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("kode_jenis")] = "sd, warung"
    line = rows.index(row_for(rows, sites["sd"])) + 1
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(line, "kode_jenis")]
    assert "'warung'" in plan.errors[0].message


def test_it_refuses_text_in_number_cells(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("lat")] = "enam koma dua"
    row_for(rows, sites["posyandu"])[col("lon")] = "106.8 BT"
    line_sd = rows.index(row_for(rows, sites["sd"])) + 1
    line_pos = rows.index(row_for(rows, sites["posyandu"])) + 1
    response, plan = _upload_refused(client, rows)
    assert sorted(error_cells(response)) == sorted([(line_sd, "lat"), (line_pos, "lon")])
    assert all("angka" in e.message for e in plan.errors)


@pytest.mark.parametrize("formula", ["=1+1", '=HYPERLINK("http://x")', "=cmd|' /C calc'!A0"])
def test_it_refuses_a_formula(client, lurah, sites, formula):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("alamat")] = formula
    line = rows.index(row_for(rows, sites["sd"])) + 1
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(line, "alamat")]
    assert "rumus" in plan.errors[0].message


def test_it_refuses_a_stale_version(client, lurah, camat, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    # The camat saves the site after the lurah downloaded the file.
    site_update(user=camat, site=sites["sd"], data={"contact": "021-1"}, version=1)
    row_for(rows, sites["sd"])[col("nama")] = "SD Nama Lurah"
    line = rows.index(row_for(rows, sites["sd"])) + 1
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(line, "versi")]
    assert "Unduh ulang" in plan.errors[0].message


def test_it_refuses_coordinates_outside_the_kelurahan(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    elsewhere = point_in(KAMPUNG_MELAYU)
    row = row_for(rows, sites["sd"])
    row[col("lat")], row[col("lon")] = elsewhere.y, elsewhere.x
    line = rows.index(row) + 1
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(line, "lat")]
    assert "di luar Kelurahan" in plan.errors[0].message


def test_a_lurah_cannot_touch_another_kelurahans_site(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    other = sites["other"]
    rows.append(
        [
            other.pk,
            "Dibajak",
            "puskesmas",
            KAMPUNG_MELAYU,
            other.location.y,
            other.location.x,
            "",
            "",
            "closed",
            other.version,
        ]
    )
    p = point_in(KAMPUNG_MELAYU, 30)
    rows.append([None, "Situs Titipan", "posyandu", KAMPUNG_MELAYU, p.y, p.x, "", "", "", None])
    response, plan = _upload_refused(client, rows)
    assert error_cells(response) == [(len(rows) - 1, "id"), (len(rows), "kode_kelurahan")]
    assert "tidak ada di wilayah tugas Anda" in plan.errors[0].message
    assert "di luar wilayah tugas Anda" in plan.errors[1].message
    assert Site.objects.get(pk=other.pk).name == "Puskesmas Kampung Melayu"


def test_it_refuses_the_same_site_twice(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    rows.append(list(row_for(rows, sites["sd"])))
    response, _plan = _upload_refused(client, rows)
    assert error_cells(response) == [(len(rows), "id")]


def _rejected(client, upload) -> str:
    before = db_state()
    response = client.post(UPLOAD, {"file": upload})
    assert response.status_code == 200
    assert "plan" not in response.context
    assert db_state() == before
    return " ".join(response.context["form"].errors["file"])


def test_it_refuses_ten_megabytes_of_junk(client, lurah, sites):
    client.force_login(lurah)
    junk = SimpleUploadedFile("situs.xlsx", b"\x00junk" * (2 * 1024 * 1024))
    assert "terlalu besar" in _rejected(client, junk)


def test_it_refuses_a_csv_renamed_xlsx(client, lurah, sites):
    client.force_login(lurah)
    csv = b"id,nama,kode_jenis\n1,=cmd|' /C calc'!A0,sd\n"
    assert "bukan Excel" in _rejected(client, SimpleUploadedFile("situs.xlsx", csv))


def test_it_refuses_a_zip_that_is_not_a_workbook(client, lurah, sites):
    client.force_login(lurah)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "halo")
    message = _rejected(client, SimpleUploadedFile("situs.xlsx", out.getvalue()))
    assert "bukan buku kerja Excel" in message


def test_it_refuses_other_extensions(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    assert ".xlsx" in _rejected(client, xlsx(rows, name="situs.xls"))


# ---- confirm ----


def test_it_rechecks_the_file_on_confirm_and_changes_nothing_when_stale(
    client, lurah, camat, sites
):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("nama")] = "SD Nama Lurah"
    row_for(rows, sites["posyandu"])[col("nama")] = "Posyandu Nama Lurah"
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    site_update(user=camat, site=sites["sd"], data={"contact": "021-1"}, version=1)
    before = db_state()
    response = client.post(reverse("spreadsheet:confirm", args=[token]))
    assert response.status_code == 409
    assert [e.column for e in response.context["plan"].errors] == ["versi"]
    assert db_state() == before


def test_it_rolls_back_every_row_when_one_write_fails(client, lurah, sites, monkeypatch):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("nama")] = "SD Nama Lurah"
    p = point_in(RAWA_BUNGA, 10, 10)
    rows.append([None, "Posyandu Gagal", "posyandu", RAWA_BUNGA, p.y, p.x, "", "", "", None])
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    before = db_state()

    def refuse(**kwargs):
        raise ValidationError({"location": "Lokasi: titik berada di luar wilayah tugas Anda."})

    monkeypatch.setattr(applying.site_services, "site_create", refuse)
    response = client.post(reverse("spreadsheet:confirm", args=[token]))
    assert response.status_code == 409
    assert (len(rows), "") in error_cells(response)
    # The update of the SD ran before the failing add, and was rolled back with it.
    assert db_state() == before
    assert Site.objects.get(pk=sites["sd"].pk).name == "SD Negeri Rawa Bunga 01"


def test_it_hides_another_users_dry_run(client, lurah, camat, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    row_for(rows, sites["sd"])[col("nama")] = "SD Nama Lurah"
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    client.force_login(camat)
    assert client.get(reverse("spreadsheet:confirm", args=[token])).status_code == 404
    assert client.post(reverse("spreadsheet:confirm", args=[token])).status_code == 404
    assert Site.objects.get(pk=sites["sd"].pk).name == "SD Negeri Rawa Bunga 01"


def test_it_keeps_the_dry_run_queries_bounded(client, lurah, django_assert_max_num_queries):
    for i in range(30):
        make_site(f"Posyandu {i:02}", types=("posyandu",), location=point_in(RAWA_BUNGA, i * 3))
    client.force_login(lurah)
    rows = export_rows(client)
    for row in rows[1:]:
        row[col("alamat")] = "Jl. Baru"
    with django_assert_max_num_queries(20):
        response = client.post(UPLOAD, {"file": xlsx(rows)})
    assert len(response.context["plan"].updates) == 30


def test_it_applies_a_file_once_when_confirmed_twice_at_the_same_time(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    p = point_in(RAWA_BUNGA, 10, 10)
    rows.append([None, "Posyandu Sekali", "posyandu", RAWA_BUNGA, p.y, p.x, "", "", "", None])
    token = client.post(UPLOAD, {"file": xlsx(rows)}).context["token"]
    # Another request is applying this file right now.
    claim = f"spreadsheet-confirm:{lurah.pk}:{token}"
    cache.add(claim, 1)
    try:
        response = client.post(reverse("spreadsheet:confirm", args=[token]))
    finally:
        cache.delete(claim)
    assert response.status_code == 302
    assert not Site.objects.filter(name="Posyandu Sekali").exists()
    client.post(reverse("spreadsheet:confirm", args=[token]))
    client.post(reverse("spreadsheet:confirm", args=[token]))
    assert Site.objects.filter(name="Posyandu Sekali").count() == 1


def test_it_refuses_a_formula_stored_as_text(client, lurah, sites):
    client.force_login(lurah)
    rows = export_rows(client)
    line = rows.index(row_for(rows, sites["sd"])) + 1
    wb = Workbook()
    ws = wb.active
    ws.title = spreadsheet.SHEET_SITES
    for row in rows:
        ws.append(row)
    cell = ws.cell(row=line, column=col("kontak") + 1)
    cell.value, cell.data_type = "=1+1", "s"  # a shared string, not a formula cell
    out = io.BytesIO()
    wb.save(out)
    before = db_state()
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("s.xlsx", out.getvalue())})
    assert error_cells(response) == [(line, "kontak")]
    assert db_state() == before


def test_it_refuses_a_file_without_data_rows(client, lurah):
    client.force_login(lurah)
    response, plan = _upload_refused(client, [spreadsheet.HEADERS])
    assert error_cells(response) == [(2, "")]
