"""The lurah's checklist answers: saved at once, or, on a verified site, proposed in its
pending change. The reviewer's confirmations of the answers are part of verifying
(transitions.site_verify) and of approving a change (pending.pending_change_approve).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import editing, signals
from .. import selectors as site_selectors
from ..models import ChecklistAnswer, PendingChange, ReviewState, Site, SiteChange
from .pending import pending_change_propose
from .selectors import answer_text, checklist_items

# The note on the demo's checklist answers (demo/sites.py), so they are told from real ones.
DEMO_NOTE = "data demo"


def checklist_save(
    *, user, site: Site, answers: dict[int, tuple[bool | None, str]], version: int
) -> PendingChange | None:
    """Save the lurah's checklist answers ({item id: (answer or None, note)}).

    On a verified site the changed answers go into its pending change (returned); otherwise
    they are saved at once, and an answer that changes loses its reviewer confirmation.
    """
    if not site_selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengisi daftar periksa situs ini."))
    items = {item.pk: item for item in checklist_items(site)}
    unknown = set(answers) - set(items)
    if unknown:
        raise ValidationError(
            _("Daftar periksa: butir %(ids)s bukan milik jenis layanan situs ini.")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))}
        )
    if site.review_state == ReviewState.VERIFIED:
        return pending_change_propose(user=user, site=site, version=version, checklist=answers)
    live = {a.item_id: a for a in site.checklist_answers.all()}
    changed = {}
    for item_id, (answer, note) in answers.items():
        note = (note or "").strip()
        current = live.get(item_id)
        old = (current.answer, current.note) if current else (None, "")
        if old != (answer, note):
            changed[item_id] = (old, (answer, note))
    if not changed:
        return None
    with transaction.atomic():
        _site_version_bump(site, version, user)
        for item_id, (_old, (answer, note)) in changed.items():
            if answer is None:
                ChecklistAnswer.objects.filter(site=site, item_id=item_id).delete()
            else:
                ChecklistAnswer.objects.update_or_create(
                    site=site,
                    item_id=item_id,
                    defaults={"answer": answer, "note": note, "confirmed": False},
                )
        SiteChange.objects.create(
            site=site,
            user=user,
            action="checklist_updated",
            changes={
                items[item_id].text: [answer_text(*old), answer_text(*new)]
                for item_id, (old, new) in changed.items()
            },
        )
        site.refresh_from_db()
        signals.site_changed.send(sender=Site, site=site, user=user, fields=["checklist"])
    return None


def _site_version_bump(site: Site, version: int, user) -> None:
    """Claim the site for an edit that is not a field update (a checklist): the version
    moves on, so a reviewer who opened the site before it sees the change."""
    updated = Site.objects.filter(pk=site.pk, version=version).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    if not updated:
        raise editing.StaleEdit(**editing.stale_edit_args(site.pk, {}))
