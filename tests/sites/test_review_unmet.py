"""Verification is a decision (issue 13, item 5): nothing is confirmed until the officer ticks
it, an item answered "belum terpenuhi" (or not answered) cannot be confirmed as met, and a
bulk verify asks again about rows with unmet items or leaves them out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from sites.models import ChecklistAnswer, ReviewEvent, ReviewState, Site
from sites.review import queue, transitions
from tests.conftest import make_user
from tests.sites.reviewkit import ensure_items, items_of, submitted_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def sudinkes2(db):
    return make_user("sudinkes2", Role.SUDIN, "31.75", "kesehatan")


def _with_unmet(name="Puskesmas Kurang Laktasi", **kw):
    """A submission whose first item is answered "belum terpenuhi"; the others are met."""
    site = submitted_site(name, **kw)
    unmet, *met = items_of(site)
    ChecklistAnswer.objects.filter(site=site, item=unmet).update(answer=False)
    return site, unmet, met


def _confirmed(site) -> dict[int, bool]:
    return dict(ChecklistAnswer.objects.filter(site=site).values_list("item_id", "confirmed"))


def _submitted_by(user, site):
    ReviewEvent.objects.create(
        site=site,
        action="submitted",
        from_state=ReviewState.DRAFT,
        to_state=ReviewState.SUBMITTED,
        user=user,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# ---- the service ----


def test_it_refuses_to_confirm_an_unmet_item_as_met_naming_it_and_writes_nothing(sudinkes):
    site, unmet, met = _with_unmet()
    version = site.version
    with pytest.raises(ValidationError) as exc:
        transitions.site_verify(
            user=sudinkes,
            site=site,
            version=version,
            confirmed_item_ids=[unmet.pk, met[0].pk],
        )
    text = " ".join(exc.value.messages)
    assert unmet.text in text and "belum terpenuhi" in text
    assert [e.params["item_id"] for e in exc.value.error_list] == [unmet.pk]
    fresh = Site.objects.get(pk=site.pk)
    assert (fresh.review_state, fresh.version, fresh.verified_at) == (
        ReviewState.SUBMITTED,
        version,
        None,
    )
    assert not fresh.review_events.exists()
    assert not any(_confirmed(site).values())
    # The caller's object is as the database has it, not left verified in memory.
    assert (site.review_state, site.version) == (ReviewState.SUBMITTED, version)


def test_it_refuses_an_unanswered_item_as_met(sudinkes):
    site = submitted_site()
    missing, *_rest = items_of(site)
    ChecklistAnswer.objects.filter(site=site, item=missing).delete()
    with pytest.raises(ValidationError) as exc:
        transitions.site_verify(
            user=sudinkes, site=site, version=site.version, confirmed_item_ids=[missing.pk]
        )
    assert missing.text in " ".join(exc.value.messages)
    assert "belum dijawab" in " ".join(exc.value.messages)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_confirm_all_met_confirms_the_met_items_only(sudinkes):
    site, unmet, met = _with_unmet()
    transitions.site_verify(
        user=sudinkes, site=site, version=site.version, confirmed_item_ids=[], confirm_all_met=True
    )
    confirmed = _confirmed(site)
    assert confirmed[unmet.pk] is False and all(confirmed[i.pk] for i in met)
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED


def test_confirm_all_met_with_an_unmet_item_ticked_is_still_refused(sudinkes):
    site, unmet, _met = _with_unmet()
    with pytest.raises(ValidationError):
        transitions.site_verify(
            user=sudinkes,
            site=site,
            version=site.version,
            confirmed_item_ids=[unmet.pk],
            confirm_all_met=True,
        )
    assert not any(_confirmed(site).values())


def test_a_site_with_an_unmet_item_is_verified_with_only_what_was_ticked(sudinkes):
    site, unmet, met = _with_unmet()
    transitions.site_verify(
        user=sudinkes, site=site, version=site.version, confirmed_item_ids=[met[0].pk]
    )
    confirmed = _confirmed(site)
    assert confirmed[met[0].pk] and not confirmed[unmet.pk]
    assert not any(confirmed[i.pk] for i in met[1:])


def test_without_a_choice_only_met_items_are_confirmed(sudinkes):
    # confirmed_item_ids None: bulk verify and the demo.
    site, unmet, met = _with_unmet()
    transitions.site_verify(user=sudinkes, site=site, version=site.version)
    confirmed = _confirmed(site)
    assert not confirmed[unmet.pk] and all(confirmed[i.pk] for i in met)


def test_the_older_rules_come_first_four_eyes_then_a_stale_page(sudinkes, sudinkes2):
    site, unmet, _met = _with_unmet()
    _submitted_by(sudinkes, site)
    with pytest.raises(PermissionDenied):
        transitions.site_verify(
            user=sudinkes, site=site, version=site.version, confirmed_item_ids=[unmet.pk]
        )
    with pytest.raises(transitions.ReviewConflict):
        transitions.site_verify(
            user=sudinkes2, site=site, version=site.version - 1, confirmed_item_ids=[unmet.pk]
        )
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_an_unmet_item_of_another_sector_is_not_this_officers_to_confirm(sudinkes):
    ensure_items("rptra")
    site = submitted_site("RPTRA Melati", types=("rptra", "posyandu"))
    other = next(i for i in items_of(site) if i.service_type.code == "rptra")
    ChecklistAnswer.objects.filter(site=site, item=other).update(answer=False)
    # Left as it is (as every item of another sector is), not refused: it is not theirs.
    transitions.site_verify(
        user=sudinkes, site=site, version=site.version, confirmed_item_ids=[other.pk]
    )
    assert _confirmed(site)[other.pk] is False


def test_bulk_leaves_out_a_site_with_unmet_items_saying_which(sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    site, unmet, _met = _with_unmet()
    result = queue.sites_verify_bulk(
        user=sudinkes, items=[(clean.pk, clean.version), (site.pk, site.version)]
    )
    assert [s.pk for s in result.verified] == [clean.pk] and result.with_unmet == []
    ((name, why),) = result.skipped
    assert name == site.name and "1 butir belum terpenuhi" in why and unmet.text in why
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_bulk_verifies_a_site_with_unmet_items_when_included_confirming_only_met(sudinkes):
    site, unmet, met = _with_unmet()
    result = queue.sites_verify_bulk(
        user=sudinkes, items=[(site.pk, site.version)], include_unmet={site.pk}
    )
    assert [s.pk for s in result.verified] == [site.pk] == [s.pk for s in result.with_unmet]
    confirmed = _confirmed(site)
    assert not confirmed[unmet.pk] and all(confirmed[i.pk] for i in met)


def test_bulk_including_an_own_submission_still_skips_it(sudinkes):
    site, _unmet, _met = _with_unmet()
    _submitted_by(sudinkes, site)
    result = queue.sites_verify_bulk(
        user=sudinkes, items=[(site.pk, site.version)], include_unmet={site.pk}
    )
    assert result.verified == [] and "empat mata" in result.skipped[0][1]


def test_bulk_unmet_lists_the_chosen_rows_with_their_unmet_items(sudinkes, sudindik):
    clean = submitted_site("Puskesmas Lengkap")
    site, unmet, _met = _with_unmet()
    school, school_unmet, _ = _with_unmet("SDN Kurang", types=("sd",))
    rows = queue.bulk_unmet(sudinkes, [clean.pk, site.pk, school.pk])
    # The school is not the health officer's to review: not theirs to hear about either.
    assert [(r.site.pk, [i.pk for i in r.items]) for r in rows] == [(site.pk, [unmet.pk])]
    rows = queue.bulk_unmet(sudindik, [school.pk])
    assert [(r.site.pk, [i.pk for i in r.items]) for r in rows] == [(school.pk, [school_unmet.pk])]


# ---- the review page ----


def test_the_review_page_starts_with_nothing_ticked_and_flags_the_unmet_item(client, sudinkes):
    site, unmet, met = _with_unmet()
    client.force_login(sudinkes)
    response = client.get(reverse("services:site_review", args=[site.pk]))
    html = response.content.decode()
    assert 'name="confirmed"' in html and " checked" not in html
    assert 'id="confirm-all-met"' in html and "Konfirmasi semua butir yang terpenuhi" in html
    assert [r["item"].pk for r in response.context["not_met"]] == [unmet.pk]
    assert f'<li class="not-met" id="item-{unmet.pk}">' in html
    assert f'<li class="" id="item-{met[0].pk}">' in html
    assert "1 butir belum terpenuhi atau belum dijawab" in html
    # Only met items are ticked by "confirm all" on the page.
    assert f'value="{met[0].pk}" data-met' in html
    assert f'value="{unmet.pk}" data-met' not in html


def test_the_review_page_refuses_an_unmet_item_in_view_keeping_the_ticks(client, sudinkes):
    site, unmet, met = _with_unmet()
    version = site.version
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:site_verify", args=[site.pk]),
        {"version": version, "confirmed": [unmet.pk, met[0].pk]},
    )
    assert response.status_code == 200
    assert response.templates[0].name == "services/review_site.html"
    html = response.content.decode()
    assert 'id="verify-refused"' in html and unmet.text in html
    assert f'class="not-met refused" id="item-{unmet.pk}"' in html
    assert f'value="{unmet.pk}" checked' in html and f'value="{met[0].pk}" data-met checked' in html
    site.refresh_from_db()
    assert (site.review_state, site.version) == (ReviewState.SUBMITTED, version)
    assert not any(_confirmed(site).values())

    # Then verified correctly, from the same page.
    response = client.post(
        reverse("services:site_verify", args=[site.pk]),
        {"version": version, "konfirmasi_semua": "on"},
        follow=True,
    )
    assert "diverifikasi" in _messages(response)
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED
    confirmed = _confirmed(site)
    assert not confirmed[unmet.pk] and all(confirmed[i.pk] for i in met)


def test_the_confirm_all_box_is_kept_ticked_after_a_refusal(client, sudinkes):
    site, unmet, _met = _with_unmet()
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:site_verify", args=[site.pk]),
        {"version": site.version, "confirmed": [unmet.pk], "konfirmasi_semua": "on"},
    )
    assert 'id="confirm-all-met" checked' in response.content.decode()


def test_the_review_page_post_keeps_four_eyes(client, sudinkes):
    site, _unmet, _met = _with_unmet()
    _submitted_by(sudinkes, site)
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:site_verify", args=[site.pk]),
        {"version": site.version, "konfirmasi_semua": "on"},
    )
    assert response.status_code == 403
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


# ---- bulk verify in the queue ----


def test_the_queue_marks_rows_with_unmet_items(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    site, _unmet, _met = _with_unmet()
    client.force_login(sudinkes)
    response = client.get(reverse("services:review_queue"))
    unmet = {i.site.pk: i.unmet for i in response.context["page"]}
    assert unmet == {clean.pk: 0, site.pk: 1}
    html = response.content.decode()
    assert "1 butir belum terpenuhi" in html
    assert f'value="{site.pk}:{site.version}"' in html  # still chosen, then asked again


def test_bulk_verify_asks_again_about_rows_with_unmet_items(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    site, unmet, _met = _with_unmet()
    chosen = [f"{clean.pk}:{clean.version}", f"{site.pk}:{site.version}"]
    client.force_login(sudinkes)
    response = client.post(reverse("services:review_bulk_verify"), {"pilih": chosen})
    assert response.status_code == 200
    assert response.templates[0].name == "services/review_bulk_confirm.html"
    html = response.content.decode()
    assert f'id="unmet-{site.pk}"' in html and unmet.text in html
    assert f'name="sertakan" value="{site.pk}">' in html  # not ticked
    assert f'id="unmet-{clean.pk}"' not in html
    assert "1 pengajuan lain yang dipilih" in html
    # Nothing is verified before the officer answers.
    states = set(Site.objects.filter(pk__in=[clean.pk, site.pk]).values_list("review_state"))
    assert states == {(ReviewState.SUBMITTED,)}


def test_bulk_verify_second_step_leaves_out_what_is_not_ticked(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    site, _unmet, _met = _with_unmet()
    chosen = [f"{clean.pk}:{clean.version}", f"{site.pk}:{site.version}"]
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:review_bulk_verify"), {"pilih": chosen, "ditanya": "1"}, follow=True
    )
    text = _messages(response)
    assert "1 situs diverifikasi: Puskesmas Lengkap" in text
    assert (
        f"{site.name} dilewati: 1 butir belum terpenuhi" in text and "tidak Anda sertakan" in text
    )
    clean.refresh_from_db()
    site.refresh_from_db()
    assert (clean.review_state, site.review_state) == (ReviewState.VERIFIED, ReviewState.SUBMITTED)


def test_bulk_verify_second_step_includes_what_is_ticked(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    site, unmet, _met = _with_unmet()
    chosen = [f"{clean.pk}:{clean.version}", f"{site.pk}:{site.version}"]
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:review_bulk_verify"),
        {"pilih": chosen, "ditanya": "1", "sertakan": [str(site.pk)]},
        follow=True,
    )
    text = _messages(response)
    assert "2 situs diverifikasi" in text and "meski ada butir belum terpenuhi" in text
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED
    assert _confirmed(site)[unmet.pk] is False


def test_bulk_verify_without_unmet_rows_does_not_ask(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:review_bulk_verify"), {"pilih": [f"{clean.pk}:{clean.version}"]}
    )
    assert response.status_code == 302
    clean.refresh_from_db()
    assert clean.review_state == ReviewState.VERIFIED


def test_bulk_verify_refuses_a_malformed_inclusion(client, sudinkes):
    site, _unmet, _met = _with_unmet()
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:review_bulk_verify"),
        {"pilih": [f"{site.pk}:{site.version}"], "ditanya": "1", "sertakan": ["x"]},
        follow=True,
    )
    assert "Pilihan tidak sah" in _messages(response)
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize("n", [2, 30])
def test_the_second_step_costs_a_bounded_number_of_queries(
    client, sudinkes, django_assert_max_num_queries, n
):
    chosen = []
    for i in range(n):
        site, _unmet, _met = _with_unmet(f"Puskesmas Kurang {i}")
        chosen.append(f"{site.pk}:{site.version}")
    client.force_login(sudinkes)
    with django_assert_max_num_queries(8):
        response = client.post(reverse("services:review_bulk_verify"), {"pilih": chosen})
    assert len(response.context["unmet"]) == n


def test_the_review_page_costs_a_bounded_number_of_queries(
    client, sudinkes, django_assert_max_num_queries
):
    # Every item with its answer, flag and documents: fetched at once, not item by item.
    ensure_items("rptra")
    site = submitted_site("RPTRA Melati", types=("rptra", "posyandu"))
    ChecklistAnswer.objects.filter(site=site).update(answer=False)
    client.force_login(sudinkes)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("services:site_review", args=[site.pk]))
    assert len(response.context["not_met"]) == len(items_of(site))
