import json

import pytest
from django.urls import reverse

from sites import editing, services, signals
from sites.models import Site, SiteChange
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in, service_type

pytestmark = pytest.mark.django_db


def edit_data(site, **overrides):
    data = {
        "name": site.name,
        "types": [t.pk for t in site.types.all()],
        "location": json.dumps(
            {"type": "Point", "coordinates": [site.location.x, site.location.y]}
        ),
        "latitude": "",
        "longitude": "",
        "address": site.address,
        "contact": site.contact,
        "operating_status": site.operating_status,
        "version": str(site.version),
    }
    data.update(overrides)
    return data


def test_it_shows_the_current_values_and_version(client, lurah):
    site = make_site("Puskesmas RB", address="Jl. Bekasi Timur")
    client.force_login(lurah)
    response = client.get(reverse("services:site_edit", args=[site.pk]))
    html = response.content.decode()
    assert 'name="version" value="1"' in html
    assert "Jl. Bekasi Timur" in html
    assert "leaflet/leaflet.forms.js" in html and "js/site_form.js" in html


def test_it_saves_changes_bumps_the_version_and_records_old_and_new(client, lurah):
    site = make_site("Puskesmas RB", address="Jl. Lama")
    puskesmas, posyandu = service_type("puskesmas"), service_type("posyandu")
    received = []
    signals.site_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t2")
    try:
        client.force_login(lurah)
        response = client.post(
            reverse("services:site_edit", args=[site.pk]),
            edit_data(site, address="Jl. Baru", types=[puskesmas.pk, posyandu.pk]),
        )
    finally:
        signals.site_changed.disconnect(dispatch_uid="t2")
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.version == 2 and site.address == "Jl. Baru" and site.updated_by == lurah
    change = SiteChange.objects.get(site=site)
    assert change.action == "updated" and change.user == lurah
    assert change.changes == {
        "address": ["Jl. Lama", "Jl. Baru"],
        "types": [puskesmas.name, ", ".join(sorted([puskesmas.name, posyandu.name]))],
    }
    assert received[0]["site"] == site and received[0]["fields"] == ["address", "types"]


def test_it_refuses_a_stale_form_showing_both_values_and_saves_nothing(client, lurah, camat):
    site = make_site("Puskesmas RB", address="Jl. Awal")
    stale = edit_data(site, address="Jl. Versi Lurah")
    # The camat saves first.
    services.site_update(user=camat, site=site, data={"address": "Jl. Versi Camat"}, version=1)
    client.force_login(lurah)
    response = client.post(reverse("services:site_edit", args=[site.pk]), stale)
    assert response.status_code == 200
    assert response.context["stale"].rows() == [("Alamat", "Jl. Versi Lurah", "Jl. Versi Camat")]
    html = response.content.decode()
    assert "Jl. Versi Lurah" in html and "Jl. Versi Camat" in html
    site.refresh_from_db()
    assert site.address == "Jl. Versi Camat" and site.version == 2
    assert SiteChange.objects.filter(site=site).count() == 1
    # The redisplayed form carries the current version: saving again is a deliberate choice.
    assert 'name="version" value="2"' in html
    response = client.post(reverse("services:site_edit", args=[site.pk]), {**stale, "version": "2"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.address == "Jl. Versi Lurah" and site.version == 3


def test_it_checks_the_version_in_the_update_itself(lurah):
    site = make_site()
    Site.objects.filter(pk=site.pk).update(version=5)  # someone saved behind our back
    with pytest.raises(editing.StaleEdit) as exc:
        services.site_update(user=lurah, site=site, data={"name": "Baru"}, version=1)
    assert exc.value.version == 5 and exc.value.theirs["name"] == "Puskesmas Rawa Bunga"
    assert Site.objects.get(pk=site.pk).name == "Puskesmas Rawa Bunga"


def test_it_moves_a_site_within_the_territory_and_rederives_the_kelurahan(client, camat):
    site = make_site()
    point = point_in(KAMPUNG_MELAYU)
    client.force_login(camat)
    client.post(
        reverse("services:site_edit", args=[site.pk]),
        edit_data(site, latitude=str(point.y), longitude=str(point.x)),
    )
    site.refresh_from_db()
    assert site.kelurahan_id == KAMPUNG_MELAYU
    assert SiteChange.objects.get(site=site).changes["kelurahan"] == [
        "Rawa Bunga",
        "Kampung Melayu",
    ]


def test_it_refuses_moving_a_site_out_of_the_territory(client, lurah):
    site = make_site()
    point = point_in(KAMPUNG_MELAYU)
    client.force_login(lurah)
    response = client.post(
        reverse("services:site_edit", args=[site.pk]),
        edit_data(site, latitude=str(point.y), longitude=str(point.x)),
    )
    assert "Kelurahan Kampung Melayu" in response.context["form"].errors["location"][0]
    site.refresh_from_db()
    assert site.kelurahan_id == RAWA_BUNGA and site.version == 1


def test_it_saves_nothing_when_nothing_changed(client, lurah):
    site = make_site()
    client.force_login(lurah)
    client.post(reverse("services:site_edit", args=[site.pk]), edit_data(site))
    site.refresh_from_db()
    assert site.version == 1 and not SiteChange.objects.exists()
