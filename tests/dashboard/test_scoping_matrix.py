"""Every dashboard, ranking, export and report URL x every persona.

Out of all of a user's grants is 404 (the area, kawasan or export does not exist for them),
in reach without the right is 403 (a suku dinas officer on a territorial dashboard, anyone
but the province on provincial pages), signed out is a redirect to the login page.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from exports.models import Export, ExportFormat, ExportKind, ExportStatus
from tests.dashboard.conftest import JATINEGARA, MENTENG, RAWA_BUNGA, small_kawasan

pytestmark = pytest.mark.django_db

ROLES = ["lurah", "lurah_other", "camat", "sudinkes", "sudindik", "provinsi", "nobody", "anon"]
ALL = {r: 200 for r in ROLES if r != "anon"}
PROVINCE_ONLY = dict.fromkeys(ALL, 403) | {"provinsi": 200}
SUDIN_ONLY = dict.fromkeys(ALL, 403) | {"sudinkes": 200, "sudindik": 200}
OWNER_ONLY = dict.fromkeys(ALL, 404) | {"lurah": 200}
RAWA_BUNGA_AREA = {
    "lurah": 200,
    "lurah_other": 404,
    "camat": 200,
    "sudinkes": 403,
    "sudindik": 403,
    "provinsi": 200,
    "nobody": 404,
}
JATINEGARA_AREA = RAWA_BUNGA_AREA | {"lurah": 404}
# Menteng is in Jakarta Pusat: outside every Jakarta Timur grant, sector ones included.
MENTENG_AREA = dict.fromkeys(ALL, 404) | {"provinsi": 200}
EXPORTERS = dict.fromkeys(ALL, 200) | {"nobody": 403}

CASES = [
    ("home", lambda o: reverse("home"), ALL),
    ("area RB", lambda o: reverse("kaltara:dashboard_area", args=[RAWA_BUNGA]), RAWA_BUNGA_AREA),
    ("area JT", lambda o: reverse("kaltara:dashboard_area", args=[JATINEGARA]), JATINEGARA_AREA),
    ("area Menteng", lambda o: reverse("kaltara:dashboard_area", args=[MENTENG]), MENTENG_AREA),
    (
        "area RB, kawasan of Menteng",
        lambda o: reverse("kaltara:dashboard_area", args=[RAWA_BUNGA]) + f"?kawasan={o['far'].pk}",
        RAWA_BUNGA_AREA | {"lurah": 404, "camat": 404, "provinsi": 404},
    ),
    ("sector", lambda o: reverse("kaltara:dashboard_sector"), SUDIN_ONLY),
    ("province", lambda o: reverse("kaltara:province"), PROVINCE_ONLY),
    ("rankings", lambda o: reverse("kaltara:rankings") + "?tingkat=kecamatan", PROVINCE_ONLY),
    ("map", lambda o: reverse("kaltara:choropleth"), PROVINCE_ONLY),
    ("map data", lambda o: reverse("kaltara:choropleth_data"), PROVINCE_ONLY),
    ("rankings csv", lambda o: reverse("kaltara:export_rankings", args=["csv"]), PROVINCE_ONLY),
    ("areas geojson", lambda o: reverse("kaltara:export_areas"), PROVINCE_ONLY),
    ("exports", lambda o: reverse("kaltara:export_list"), EXPORTERS),
    ("export", lambda o: reverse("kaltara:export_detail", args=[o["export"].pk]), OWNER_ONLY),
    (
        "export status",
        lambda o: reverse("kaltara:export_status", args=[o["export"].pk]),
        OWNER_ONLY,
    ),
    (
        "export file",
        lambda o: reverse("kaltara:export_download", args=[o["export"].pk]),
        OWNER_ONLY,
    ),
    (
        "report RB",
        lambda o: reverse("kaltara:kawasan_report", args=[o["mine"].pk]),
        RAWA_BUNGA_AREA,
    ),
    (
        "report Menteng",
        lambda o: reverse("kaltara:kawasan_report", args=[o["far"].pk]),
        MENTENG_AREA,
    ),
    (
        "area report JT",
        lambda o: reverse("kaltara:area_report", args=[JATINEGARA]),
        JATINEGARA_AREA,
    ),
]


@pytest.fixture
def objects(lurah, media):
    export = Export(
        owner=lurah, kind=ExportKind.SITES, format=ExportFormat.CSV, status=ExportStatus.DONE
    )
    export.file.save("situs.csv", ContentFile(b"id,nama\n"), save=False)
    export.save()
    return {"mine": small_kawasan(), "far": small_kawasan(MENTENG), "export": export}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_answers_each_persona_as_the_matrix_says(
    request, client, objects, role, name, url, expected
):
    if role != "anon":
        client.force_login(request.getfixturevalue(role))
    response = client.get(url(objects))
    if role == "anon":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected[role], (name, role)


@pytest.mark.parametrize("role", ROLES)
def test_it_starts_site_exports_only_for_users_with_a_grant(
    request, client, role, media, django_capture_on_commit_callbacks
):
    if role != "anon":
        client.force_login(request.getfixturevalue(role))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("kaltara:export_list"), {"kind": "sites", "format": "csv"})
    if role == "anon":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert not Export.objects.exists()
    elif role == "nobody":
        assert response.status_code == 403
        assert not Export.objects.exists()
    else:
        export = Export.objects.get()
        assert response.status_code == 302
        assert response["Location"] == export.get_absolute_url()
        assert export.owner.username == role


@pytest.mark.parametrize("role", ["lurah", "camat", "sudinkes"])
def test_it_refuses_ranking_exports_in_the_background_outside_the_province(
    request, client, role, media
):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("kaltara:export_list"), {"kind": "rankings", "format": "csv"})
    assert response.status_code == 403
    assert not Export.objects.exists()
