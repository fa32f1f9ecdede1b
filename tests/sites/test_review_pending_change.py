"""Edits of a verified site wait as a pending change: diff, approve, return, fix, withdraw."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites import editing, services, signals
from sites.models import ChecklistAnswer, PendingChange, ReviewState, SiteDocument
from sites.review import checklists, pending, transitions
from tests.factories import KAMPUNG_MELAYU, make_site, point_in, service_type
from tests.sites.reviewkit import items_of, verified_site

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def changed_signals():
    received = []
    signals.site_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="pc")
    yield received
    signals.site_changed.disconnect(dispatch_uid="pc")


def _propose(user, site, **data):
    return services.site_update(user=user, site=site, data=data, version=site.version)


def test_it_keeps_the_live_site_and_its_score_while_the_change_waits(lurah, changed_signals):
    site = verified_site()
    live = (site.name, site.location.wkt, site.version)
    result = _propose(lurah, site, name="Puskesmas Baru", location=point_in(site.kelurahan_id, 50))
    change = result.pending_change
    assert change.state == "pending" and change.proposed_by == lurah
    assert change.data["name"] == "Puskesmas Baru" and len(change.data["location"]) == 2
    site.refresh_from_db()
    assert (site.name, site.location.wkt, site.version) == live
    # No site_changed: scoring has nothing to recompute until approval.
    assert changed_signals == []
    assert site.review_events.get().action == "change_proposed"


def test_it_saves_address_and_contact_at_once_and_defers_only_reviewed_fields(lurah):
    site = verified_site()
    result = _propose(lurah, site, name="Nama Baru", address="Jl. Bekasi Timur 1")
    site.refresh_from_db()
    assert site.address == "Jl. Bekasi Timur 1" and site.name == "Puskesmas Rawa Bunga"
    assert set(result.pending_change.data) == {"name"}


def test_it_shows_the_reviewer_a_field_by_field_diff_and_both_points(client, lurah, sudinkes):
    site = verified_site()
    new_point = point_in(site.kelurahan_id, 0, 120)
    posyandu = service_type("posyandu")
    change = _propose(
        lurah, site, name="Puskesmas RB", types=[site.types.get(), posyandu], location=new_point
    ).pending_change
    client.force_login(sudinkes)
    response = client.get(change.get_absolute_url())
    rows = {r.field: r for r in response.context["diff"]}
    assert (rows["name"].old, rows["name"].new) == ("Puskesmas Rawa Bunga", "Puskesmas RB")
    assert posyandu.name in rows["types"].new and posyandu.name not in rows["types"].old
    metres = int(re.search(r"bergeser (\d+) m", rows["location"].new).group(1))
    assert 115 <= metres <= 125
    html = response.content.decode()
    assert 'id="site-detail-map"' in html and "site-link-points" in html
    assert response.context["map_points"][0]["lat"] == pytest.approx(new_point.y)
    assert response.context["may_review"]


def test_it_applies_an_approved_change_at_once_and_keeps_the_site_verified(
    lurah, sudinkes, changed_signals
):
    site = verified_site()
    before = site.verified_at
    posyandu = service_type("posyandu")
    change = _propose(lurah, site, name="Puskesmas RB", types=[site.types.get(), posyandu])
    change = change.pending_change
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    site.refresh_from_db()
    change.refresh_from_db()
    assert site.name == "Puskesmas RB" and set(site.types.values_list("code", flat=True)) == {
        "puskesmas",
        "posyandu",
    }
    assert site.review_state == ReviewState.VERIFIED and site.verified_at > before
    assert (change.state, change.reviewed_by) == ("approved", sudinkes)
    event = site.review_events.filter(action="change_approved").get()
    assert event.changes["Nama"] == ["Puskesmas Rawa Bunga", "Puskesmas RB"]
    assert {"name", "types", "verified_at"} <= set(changed_signals[-1]["fields"])


def test_it_applies_nothing_when_one_part_fails(lurah, sudinkes):
    site = verified_site()
    change = _propose(lurah, site, name="Puskesmas RB").pending_change
    seen = site.version
    # The address is saved directly: the site moved on since the reviewer's page.
    _propose(lurah, site, address="Jl. Lain")
    with pytest.raises(transitions.ReviewConflict):
        pending.pending_change_approve(
            user=sudinkes, change=change, version=change.version, site_version=seen
        )
    change.refresh_from_db()
    site.refresh_from_db()
    assert change.state == "pending" and site.name == "Puskesmas Rawa Bunga"


def test_it_returns_a_change_with_a_reason_and_the_proposer_fixes_it_in_place(lurah, sudinkes):
    site = verified_site()
    change = _propose(lurah, site, name="Puskesmas RB").pending_change
    with pytest.raises(ValidationError):
        pending.pending_change_return(
            user=sudinkes, change=change, version=change.version, reason=""
        )
    pending.pending_change_return(
        user=sudinkes, change=change, version=change.version, reason="Pakai nama resmi"
    )
    change.refresh_from_db()
    assert (change.state, change.reason) == ("returned", "Pakai nama resmi")
    site.refresh_from_db()
    fixed = _propose(lurah, site, name="Puskesmas Kelurahan Rawa Bunga").pending_change
    assert fixed.pk == change.pk and fixed.state == "pending"
    assert fixed.version == change.version + 1
    assert PendingChange.objects.filter(site=site).count() == 1


def test_it_drops_fields_set_back_and_withdraws_an_empty_change(lurah):
    site = verified_site()
    change = _propose(lurah, site, name="Nama Baru", address="Jl. X").pending_change
    site.refresh_from_db()
    result = _propose(lurah, site, name="Puskesmas Rawa Bunga")
    assert result.pending_change is None
    change.refresh_from_db()
    assert change.state == "withdrawn"


def test_it_moves_a_site_to_another_kelurahan_only_on_approval(camat, sudinkes):
    site = verified_site()
    change = _propose(camat, site, location=point_in(KAMPUNG_MELAYU)).pending_change
    assert change.data["kelurahan"] == KAMPUNG_MELAYU
    site.refresh_from_db()
    assert site.kelurahan_id != KAMPUNG_MELAYU
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    site.refresh_from_db()
    assert site.kelurahan_id == KAMPUNG_MELAYU


def test_it_refuses_a_proposed_point_outside_the_lurahs_territory(lurah):
    site = verified_site()
    with pytest.raises(ValidationError) as exc:
        _propose(lurah, site, location=point_in(KAMPUNG_MELAYU))
    assert "location" in exc.value.message_dict
    assert not PendingChange.objects.exists()


def test_it_warns_of_a_likely_duplicate_in_a_proposal(lurah):
    site = verified_site()
    make_site("Puskesmas Kelurahan Rawa Bunga", location=point_in(site.kelurahan_id, 30))
    with pytest.raises(editing.LikelyDuplicate):
        _propose(
            lurah,
            site,
            location=point_in(site.kelurahan_id, 30),
            name="Puskesmas Kelurahan Rawa Bunga",
        )


def test_it_holds_a_document_for_a_verified_site_until_approval(client, lurah, sudinkes):
    site = verified_site()
    client.force_login(lurah)
    item = items_of(site)[0]
    response = client.post(
        reverse("services:site_document_add", args=[site.pk]),
        {
            "kind": "photo",
            "title": "Ruang konseling",
            "file": SimpleUploadedFile("foto.png", PNG, content_type="image/png"),
            "checklist_item": item.pk,
        },
    )
    doc = SiteDocument.objects.get(site=site)
    assert doc.pending_change is not None
    assert response["Location"] == doc.pending_change.get_absolute_url()
    detail = client.get(site.get_absolute_url())
    assert detail.context["live_documents"] == []
    change = doc.pending_change
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    doc.refresh_from_db()
    assert doc.pending_change is None
    assert client.get(site.get_absolute_url()).context["live_documents"] == [doc]


def test_it_holds_checklist_edits_of_a_verified_site_until_approval(lurah, sudinkes):
    site = verified_site()
    item = items_of(site)[0]
    change = checklists.checklist_save(
        user=lurah, site=site, answers={item.pk: (False, "Ruang dipakai gudang")}, version=1
    )
    answer = ChecklistAnswer.objects.get(site=site, item=item)
    assert (answer.answer, answer.confirmed) == (True, True)
    assert change.data["checklist"] == {str(item.pk): [False, "Ruang dipakai gudang"]}
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    answer.refresh_from_db()
    # An unmet answer goes live but is never confirmed as met (issue 13: verification is a
    # decision; the same rule as the review page).
    assert (answer.answer, answer.note, answer.confirmed) == (False, "Ruang dipakai gudang", False)


def test_it_lets_the_lurah_ask_for_a_reverification_of_unchanged_data(client, lurah, sudinkes):
    site = verified_site()
    client.force_login(lurah)
    client.post(reverse("services:site_reverify_request", args=[site.pk]), {"version": 1})
    change = PendingChange.objects.get(site=site)
    assert change.data == {"reverify": True}
    client.force_login(sudinkes)
    page = client.get(change.get_absolute_url())
    assert "meminta verifikasi ulang" in page.content.decode()
    before = site.verified_at
    pending.pending_change_approve(
        user=sudinkes, change=change, version=change.version, site_version=site.version
    )
    site.refresh_from_db()
    assert site.verified_at > before
