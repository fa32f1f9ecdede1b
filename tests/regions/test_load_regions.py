import json
import shutil

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from regions.models import Level, Region
from regions.selectors import kelurahan_at

pytestmark = pytest.mark.django_db


def test_it_loads_the_real_jakarta_counts():
    counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in Level.values}
    assert counts == {"provinsi": 1, "kabkota": 6, "kecamatan": 44, "kelurahan": 267}


def test_it_keys_rawa_bunga_by_code_path():
    rb = Region.objects.get(code="31.75.03.1004")
    assert rb.name == "Rawa Bunga"
    assert rb.parent_id == "31.75.03"
    assert rb.parent.parent_id == "31.75"
    assert rb.parent.parent.parent_id == "31"
    assert rb.boundary.valid and rb.boundary.contains(rb.centroid)


def test_a_second_run_changes_nothing_and_says_so(capsys):
    call_command("load_regions", str(settings.KALTARA_DATA_DIR))
    out = capsys.readouterr().out
    assert "provinsi 1, kabkota 6, kecamatan 44, kelurahan 267" in out
    assert "Tidak ada perubahan: 318" in out


def _copy_data(tmp_path):
    for name in (
        "jakarta_wilayah_kemendagri.csv",
        "jakarta_kabkota_boundaries.geojson",
        "jakarta_kecamatan_boundaries.geojson",
        "jakarta_kelurahan_boundaries.geojson",
    ):
        shutil.copy(settings.KALTARA_DATA_DIR / name, tmp_path / name)
        (tmp_path / name).chmod(0o644)
    return tmp_path


def test_a_broken_feature_loads_nothing_and_names_file_and_feature(tmp_path):
    data = _copy_data(tmp_path)
    path = data / "jakarta_kelurahan_boundaries.geojson"
    fc = json.loads(path.read_text())
    fc["features"][4]["geometry"]["coordinates"] = [[[106.8, -6.2], [106.9, -6.2]]]
    path.write_text(json.dumps(fc))
    # A name change elsewhere must not be written either: all or nothing.
    csv_path = data / "jakarta_wilayah_kemendagri.csv"
    csv_path.write_text(csv_path.read_text().replace("Rawa Bunga", "Rawa Bunga X"))
    with pytest.raises(CommandError) as exc:
        call_command("load_regions", str(data))
    message = str(exc.value)
    assert "jakarta_kelurahan_boundaries.geojson" in message
    assert "fitur 5" in message
    assert Region.objects.get(code="31.75.03.1004").name == "Rawa Bunga"


def test_a_broken_csv_row_is_named(tmp_path):
    data = _copy_data(tmp_path)
    csv_path = data / "jakarta_wilayah_kemendagri.csv"
    lines = csv_path.read_text().splitlines()
    lines[10] = lines[10].replace("kelurahan", "kecamatan")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match="jakarta_wilayah_kemendagri.csv baris 11"):
        call_command("load_regions", str(data))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="jakarta_wilayah_kemendagri.csv"):
        call_command("load_regions", str(tmp_path))


def test_a_crs_member_is_never_passed_on(tmp_path):
    data = _copy_data(tmp_path)
    path = data / "jakarta_kabkota_boundaries.geojson"
    fc = json.loads(path.read_text())
    fc["features"][0]["geometry"]["crs"] = {"type": "name", "properties": {"name": "/etc/passwd"}}
    path.write_text(json.dumps(fc))
    call_command("load_regions", str(data))
    assert Region.objects.get(code="31.01").boundary.srid == 4326


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (106.8691, -6.2183, "31.75.03.1004"),  # inside Rawa Bunga
        (106.8339, -6.2009, "31.71.06.1001"),  # Menteng, Jakarta Pusat
    ],
)
def test_point_in_kelurahan_on_real_boundaries(lon, lat, code):
    found = kelurahan_at(Point(lon, lat, srid=4326))
    assert found is not None and found.code == code


def test_a_point_outside_jakarta_has_no_kelurahan():
    assert kelurahan_at(Point(107.6, -6.9, srid=4326)) is None  # Bandung
