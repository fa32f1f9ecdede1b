"""The lurah fills the checklist of each type; the reviewer confirms item by item."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sites import editing
from sites.models import ChecklistAnswer, ReviewState, SiteChange
from sites.review import checklists
from tests.factories import make_site
from tests.sites.reviewkit import ensure_items, items_of, submitted_site

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _post_data(site, answers, **extra):
    data = {"version": site.version, **extra}
    for item in items_of(site):
        answer, note = answers.get(item.pk, ("", ""))
        data[f"item_{item.pk}"] = answer
        data[f"note_{item.pk}"] = note
    return data


def test_it_shows_the_items_of_every_type_of_the_site(client, lurah):
    ensure_items("rptra")
    site = make_site("RPTRA Melati", types=("rptra", "posyandu"))
    client.force_login(lurah)
    response = client.get(reverse("services:checklist_edit", args=[site.pk]))
    groups = response.context["form"].rows()
    assert {stype.code for stype, _rows in groups} == {"rptra", "posyandu"}
    assert sum(len(rows) for _s, rows in groups) == len(items_of(site))


def test_it_saves_answers_with_notes_and_records_them_in_the_history(client, lurah):
    site = make_site()
    first, second, *_ = items_of(site)
    client.force_login(lurah)
    response = client.post(
        reverse("services:checklist_edit", args=[site.pk]),
        _post_data(site, {first.pk: ("yes", "Ruang di lantai 2"), second.pk: ("no", "")}),
    )
    assert response.status_code == 302
    answers = {a.item_id: a for a in ChecklistAnswer.objects.filter(site=site)}
    assert (answers[first.pk].answer, answers[first.pk].note) == (True, "Ruang di lantai 2")
    assert answers[second.pk].answer is False and len(answers) == 2
    change = SiteChange.objects.get(site=site, action="checklist_updated")
    assert change.changes[first.text] == ["belum dijawab", "terpenuhi (Ruang di lantai 2)"]
    site.refresh_from_db()
    assert site.version == 2


def test_it_saves_and_submits_in_one_step_when_the_checklist_is_complete(client, lurah):
    site = make_site(review_state=ReviewState.REGISTERED)
    client.force_login(lurah)
    client.post(
        reverse("services:checklist_edit", args=[site.pk]),
        _post_data(site, {i.pk: ("yes", "") for i in items_of(site)}, ajukan="1"),
    )
    site.refresh_from_db()
    assert site.review_state == ReviewState.SUBMITTED


def test_it_does_not_submit_an_incomplete_checklist_and_says_why(client, lurah):
    site = make_site()
    first = items_of(site)[0]
    client.force_login(lurah)
    response = client.post(
        reverse("services:checklist_edit", args=[site.pk]),
        _post_data(site, {first.pk: ("yes", "")}, ajukan="1"),
        follow=True,
    )
    site.refresh_from_db()
    assert site.review_state == ReviewState.DRAFT
    assert "belum dijawab" in " ".join(str(m) for m in response.context["messages"])


def test_it_drops_the_confirmation_of_an_answer_that_changes(lurah):
    site = make_site()
    item = items_of(site)[0]
    ChecklistAnswer.objects.create(site=site, item=item, answer=True, confirmed=True)
    checklists.checklist_save(user=lurah, site=site, answers={item.pk: (False, "")}, version=1)
    answer = ChecklistAnswer.objects.get(site=site, item=item)
    assert (answer.answer, answer.confirmed) == (False, False)


def test_it_refuses_items_of_other_types(lurah):
    site = make_site()
    foreign = ensure_items("rptra")[0]
    with pytest.raises(ValidationError):
        checklists.checklist_save(
            user=lurah, site=site, answers={foreign.pk: (True, "")}, version=1
        )


def test_it_refuses_a_checklist_saved_over_a_newer_version(lurah):
    site = make_site()
    item = items_of(site)[0]
    checklists.checklist_save(user=lurah, site=site, answers={item.pk: (True, "")}, version=1)
    with pytest.raises(editing.StaleEdit):
        checklists.checklist_save(user=lurah, site=site, answers={item.pk: (False, "")}, version=1)


def test_the_reviewer_confirms_item_by_item(client, sudinkes):
    site = submitted_site()
    first, second, *rest = items_of(site)
    client.force_login(sudinkes)
    page = client.get(reverse("services:site_review", args=[site.pk]))
    assert [r["item"].pk for r in page.context["rows"]][:2] == [first.pk, second.pk]
    client.post(
        reverse("services:site_verify", args=[site.pk]),
        {"version": site.version, "confirmed": [first.pk, second.pk]},
    )
    confirmed = dict(ChecklistAnswer.objects.filter(site=site).values_list("item_id", "confirmed"))
    assert confirmed[first.pk] and confirmed[second.pk]
    assert not any(confirmed[i.pk] for i in rest)
    site.refresh_from_db()
    assert site.review_state == ReviewState.VERIFIED


def test_the_review_page_shows_evidence_attached_to_its_item(client, lurah, sudinkes):
    site = submitted_site()
    item = items_of(site)[1]
    client.force_login(lurah)
    client.post(
        reverse("services:site_document_add", args=[site.pk]),
        {
            "kind": "photo",
            "title": "Foto pojok laktasi",
            "file": SimpleUploadedFile("laktasi.png", PNG, content_type="image/png"),
            "checklist_item": item.pk,
        },
    )
    site.refresh_from_db()
    client.force_login(sudinkes)
    page = client.get(reverse("services:site_review", args=[site.pk]))
    row = next(r for r in page.context["rows"] if r["item"].pk == item.pk)
    assert [d.title for d in row["documents"]] == ["Foto pojok laktasi"]
    assert "Foto pojok laktasi" in page.content.decode()
