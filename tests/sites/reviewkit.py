"""Helpers for the review workflow tests: checklist answers and sites in each review state."""

from django.utils import timezone

from sites.models import ChecklistAnswer, ChecklistItem, ReviewState, ServiceType, Site
from sites.review import selectors
from tests.factories import RAWA_BUNGA, make_site


def items_of(site: Site) -> list[ChecklistItem]:
    return selectors.checklist_items(site)


def ensure_items(code: str, n: int = 2) -> list[ChecklistItem]:
    """The type's checklist items; a type without any (a test-made one) gets n of them."""
    st = ServiceType.objects.get(code=code)
    items = list(st.checklist_items.all())
    if not items:
        items = [
            ChecklistItem.objects.create(service_type=st, code=f"butir-{i}", text=f"Butir {i}")
            for i in range(1, n + 1)
        ]
    return items


def answer_all(site: Site, answer: bool = True, confirmed: bool = False) -> None:
    ChecklistAnswer.objects.bulk_create(
        [
            ChecklistAnswer(site=site, item=item, answer=answer, confirmed=confirmed)
            for item in items_of(site)
        ]
    )


def submitted_site(name="Puskesmas Rawa Bunga", kelurahan=RAWA_BUNGA, types=("puskesmas",), **kw):
    """A site in the queue: checklist answered, state submitted (as site_submit leaves it)."""
    submitted_at = kw.pop("submitted_at", None) or timezone.now()
    site = make_site(name, kelurahan, types=types, **kw)
    answer_all(site)
    Site.objects.filter(pk=site.pk).update(
        review_state=ReviewState.SUBMITTED, submitted_at=submitted_at
    )
    site.refresh_from_db()
    return site


def verified_site(name="Puskesmas Rawa Bunga", kelurahan=RAWA_BUNGA, types=("puskesmas",), **kw):
    site = make_site(name, kelurahan, types=types, public=True, **kw)
    answer_all(site, confirmed=True)
    site.refresh_from_db()
    return site
