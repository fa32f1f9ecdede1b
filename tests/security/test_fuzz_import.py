"""The import readers on arbitrary bytes: a clean domain error naming the file, or a result;
never an unhandled exception. Files come from outside the portal (open data portals)."""

import json
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from regions.loading import RegionDataError, read_boundaries, read_region_csv
from sites.importing.readers import kemkes_read, puskesmas_read, rptra_read, schools_read
from sites.importing.records import FileImport, ImportDataError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# JSON documents of any shape, GeoJSON-like ones more often than chance would give.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
coordinates = st.one_of(
    st.lists(st.one_of(st.floats(), st.integers(), st.text(max_size=5)), max_size=3), json_values
)
geometry = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Point", "Polygon", "MultiPolygon", "LineString", "x"]),
            "coordinates": st.one_of(coordinates, st.lists(st.lists(coordinates, max_size=5))),
        },
        optional={"crs": json_values},
    ),
)
feature = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "type": st.just("Feature"),
            "properties": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {
                        "OBJECTID": json_scalars,
                        "NAMOBJ": json_scalars,
                        "kode": st.sampled_from(["31", "31.71", "31.99", "x"]),
                    }
                ),
            ),
            "geometry": geometry,
        }
    ),
)
geojson_docs = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(feature, max_size=4)}
    ),
)

cell = st.text(alphabet=string.printable + "ąé\x00\u2028", max_size=15)


def csv_text(columns):
    """A header with the reader's columns (some missing, some extra) and random rows."""
    header = st.lists(
        st.one_of(st.sampled_from(columns), st.text(string.ascii_letters, max_size=6)),
        min_size=0,
        max_size=len(columns) + 2,
    )
    return st.builds(
        lambda head, rows: "\n".join([",".join(head)] + [",".join(r) for r in rows]),
        header.map(lambda h: h if h else list(columns)),
        st.lists(st.lists(cell, max_size=len(columns) + 1), max_size=5),
    )


def file_bytes(text_strategy):
    return st.one_of(
        st.binary(max_size=300),
        text_strategy.map(lambda t: t.encode("utf-8", "surrogatepass")),
        text_strategy.map(lambda t: t.encode("utf-16")),
    )


def _write(tmp_path_factory, name, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    return path


RPTRA_COLUMNS = ["OBJECTID", "NAMA_RPTRA", "ALAMAT", "X", "Y"]
SCHOOL_COLUMNS = ["npsn", "sekolah", "bentuk", "alamat_jalan", "lintang", "bujur"]
KEMKES_COLUMNS = ["kode_instansi", "unit_kerja"]
REGION_COLUMNS = ["kode", "nama", "tingkat", "kode_induk"]


@FUZZ
@given(data=file_bytes(csv_text(RPTRA_COLUMNS)))
@example(data=b"OBJECTID,NAMA_RPTRA,ALAMAT,X,Y\n1,Anggrek,Jl,1e999,-6.2\n")
@example(data=b"OBJECTID,NAMA_RPTRA,ALAMAT,X,Y\n1,Anggrek,Jl,106.8\n")
def test_the_rptra_reader_fails_cleanly(tmp_path_factory, data):
    path = _write(tmp_path_factory, "rptra.csv", data)
    try:
        assert isinstance(rptra_read(path), FileImport)
    except ImportDataError as exc:
        assert str(exc)


@FUZZ
@given(data=file_bytes(csv_text(SCHOOL_COLUMNS)))
def test_the_school_reader_fails_cleanly(tmp_path_factory, data):
    path = _write(tmp_path_factory, "sekolah.csv", data)
    try:
        assert isinstance(schools_read(path), FileImport)
    except ImportDataError as exc:
        assert str(exc)


@FUZZ
@given(data=file_bytes(csv_text(KEMKES_COLUMNS)))
def test_the_kemkes_reader_fails_cleanly(tmp_path_factory, data):
    path = _write(tmp_path_factory, "kemkes.csv", data)
    try:
        assert isinstance(kemkes_read(path), dict)
    except ImportDataError as exc:
        assert str(exc)


@FUZZ
@given(doc=geojson_docs)
@example(doc={"type": "FeatureCollection", "features": [[1, 2]]})
@example(
    doc={
        "type": "FeatureCollection",
        "features": [
            {
                "properties": {"NAMOBJ": "a", "OBJECTID": 1},
                "geometry": {"type": "Point", "coordinates": [10**400, 1]},
            }
        ],
    }
)
@example(doc={"type": "FeatureCollection", "features": [{"properties": [], "geometry": None}]})
def test_the_puskesmas_reader_fails_cleanly(tmp_path_factory, doc):
    path = _write(tmp_path_factory, "puskesmas.geojson", json.dumps(doc).encode())
    try:
        assert isinstance(puskesmas_read(path), FileImport)
    except ImportDataError as exc:
        assert str(exc)


@FUZZ
@given(data=st.binary(max_size=300))
def test_the_puskesmas_reader_fails_cleanly_on_bytes(tmp_path_factory, data):
    path = _write(tmp_path_factory, "puskesmas.geojson", data)
    try:
        puskesmas_read(path)
    except ImportDataError as exc:
        assert str(exc)


@FUZZ
@given(data=file_bytes(csv_text(REGION_COLUMNS)))
def test_the_region_list_reader_fails_cleanly(tmp_path_factory, data):
    path = _write(tmp_path_factory, "wilayah.csv", data)
    try:
        assert isinstance(read_region_csv(path), dict)
    except RegionDataError as exc:
        assert str(exc)


@pytest.mark.django_db
@FUZZ
@given(doc=geojson_docs)
@example(doc={"type": "FeatureCollection", "features": ["x"]})
@example(
    doc={
        "type": "FeatureCollection",
        "features": [
            {"properties": {"kode": "31.99"}, "geometry": {"type": "Polygon", "coordinates": [[]]}}
        ],
    }
)
@example(
    doc={
        "type": "FeatureCollection",
        "features": [
            {
                "properties": {"kode": "31.99"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
            }
        ],
    }
)
@example(
    doc={
        "type": "FeatureCollection",
        "features": [
            {"properties": {"kode": "31.99"}, "geometry": {"type": "Polygon", "coordinates": None}}
        ],
    }
)
def test_the_boundary_reader_fails_cleanly(tmp_path_factory, doc):
    from regions.loading import RegionRow

    path = _write(tmp_path_factory, "batas.geojson", json.dumps(doc).encode())
    rows = {"31.99": RegionRow(code="31.99", name="Uji", level="kabkota", parent="31")}
    try:
        read_boundaries(path, "kabkota", rows)
    except RegionDataError as exc:
        assert str(exc)
