"""The officer's queue: their sector in their kota, oldest first, age, overdue, bulk verify,
and a bounded number of queries whatever its length."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sites import services
from sites.models import ChecklistAnswer, PendingChange, ReviewState
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA
from tests.sites.reviewkit import items_of, submitted_site, verified_site

pytestmark = pytest.mark.django_db


def _ago(days):
    return timezone.now() - timedelta(days=days)


def test_it_lists_submissions_and_changes_of_the_sector_and_kota_oldest_first(
    client, lurah, sudinkes
):
    newer = submitted_site("Puskesmas Baru", submitted_at=_ago(1))
    older = submitted_site("Puskesmas Lama", KAMPUNG_MELAYU, submitted_at=_ago(9))
    submitted_site("SDN Rawa Bunga 01", types=("sd",), submitted_at=_ago(20))
    submitted_site("Puskesmas Menteng", MENTENG, submitted_at=_ago(30))
    verified = verified_site("Puskesmas Verif")
    change = services.site_update(
        user=lurah, site=verified, data={"name": "Puskesmas Verif 2"}, version=verified.version
    ).pending_change
    PendingChange.objects.filter(pk=change.pk).update(submitted_at=_ago(5))
    client.force_login(sudinkes)
    response = client.get(reverse("services:review_queue"))
    rows = [(i.kind, i.site.name, i.age_days, i.overdue) for i in response.context["page"]]
    assert rows == [
        ("site", older.name, 9, True),
        ("change", "Puskesmas Verif", 5, False),
        ("site", newer.name, 1, False),
    ]
    assert response.context["overdue"] == 1
    assert "terlambat" in response.content.decode()


def test_it_takes_the_overdue_threshold_from_the_setting(client, sudinkes, settings):
    settings.KALTARA_REVIEW_OVERDUE_DAYS = 3
    submitted_site(submitted_at=_ago(4))
    client.force_login(sudinkes)
    item = client.get(reverse("services:review_queue")).context["page"][0]
    assert item.overdue


def test_it_shows_each_officer_only_their_sector_and_kota(client, sudindik, sudinkes_pusat):
    submitted_site("Puskesmas RB")
    school = submitted_site("SDN RB", types=("sd",))
    client.force_login(sudindik)
    assert [i.site.pk for i in client.get(reverse("services:review_queue")).context["page"]] == [
        school.pk
    ]
    client.force_login(sudinkes_pusat)
    assert list(client.get(reverse("services:review_queue")).context["page"]) == []


def test_it_marks_validation_problems_and_offers_only_clean_rows_for_bulk(client, sudinkes):
    clean = submitted_site("Puskesmas Lengkap")
    broken = submitted_site("Puskesmas Kurang")
    ChecklistAnswer.objects.filter(site=broken, item=items_of(broken)[0]).delete()
    client.force_login(sudinkes)
    response = client.get(reverse("services:review_queue"))
    problems = {i.site.pk: i.problems for i in response.context["page"]}
    assert problems[clean.pk] == [] and "1 butir belum dijawab" in problems[broken.pk][0]
    html = response.content.decode()
    assert f'value="{clean.pk}:{clean.version}"' in html
    assert f'value="{broken.pk}:' not in html


def test_it_bulk_verifies_clean_submissions_and_skips_the_others(client, sudinkes, sudindik):
    one = submitted_site("Puskesmas Satu")
    two = submitted_site("Puskesmas Dua")
    broken = submitted_site("Puskesmas Kurang")
    ChecklistAnswer.objects.filter(site=broken).delete()
    moved_on = submitted_site("Puskesmas Berubah")
    school = submitted_site("SDN RB", types=("sd",))
    client.force_login(sudinkes)
    response = client.post(
        reverse("services:review_bulk_verify"),
        {
            "pilih": [
                f"{one.pk}:{one.version}",
                f"{two.pk}:{two.version}",
                f"{broken.pk}:{broken.version}",
                f"{moved_on.pk}:{moved_on.version - 1 or 99}",
                f"{school.pk}:{school.version}",
            ]
        },
        follow=True,
    )
    states = {
        s.pk: s.review_state
        for s in type(one).objects.filter(
            pk__in=[one.pk, two.pk, broken.pk, moved_on.pk, school.pk]
        )
    }
    assert states == {
        one.pk: ReviewState.VERIFIED,
        two.pk: ReviewState.VERIFIED,
        broken.pk: ReviewState.SUBMITTED,
        moved_on.pk: ReviewState.SUBMITTED,
        school.pk: ReviewState.SUBMITTED,
    }
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 situs diverifikasi" in text and "Puskesmas Kurang dilewati" in text
    assert "Puskesmas Berubah dilewati" in text and "tidak ditemukan" in text
    # Bulk verification confirms the officer's own items.
    assert all(ChecklistAnswer.objects.filter(site=one).values_list("confirmed", flat=True))


def test_it_asks_to_choose_something_before_a_bulk_verify(client, sudinkes):
    client.force_login(sudinkes)
    response = client.post(reverse("services:review_bulk_verify"), {}, follow=True)
    assert "Pilih minimal satu" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("n", [3, 60])
def test_it_shows_the_queue_with_a_bounded_number_of_queries(
    client, lurah, sudinkes, django_assert_max_num_queries, n
):
    for i in range(n):
        submitted_site(f"Puskesmas {i}", RAWA_BUNGA if i % 2 else KAMPUNG_MELAYU)
    for i in range(n // 3 or 1):
        site = verified_site(f"Puskesmas Verif {i}")
        services.site_update(
            user=lurah,
            site=site,
            data={"name": f"Puskesmas V {i}", "confirm_duplicate": True},
            version=site.version,
        )
    client.force_login(sudinkes)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("services:review_queue"))
    assert response.status_code == 200
    assert response.context["total"] == n + (n // 3 or 1)
