"""The duplicate warning (site form, Excel dry run, proposed changes) names only sites the
user may see; matches among hidden ones are told without a name, type or distance."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from sites.models import Site
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in, service_type
from tests.sites.test_site_create import geojson

pytestmark = pytest.mark.django_db

URL = reverse("services:site_create")


@pytest.fixture
def border_draft():
    # Another kelurahan's draft right by the point the lurah taps.
    return make_site("P Rahasia Tetangga", KAMPUNG_MELAYU, types=("posyandu",))


def _post(client, name, point, **extra):
    return client.post(
        URL,
        {
            "name": name,
            "types": [service_type("posyandu").pk],
            "location": geojson(point),
            "latitude": "",
            "longitude": "",
            "address": "",
            "contact": "",
            "operating_status": "open",
            "version": "",
            **extra,
        },
    )


def test_a_hidden_near_duplicate_is_told_without_its_name(client, lurah, border_draft):
    # A point inside Rawa Bunga a few metres from the neighbour's draft (one-letter name).
    rb = point_in(RAWA_BUNGA)
    Site.objects.filter(pk=border_draft.pk).update(location=Point(rb.x + 0.0003, rb.y))
    client.force_login(lurah)
    response = _post(client, "P", rb)
    html = response.content.decode()
    assert response.status_code == 200 and not Site.objects.filter(name="P").exists()
    assert "P Rahasia Tetangga" not in html
    assert "tidak dapat ditampilkan" in html and "camat" in html
    assert response.context["duplicates"] == [] and response.context["hidden_duplicates"] == 1
    # Confirming saves it, as with a visible duplicate.
    assert _post(client, "P", rb, confirm_duplicate="on").status_code == 302


def test_a_visible_duplicate_is_named(client, lurah):
    mine = make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu",))
    client.force_login(lurah)
    response = _post(client, "POSYANDU MELATI", Point(mine.location.x + 0.0001, mine.location.y))
    assert "Posyandu Melati" in response.content.decode()
    assert [s for s, _d in response.context["duplicates"]] == [mine]
    assert response.context["hidden_duplicates"] == 0


def test_the_excel_dry_run_does_not_name_a_hidden_near_duplicate(client, lurah, border_draft):
    from tests.sites.test_spreadsheet import UPLOAD, export_rows, xlsx

    rb = point_in(RAWA_BUNGA)
    Site.objects.filter(pk=border_draft.pk).update(location=Point(rb.x + 0.0003, rb.y))
    client.force_login(lurah)
    rows = export_rows(client)
    rows.append([None, "P", "posyandu", RAWA_BUNGA, rb.y, rb.x, "", "", "", None])
    response = client.post(UPLOAD, {"file": xlsx(rows)})
    html = response.content.decode()
    warnings = [str(w.message) for w in response.context["plan"].warnings]
    assert "P Rahasia Tetangga" not in html
    assert any("tidak dapat ditampilkan" in w for w in warnings)
