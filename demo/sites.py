"""Demo review data: the real Rawa Bunga sites of the demo kawasan, assessed and verified by
the demo users, so the demo kawasan shows all four score components (freshness needs
verified sites) and the review loop can be shown from a verified puskesmas.

The sites stay real (is_demo False); what is demo is their review: the checklist answers
carry the note "data demo" and the review steps are ReviewEvents marked is_demo. The RPTRA
belongs to Sudin PPAPP, which has no demo officer: it is left submitted, so PPAPP's queue
shows a real-looking item and its weight in the score is that of a submission (0.5).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from demo.users import demo_allowed, demo_users_create
from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_RPTRA, SOURCE_SCHOOLS
from sites.models import ReviewState, Site
from sites.review import checklists, selectors, transitions

LURAH = "lurah.rawabunga"
# The same sites kawasan/demo.py builds the demo kawasan on (kawasan imports services, so
# the keys are repeated here rather than imported).
PUSKESMAS = (SOURCE_PUSKESMAS, "399")  # Puskesmas Kelurahan Rawabunga
RPTRA = (SOURCE_RPTRA, "267")  # RPTRA Citra Permata
SD = (SOURCE_SCHOOLS, "20108657")  # SDN Rawa Bunga 01 Pg.
SMP = (SOURCE_SCHOOLS, "20103595")  # SMP Negeri 62
# Who verifies each (None: left submitted).
REVIEWERS = {
    PUSKESMAS: "sudinkes.jaktim",
    SD: "sudindik.jaktim",
    SMP: "sudindik.jaktim",
    RPTRA: None,
}
# Items answered "not yet met", so the demo checklists read like real ones.
NOT_MET = {"partisipasi-anak", "partisipasi-ortu", "sertifikat-rbra", "cctv"}


class DemoReviewsMissing(Exception):
    """The real sites the demo needs are not imported yet."""


@dataclass
class DemoReviewsReport:
    verified: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@transaction.atomic
def demo_reviews_create() -> DemoReviewsReport:
    """Assess, submit and verify the demo sites; running it again changes nothing."""
    if not demo_allowed():
        raise ImproperlyConfigured("Data demo tidak boleh dibuat dengan pengaturan produksi.")
    usernames = {LURAH, *filter(None, REVIEWERS.values())}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if set(users) != usernames:
        users = {u.username: u for u in demo_users_create() if u.username in usernames}
    keys = list(REVIEWERS)
    sites = {
        (s.source, s.source_id): s
        for s in Site.objects.filter(
            source__in={k[0] for k in keys}, source_id__in={k[1] for k in keys}
        )
    }
    missing = sorted(f"{source} {source_id}" for source, source_id in set(keys) - set(sites))
    if missing:
        raise DemoReviewsMissing(
            _("Situs untuk data tinjauan demo belum diimpor (%(ids)s). Jalankan import_sites dulu.")
            % {"ids": ", ".join(missing)}
        )
    lurah = users[LURAH]
    report = DemoReviewsReport()
    for key in keys:
        site = sites[key]
        reviewer_name = REVIEWERS[key]
        reviewer = users.get(reviewer_name) if reviewer_name else None
        if site.review_state == ReviewState.VERIFIED or (
            site.review_state == ReviewState.SUBMITTED and reviewer is None
        ):
            report.unchanged.append(site.name)
            continue
        if site.review_state != ReviewState.SUBMITTED:
            checklists.checklist_save(
                user=lurah, site=site, answers=_demo_answers(site), version=site.version
            )
            site.refresh_from_db()
            transitions.site_submit(user=lurah, site=site, version=site.version, is_demo=True)
            site.refresh_from_db()
        if reviewer is None:
            report.submitted.append(site.name)
            continue
        transitions.site_verify(user=reviewer, site=site, version=site.version, is_demo=True)
        report.verified.append(site.name)
    return report


def _demo_answers(site: Site) -> dict[int, tuple[bool | None, str]]:
    answered = {a.item_id for a in site.checklist_answers.all()}
    return {
        item.pk: (item.code not in NOT_MET, checklists.DEMO_NOTE)
        for item in selectors.checklist_items(site)
        if item.pk not in answered
    }
