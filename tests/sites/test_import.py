"""The real-data site import: counts, skipped rows and reasons, placement, idempotency."""

import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command
from django.db.models import Count

from sites.importing.placing import KelurahanIndex
from sites.importing.readers import (
    KEMKES_CSV,
    PUSKESMAS_GEOJSON,
    RPTRA_CSV,
    SCHOOLS_CSV,
    SOURCE_PUSKESMAS,
    SOURCE_RPTRA,
    SOURCE_SCHOOLS,
    puskesmas_name_key,
    schools_read,
)
from sites.models import ReviewState, Site, SiteChange

pytestmark = pytest.mark.django_db

RAWA_BUNGA = "31.75.03.1004"
BALI_MESTER = "31.75.03.1003"


def _run(*args, verbosity=1):
    out = StringIO()
    call_command("import_sites", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def test_it_places_323_of_324_rptra(imported):
    rptra = imported[RPTRA_CSV]
    assert (rptra.read, rptra.created) == (324, 323)
    assert Site.objects.filter(source=SOURCE_RPTRA, types__code="rptra").count() == 323


def test_it_skips_taman_apel_for_missing_coordinates(imported):
    [skipped] = imported[RPTRA_CSV].skipped
    assert (skipped.source_id, skipped.name, skipped.reason) == (
        "641",
        "RPTRA Taman Apel",
        "missing",
    )
    assert skipped.row == 325  # the physical CSV line, header being line 1


def test_it_places_every_puskesmas_and_joins_kemkes_codes(imported):
    puskesmas = imported[PUSKESMAS_GEOJSON]
    assert (puskesmas.read, puskesmas.created, puskesmas.skipped) == (334, 334, [])
    # 315 Kemkes units; abbreviations such as "Kel." and "Tmr." and "ll" for II still join.
    assert puskesmas.extra["kemkes_joined"] >= 310
    site = Site.objects.get(source=SOURCE_PUSKESMAS, name="Puskesmas Kelurahan Klender II")
    assert "kode Kemkes 1030142" in site.source_note


def test_it_imports_schools_with_their_type_and_reports_each_skip_reason(imported):
    schools = imported[SCHOOLS_CSV]
    assert schools.read == 4800
    assert 4758 <= schools.created <= 4776
    assert schools.skipped_counts == {"missing": 15, "zero": 9, "outside": 11}
    assert schools.created + len(schools.skipped) == 4800
    by_type = dict(
        Site.objects.filter(source=SOURCE_SCHOOLS)
        .values_list("types__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert set(by_type) == {"sd", "smp", "sma", "smk", "slb"}
    assert sum(by_type.values()) == schools.created  # one type per school
    # SLB, SDLB, SMPLB and SMLB all become "slb" (87 in the file, some without a point).
    assert 80 <= by_type["slb"] <= 87


def test_it_sets_a_fresh_registered_state(imported):
    assert not Site.objects.exclude(review_state=ReviewState.REGISTERED).exists()
    assert not Site.objects.exclude(operating_status="open").exists()
    assert not Site.objects.filter(created_by__isnull=False).exists()


def test_it_places_known_sites_in_their_kelurahan(imported):
    rptra = Site.objects.get(source=SOURCE_RPTRA, source_id="267")
    assert (rptra.name, rptra.kelurahan_id) == ("RPTRA Citra Permata", RAWA_BUNGA)
    pkc = Site.objects.get(source=SOURCE_PUSKESMAS, name="Puskesmas Kecamatan Jatinegara")
    assert pkc.kelurahan_id == BALI_MESTER
    assert Site.objects.get(source=SOURCE_PUSKESMAS, source_id="399").kelurahan_id == RAWA_BUNGA


def test_it_marks_rptra_sharing_a_point_and_imports_both(imported):
    a = Site.objects.get(source=SOURCE_RPTRA, source_id="45")
    b = Site.objects.get(source=SOURCE_RPTRA, source_id="143")
    assert a.location == b.location
    assert "OBJECTID 143" in a.source_note and "OBJECTID 45" in b.source_note
    assert (
        Site.objects.filter(source=SOURCE_RPTRA, source_note__contains="koordinat sama").count()
        == 14
    )


def test_it_places_schools_just_past_the_simplified_edge_and_says_so(imported):
    site = Site.objects.get(source=SOURCE_SCHOOLS, source_id="20108826")  # SD Negeri Kalisari 03
    assert site.kelurahan.name == "Kalisari"
    assert "di luar batas kelurahan" in site.source_note
    skipped = {s.source_id: s.reason for s in imported[SCHOOLS_CSV].skipped}
    assert skipped["NP407535"] == "outside"  # longitude 36.0
    assert skipped["20100750"] == "zero"  # SMP Negeri 55: latitude only
    assert skipped["20109561"] == "missing"


def test_it_changes_nothing_on_a_second_run(imported, django_assert_max_num_queries):
    changes_before = SiteChange.objects.count()
    with django_assert_max_num_queries(40):
        out = _run()
    assert "dibuat 0, diperbarui 0, tidak berubah 323" in out
    assert f"dibuat 0, diperbarui 0, tidak berubah {imported[SCHOOLS_CSV].created}" in out
    assert "Tidak ada perubahan situs" in out
    assert "Kawasan dasar: dibuat 0, anggota ditambahkan 0" in out
    assert SiteChange.objects.count() == changes_before


def test_it_updates_only_the_rows_whose_data_changed(imported):
    site = Site.objects.get(source=SOURCE_RPTRA, source_id="267")
    Site.objects.filter(pk=site.pk).update(name="RPTRA salah nama", address="")
    out = _run()
    assert "diperbarui 1, tidak berubah 322" in out
    site.refresh_from_db()
    assert site.name == "RPTRA Citra Permata"
    assert site.version == 2  # an open edit form now sees a newer version
    change = SiteChange.objects.get(site=site, action="import_update")
    assert change.changes["name"] == ["RPTRA salah nama", "RPTRA Citra Permata"]


def test_it_keeps_sites_the_portal_has_taken_over(imported, lurah):
    site = Site.objects.get(source=SOURCE_RPTRA, source_id="267")
    Site.objects.filter(pk=site.pk).update(name="RPTRA Citra Permata Rawa Bunga", updated_by=lurah)
    out = _run()
    assert "dipertahankan (sudah diubah di portal) 1" in out
    site.refresh_from_db()
    assert site.name == "RPTRA Citra Permata Rawa Bunga"


def test_it_lists_skipped_rows_at_verbosity_2(imported):
    out = _run(verbosity=2)
    assert (
        "rptra_jakartasatu_geoportal.csv baris/ID 325/641 'RPTRA Taman Apel': koordinat kosong"
        in out
    )
    assert "'SMP EL SHADDAI': di luar Jakarta" in out
    assert "dilewati 35 (15 koordinat kosong, 11 di luar Jakarta, 9 koordinat nol)" in out


@pytest.fixture
def data_copy(tmp_path):
    for name in (RPTRA_CSV, PUSKESMAS_GEOJSON, KEMKES_CSV, SCHOOLS_CSV):
        shutil.copy(settings.KALTARA_DATA_DIR / name, tmp_path / name)
    return tmp_path


def _replace_line(path, lineno, transform):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[lineno - 1] = transform(lines[lineno - 1])
    path.write_text("".join(lines), encoding="utf-8")


def test_it_loads_nothing_when_a_coordinate_cell_holds_text(imported, data_copy):
    # A valid change in one file and a broken cell in another: neither may land.
    _replace_line(data_copy / RPTRA_CSV, 268, lambda line: line.replace("Citra Permata", "Baru"))
    _replace_line(data_copy / SCHOOLS_CSV, 3, lambda line: line.replace("-5.9299000", "lima"))
    with pytest.raises(CommandError) as err:
        _run(str(data_copy))
    message = str(err.value)
    assert "Tidak ada yang diimpor" in message
    assert "jakarta_sekolah_kemendikbud_2019.csv baris 3" in message
    assert "lintang" in message and "'lima'" in message
    assert Site.objects.get(source=SOURCE_RPTRA, source_id="267").name == "RPTRA Citra Permata"


def test_it_names_the_file_when_a_header_is_wrong(imported, data_copy):
    _replace_line(data_copy / RPTRA_CSV, 1, lambda line: line.replace("NAMA_RPTRA", "NAMA"))
    with pytest.raises(
        CommandError, match=r"rptra_jakartasatu_geoportal.csv baris 1: .*NAMA_RPTRA"
    ):
        _run(str(data_copy))


def test_it_reports_a_missing_file(imported, tmp_path):
    with pytest.raises(CommandError, match="Berkas tidak ditemukan"):
        _run(str(tmp_path))


def test_it_skips_a_repeated_source_id_and_an_unknown_school_type(tmp_path):
    path = tmp_path / "schools.csv"
    header = "npsn,sekolah,bentuk,status,alamat_jalan,lintang,bujur\n"
    path.write_text(
        header
        + "1,SD A,SD,N,Jl. A,-6.22,106.87\n"
        + "1,SD A lagi,SD,N,Jl. A,-6.22,106.87\n"
        + "2,TK B,TK,S,Jl. B,-6.22,106.87\n",
        encoding="utf-8",
    )
    fi = schools_read(path)
    assert [r.source_id for r in fi.records] == ["1"]
    assert [(s.row, s.reason) for s in fi.skipped] == [(3, "duplicate"), (4, "unknown_type")]


def test_it_normalises_puskesmas_names_for_the_kemkes_join():
    assert puskesmas_name_key(
        "Puskesmas Kelurahan Kalibata I, Kec. Pancoran, Jakarta Selatan"
    ) == puskesmas_name_key("PUSKESMAS KELURAHAN KALIBATA 1")
    assert puskesmas_name_key("Puskesmas Kelurahan Kelapa Gading Timur II") == puskesmas_name_key(
        "PUSKESMAS KEL. KELAPA GADING TMR. II"
    )
    assert puskesmas_name_key("Puskesmas Kelurahan Klender ll") != puskesmas_name_key(
        "PUSKESMAS KELURAHAN KLENDER III"
    )


class _Region:
    def __init__(self, code, boundary):
        self.code, self.name, self.boundary = code, code, boundary


def test_it_places_a_point_on_a_shared_edge_in_the_lower_code():
    left = MultiPolygon(Polygon.from_bbox((106.80, -6.20, 106.81, -6.19)), srid=4326)
    right = MultiPolygon(Polygon.from_bbox((106.81, -6.20, 106.82, -6.19)), srid=4326)
    index = KelurahanIndex([_Region("31.99.01.1002", right), _Region("31.99.01.1001", left)])
    assert index.locate(106.81, -6.195)[0] == "31.99.01.1001"
    assert index.locate(106.815, -6.195) == ("31.99.01.1002", 0.0)
    code, metres = index.locate(106.8205, -6.195)  # about 55 m east of the edge
    assert code == "31.99.01.1002" and 50 < metres < 60
    assert index.locate(106.83, -6.195) is None
