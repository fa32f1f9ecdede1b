"""The kelurahan offices (birth-certificate service points) and hospitals from Jakarta Satu.

Counts checked against ../shared/data/README.md: 308 office rows, of which the README's 236
"K... LURAH" rows minus the one "... YANG LAMA" (a former office) plus the 8 rows named
"KAWASAN KANTOR LURAH", "KOMPLEKS KANTOR LURAH" or "GEDUNG KANTOR LURAH" (each the only office
point of its kelurahan) are imported: 243 in 242 kelurahan (Harapan Mulya twice); 191
hospitals, RSU 111, RSUD 30, RS Khusus 28, RSIA 22, two pairs sharing a point.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from kawasan.models import Kawasan
from scoring import core
from scoring.policy import DEFAULT_POLICY
from scoring.selectors import kawasan_inputs
from sites import selectors
from sites.importing.readers import (
    HOSPITALS_GEOJSON,
    OFFICES_GEOJSON,
    SOURCE_HOSPITALS,
    SOURCE_OFFICES,
    SOURCE_PUSKESMAS,
    office_skip_reason,
)
from sites.models import ReviewState, ServiceType, Site, SiteChange
from tests.factories import RAWA_BUNGA, make_site, point_in

pytestmark = pytest.mark.django_db

KEBON_KELAPA = "31.71.01.1005"
HARAPAN_MULIA = "31.71.03.1003"


def _run():
    out = StringIO()
    call_command("import_sites", stdout=out)
    return out.getvalue()


def _office(source_id):
    return Site.objects.select_related("kelurahan").get(source=SOURCE_OFFICES, source_id=source_id)


def _hospital(name):
    return Site.objects.select_related("kelurahan").get(source=SOURCE_HOSPITALS, name=name)


# ---- the catalogue ----


def test_the_catalogue_has_a_hospital_type_and_the_birth_certificate_point():
    hospital = ServiceType.objects.get(code="rumah-sakit")
    assert hospital.sector.code == "kesehatan"
    assert [c.code for c in hospital.clusters.all()] == ["III"]
    assert hospital.checklist_items.count() == 6
    akta = ServiceType.objects.get(code="akta-kelahiran")
    assert akta.sector.code == "dukcapil"
    assert [c.code for c in akta.clusters.all()] == ["I"]


# ---- kelurahan offices ----


def test_it_imports_the_current_kelurahan_offices_and_counts_each_skip(imported):
    offices = imported[OFFICES_GEOJSON]
    assert (offices.read, offices.created) == (308, 243)
    assert offices.skipped_counts == {
        "former_office": 12,
        "land": 3,
        "official_house": 3,
        "not_kelurahan_office": 47,  # 41 kantor camat, 5 kantor wali kota, Balai Kota
    }
    sites = Site.objects.filter(source=SOURCE_OFFICES)
    assert sites.count() == 243
    assert set(sites.values_list("types__code", flat=True)) == {"akta-kelahiran"}
    assert sites.values("kelurahan").distinct().count() == 242
    assert not sites.exclude(review_state=ReviewState.REGISTERED).exists()


def test_it_skips_former_offices_land_and_official_houses_by_name(imported):
    skipped = {s.source_id: (s.name, s.reason) for s in imported[OFFICES_GEOJSON].skipped}
    assert skipped["208"] == ("KANTOR LURAH CIPINANG BESAR SELATAN YANG LAMA", "former_office")
    assert skipped["218"] == ("EX-KANTOR LURAH PEGADUNGAN LAMA", "former_office")
    assert skipped["136"][1] == "former_office"  # "EKS. KANTOR LURAH LURAH GEDONG"
    assert skipped["192"] == ("TANAH EX KANTOR LURAH PESANGGRAHAN", "land")
    assert skipped["284"] == ("TANAH BANGUNAN KANTOR PEMERINTAH", "land")
    assert skipped["170"] == ("RUMAH DINAS LURAH", "official_house")
    assert skipped["76"] == ("RUMAH NEGARA GOLONGAN L TYPE A", "official_house")
    assert skipped["285"] == ("KANTOR CAMAT TANAH ABANG", "not_kelurahan_office")
    assert skipped["308"] == ("BALAI KOTA DKI JAKARTA", "not_kelurahan_office")
    # "Tanah" inside a kelurahan name is not office land.
    assert _office("144").name == "KANTOR LURAH TANAH SEREAL"


def test_it_places_known_offices_in_their_kelurahan(imported):
    office = _office("1")
    assert (office.name, office.kelurahan_id) == ("KANTOR LURAH KEBON KELAPA", KEBON_KELAPA)
    assert office.address == "Jln.Batu Tulis 7, No.21"
    assert "Satpel Dukcapil" in office.source_note
    assert _office("227").kelurahan.name == "Srengseng"
    assert _office("230").kelurahan.name == "Rawa Badak Utara"
    assert _office("70").kelurahan.name == "Cempaka Putih Barat"  # "GEDUNG KANTOR LURAH"


def test_it_corrects_a_misspelt_kantor_and_keeps_the_source_name_in_the_note(imported):
    office = _office("227")
    assert office.name == "KANTOR LURAH SRENGSENG"
    assert "nama di sumber: KNTOR LURAH SRENGSENG" in office.source_note
    assert _office("230").name == "KANTOR LURAH RAWA BADAK UTARA"  # "KANTO LURAH"
    assert _office("77").name == "KANTOR LURAH KAMAL MUARA"  # a trailing "\r\n" in the source


def test_it_keeps_office_compounds_and_flags_them_and_the_office_named_twice(imported):
    gambir = _office("34")
    assert (gambir.name, gambir.kelurahan.name) == ("KAWASAN KANTOR LURAH GAMBIR", "Gambir")
    assert "kawasan/kompleks kantor" in gambir.source_note
    assert (
        Site.objects.filter(source=SOURCE_OFFICES, source_note__contains="kompleks").count() == 11
    )
    first, second = _office("2"), _office("104")
    assert first.kelurahan_id == second.kelurahan_id == HARAPAN_MULIA
    assert "nama sama dengan OBJECTID 104" in first.source_note
    assert "nama sama dengan OBJECTID 2" in second.source_note


def test_an_office_joins_its_base_kawasan_and_counts_for_cluster_one(imported):
    office = _office("1")
    kawasan = Kawasan.objects.get(is_base=True, region_id=KEBON_KELAPA)
    assert kawasan.memberships.filter(site=office).exists()
    today = date(2026, 1, 1)
    breakdown = core.score_kawasan(
        kawasan_inputs([kawasan.pk], today=today)[kawasan.pk], DEFAULT_POLICY
    )
    [akta] = [s for s in breakdown.details["shortfalls"]["I"] if s["type"] == "akta-kelahiran"]
    assert (akta["have"], akta["site_ids"]) == (0.25, [office.pk])  # registered: weight 0.25


@pytest.mark.parametrize(
    "name, reason",
    [
        ("KANTOR LURAH KEBON KELAPA", None),
        ("KAWASAN LURAH KAPUK MUARA", None),
        ("GEDUNG EX KANTOR LURAH MANGGA BESAR", "former_office"),
        ("EX GEDUNG LURAH UJUNG MENTENG", "former_office"),
        ("KANTOR LURAH KEBAYORAN LAMA UTARA", None),
        ("TANAH EX LURAH PASEBAN", "land"),
        ("RUMAH DINAS CAMAT JOHAR BARU", "official_house"),
        ("KANTOR WALIKOTA JAKARTA TIMUR", "not_kelurahan_office"),
    ],
)
def test_it_tells_an_office_from_the_rest_by_its_name(name, reason):
    assert office_skip_reason(name) == reason


# ---- hospitals ----


def test_it_imports_every_hospital_with_its_class(imported):
    hospitals = imported[HOSPITALS_GEOJSON]
    assert (hospitals.read, hospitals.created, hospitals.skipped) == (191, 191, [])
    assert hospitals.extra["referral_first"] == 52
    sites = Site.objects.filter(source=SOURCE_HOSPITALS)
    assert set(sites.values_list("types__code", flat=True)) == {"rumah-sakit"}
    by_class = {
        hospital_class: sites.filter(source_note__regex=rf"^kelas {hospital_class}(;|$)").count()
        for hospital_class in ("RSU", "RSUD", "RS Khusus", "RSIA")
    }
    assert by_class == {"RSU": 111, "RSUD": 30, "RS Khusus": 28, "RSIA": 22}


def test_it_recognises_rsia_and_rsud_as_referral_ends(imported):
    # RSAB (children's) and RSB (maternity) hospitals are of the RSIA class in the source.
    first = Site.objects.filter(selectors._referral_first_q())
    assert first.count() == 52
    names = set(first.values_list("name", flat=True))
    assert {"RSUD Koja", "RSIA Bunda", "RSAB Harapan Kita", "RSB Budhi Jaya"} <= names
    assert "RSUP Fatmawati" not in names and "RSJP Harapan Kita" not in names


def test_it_places_known_hospitals_in_their_kelurahan(imported):
    assert _hospital("RSUD Koja").kelurahan.name == "Koja"
    assert _hospital("RSUD Tarakan").kelurahan.name == "Cideng"
    assert _hospital("RSUD Budhi Asih").kelurahan.name == "Cawang"
    assert _hospital("RSUD Kepulauan Seribu").kelurahan.name == "Pulau Panggang"
    assert _hospital("RSUP Fatmawati").kelurahan.name == "Cilandak Barat"


def test_it_flags_hospitals_sharing_a_point_and_imports_both(imported):
    rsab, rsjp = _hospital("RSAB Harapan Kita"), _hospital("RSJP Harapan Kita")
    assert rsab.location == rsjp.location
    assert "koordinat sama dengan OBJECTID 577" in rsab.source_note
    marinir = _hospital("RS Marinir Cilandak")
    assert "koordinat sama dengan OBJECTID 496" in marinir.source_note
    shared = Site.objects.filter(source=SOURCE_HOSPITALS, source_note__contains="koordinat sama")
    assert shared.count() == 4


# ---- idempotency ----


def test_a_second_run_changes_no_office_or_hospital(imported):
    changes_before = SiteChange.objects.count()
    out = _run()
    assert f"{OFFICES_GEOJSON}: dibaca 308, dibuat 0, diperbarui 0, tidak berubah 243" in out
    assert "dilewati 65 (12 bekas kantor, 3 tanah, 47 bukan kantor kelurahan" in out
    assert f"{HOSPITALS_GEOJSON}: dibaca 191, dibuat 0, diperbarui 0, tidak berubah 191" in out
    assert "RSIA/RSUD (rujukan didahulukan): 52." in out
    assert "Tidak ada perubahan situs" in out
    assert SiteChange.objects.count() == changes_before


def test_a_rerun_restores_an_office_changed_outside_the_portal(imported):
    Site.objects.filter(source=SOURCE_OFFICES, source_id="1").update(name="salah")
    out = _run()
    assert "dibuat 0, diperbarui 1, tidak berubah 242" in out
    assert _office("1").name == "KANTOR LURAH KEBON KELAPA"


# ---- referral ends first in the link form ----


def test_a_puskesmas_lists_the_nearest_rsia_and_rsud_first(imported, provinsi):
    puskesmas = Site.objects.get(source=SOURCE_PUSKESMAS, source_id="399")  # Rawabunga
    got = [s.name for s, _d in selectors.link_candidates(provinsi, puskesmas)]
    # RS Premier Jatinegara (RSU) is 170 m away, RSUD Matraman 1.8 km: the RSUD comes first.
    assert got[:3] == ["RSUD Matraman", "RSB Budhi Jaya", "RSUD Tebet"]
    assert "RS Premier Jatinegara" in got[3:] and len(got) == 30
    school = Site.objects.filter(kelurahan_id=RAWA_BUNGA, types__code="sd").first()
    assert selectors.referral_first_candidates(provinsi, school) == []


def test_the_link_form_says_why_a_hospital_comes_first(client, lurah):
    puskesmas = make_site("Puskesmas RB")
    make_site("Posyandu Dekat", types=("posyandu",), location=point_in(RAWA_BUNGA, dx_m=30))
    make_site(
        "RS Umum Dekat",
        types=("rumah-sakit",),
        location=point_in(RAWA_BUNGA, dx_m=60),
        source=SOURCE_HOSPITALS,
        source_id="1",
        source_note="kelas RSU",
    )
    rsud = make_site(
        "RSUD Jauh",
        types=("rumah-sakit",),
        location=point_in(RAWA_BUNGA, dx_m=400),
        source=SOURCE_HOSPITALS,
        source_id="2",
        source_note="kelas RSUD",
    )
    client.force_login(lurah)
    response = client.get(reverse("services:link_create", args=[puskesmas.pk]))
    got = [s.name for s, _d in response.context["candidates"]]
    # First the RSUD, then nearest first (the real sites of Rawa Bunga are there too).
    assert got[0] == "RSUD Jauh"
    assert got.index("Posyandu Dekat") < got.index("RS Umum Dekat")
    assert response.context["referral_first_ids"] == {rsud.pk}
    assert "rujukan didahulukan" in response.content.decode()
