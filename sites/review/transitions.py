"""The review states of a site and the steps between them: submit, verify, return, re-verify.

TRANSITIONS is the one table of allowed steps: each step is one conditional UPDATE on
(state, version), so two reviewers acting at once cannot both pass, and ReviewEvent's
CheckConstraint holds the same table in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.scoping import Right
from notifications.models import Kind
from notifications.services import notify

from .. import signals
from ..models import ChecklistAnswer, ReviewAction, ReviewEvent, ReviewState, Site
from .selectors import (
    OWN_SUBMISSION,
    check_right,
    checklist_items,
    is_own_submission,
    review_sector_ids,
    submission_problems,
)


class ReviewConflict(Exception):
    """Someone acted on the site or change first; nothing was written. The message says what."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    right: Right
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    ReviewAction.SUBMITTED: Transition(
        frozenset({ReviewState.REGISTERED, ReviewState.DRAFT, ReviewState.RETURNED}),
        ReviewState.SUBMITTED,
        Right.CHANGE,
    ),
    ReviewAction.VERIFIED: Transition(
        frozenset({ReviewState.SUBMITTED}), ReviewState.VERIFIED, Right.REVIEW
    ),
    ReviewAction.RETURNED: Transition(
        frozenset({ReviewState.SUBMITTED}), ReviewState.RETURNED, Right.REVIEW, needs_reason=True
    ),
    ReviewAction.REVERIFIED: Transition(
        frozenset({ReviewState.VERIFIED}), ReviewState.VERIFIED, Right.REVIEW
    ),
}


# ---- recipients ----


def _kelurahan_keepers(kelurahan_codes) -> QuerySet[User]:
    """The lurah of the kelurahan: the ones who keep its sites."""
    return User.objects.filter(
        is_active=True,
        assignments__role=Role.LURAH,
        assignments__region_id__in=list(kelurahan_codes),
    ).distinct()


def site_recipients(site: Site, *also) -> list[User]:
    return [*[u for u in also if u is not None], *_kelurahan_keepers([site.kelurahan_id])]


def _last_submitter(site: Site):
    event = (
        site.review_events.filter(action=ReviewAction.SUBMITTED)
        .select_related("user")
        .order_by("-at", "-pk")
        .first()
    )
    return event.user if event else None


# ---- the steps ----


def conflict_message(site_pk: int, expected: frozenset[str] | None = None) -> str:
    current = Site.objects.filter(pk=site_pk).only("review_state", "name").first()
    if current is None:
        return _("Situs ini sudah tidak ada.")
    if expected is not None and current.review_state not in expected:
        event = (
            ReviewEvent.objects.filter(site_id=site_pk)
            .select_related("user")
            .order_by("-at", "-pk")
            .first()
        )
        if event is not None:
            return _(
                "Situs %(name)s sudah berstatus %(state)s (%(action)s oleh %(user)s, "
                "%(when)s). Tidak ada yang diubah."
            ) % {
                "name": current.name,
                "state": current.get_review_state_display(),
                "action": event.get_action_display().lower(),
                "user": event.user or _("sistem"),
                "when": formats.date_format(timezone.localtime(event.at), "j M Y H:i"),
            }
        return _("Situs %(name)s sudah berstatus %(state)s. Tidak ada yang diubah.") % {
            "name": current.name,
            "state": current.get_review_state_display(),
        }
    return _(
        "Situs %(name)s diubah orang lain sejak halaman ini dibuka. Muat ulang halaman, "
        "periksa lagi, lalu ulangi."
    ) % {"name": current.name}


def _transition(
    *,
    user,
    site: Site,
    action: str,
    version: int,
    reason: str = "",
    is_demo: bool = False,
) -> ReviewEvent:
    step = TRANSITIONS[action]
    check_right(user, site, step.right)
    if step.right == Right.REVIEW and is_own_submission(user, site):
        raise PermissionDenied(OWN_SUBMISSION)
    reason = (reason or "").strip()
    if step.needs_reason and not reason:
        raise ValidationError(
            {"reason": _("Alasan: tuliskan apa yang harus diperbaiki sebelum diajukan lagi.")}
        )
    if site.review_state not in step.sources:
        raise ReviewConflict(conflict_message(site.pk, step.sources))
    now = timezone.now()
    values = {"review_state": step.target, "version": F("version") + 1, "updated_at": now}
    if step.target == ReviewState.SUBMITTED:
        values["submitted_at"] = now
    if step.target == ReviewState.VERIFIED:
        values["verified_at"] = now
    old_state = site.review_state
    with transaction.atomic():
        # State and version in one statement: of two reviewers acting at once (or a
        # reviewer and an editing lurah), exactly one matches the row.
        updated = Site.objects.filter(
            pk=site.pk, review_state__in=step.sources, version=version
        ).update(**values)
        if not updated:
            raise ReviewConflict(conflict_message(site.pk, step.sources))
        event = ReviewEvent.objects.create(
            site=site,
            action=action,
            from_state=old_state,
            to_state=step.target,
            user=user,
            at=now,
            reason=reason,
            is_demo=is_demo,
            changes={
                "review_state": [
                    str(ReviewState(old_state).label),
                    str(ReviewState(step.target).label),
                ]
            },
        )
        site.refresh_from_db()
        fields = (
            ["review_state", "verified_at"]
            if step.target == ReviewState.VERIFIED
            else ["review_state"]
        )
        signals.site_changed.send(sender=Site, site=site, user=user, fields=fields)
    return event


def site_submit(*, user, site: Site, version: int, is_demo: bool = False) -> ReviewEvent:
    """A lurah or camat sends the assessed site (checklist filled) to its suku dinas."""
    check_right(user, site, Right.CHANGE)
    problems = submission_problems(site)
    if problems:
        raise ValidationError(
            [_("Situs belum bisa diajukan:")] + problems + [_("Lengkapi dulu, lalu ajukan lagi.")]
        )
    return _transition(
        user=user, site=site, action=ReviewAction.SUBMITTED, version=version, is_demo=is_demo
    )


def site_verify(
    *,
    user,
    site: Site,
    version: int,
    confirmed_item_ids=None,
    confirm_all_met: bool = False,
    is_demo: bool = False,
) -> ReviewEvent:
    """Verify a submitted site, confirming as met the checklist items of the officer's sectors.

    confirmed_item_ids are the items the officer ticked; confirm_all_met adds every item of
    those sectors answered "terpenuhi" ("Konfirmasi semua butir yang terpenuhi"); ids None
    confirms just those (bulk verify, the demo). Only a met item can be confirmed as met: one
    answered "belum terpenuhi" or not answered is refused (a ValidationError naming each, its
    params carrying item_id), and nothing is written. The other items stay unconfirmed.
    """
    check_right(user, site, Right.REVIEW)
    try:
        with transaction.atomic():
            event = _transition(
                user=user,
                site=site,
                action=ReviewAction.VERIFIED,
                version=version,
                is_demo=is_demo,
            )
            # After the step, so a stale page or a decided site is told as such first; the
            # refusal rolls the step back.
            _confirm_items(user, site, confirmed_item_ids, confirm_all_met)
            if not is_demo:
                notify(
                    recipients=site_recipients(site, _last_submitter(site)),
                    kind=Kind.SITE_VERIFIED,
                    title=_("Situs %(name)s terverifikasi") % {"name": site.name},
                    body=_("Diverifikasi oleh %(user)s.") % {"user": user},
                    url=site.get_absolute_url(),
                    site_id=site.pk,
                )
    except ValidationError:
        site.refresh_from_db()  # the step left it verified in memory: as the database has it
        raise
    return event


UNMET_REFUSED = gettext_lazy(
    'Butir "%(item)s" (%(type)s) dijawab belum terpenuhi: tidak bisa dikonfirmasi '
    "terpenuhi. Hapus centangnya, atau kembalikan situs ke lurah bila jawabannya keliru."
)
UNANSWERED_REFUSED = gettext_lazy(
    'Butir "%(item)s" (%(type)s) belum dijawab: tidak bisa dikonfirmasi terpenuhi.'
)


def _confirm_items(user, site: Site, confirmed_item_ids, confirm_all_met: bool) -> None:
    own = review_sector_ids(user, site)
    answers = ChecklistAnswer.objects.filter(site=site, item__service_type__sector_id__in=own)
    met = set(answers.filter(answer=True).values_list("item_id", flat=True))
    ids = {int(i) for i in confirmed_item_ids or ()}
    if confirmed_item_ids is None or confirm_all_met:
        ids |= met
    # Items of other sectors are not this officer's to confirm: left as they are.
    refused = [
        item
        for item in checklist_items(site)
        if item.service_type.sector_id in own and item.pk in ids and item.pk not in met
    ]
    if refused:
        answered = set(answers.values_list("item_id", flat=True))
        raise ValidationError(
            [
                ValidationError(
                    UNMET_REFUSED if item.pk in answered else UNANSWERED_REFUSED,
                    code="unmet",
                    params={
                        "item": item.text,
                        "type": item.service_type.name,
                        "item_id": item.pk,
                    },
                )
                for item in refused
            ]
        )
    answers.filter(item_id__in=ids).update(confirmed=True)
    answers.exclude(item_id__in=ids).update(confirmed=False)


def site_return(*, user, site: Site, version: int, reason: str) -> ReviewEvent:
    """Return a submitted site to its lurah with a reason (required)."""
    with transaction.atomic():
        event = _transition(
            user=user, site=site, action=ReviewAction.RETURNED, version=version, reason=reason
        )
        notify(
            recipients=site_recipients(site, _last_submitter(site)),
            kind=Kind.SITE_RETURNED,
            title=_("Situs %(name)s dikembalikan") % {"name": site.name},
            body=_("Dikembalikan oleh %(user)s. Alasan: %(reason)s\nPerbaiki lalu ajukan lagi.")
            % {"user": user, "reason": event.reason},
            url=site.get_absolute_url(),
            site_id=site.pk,
        )
    return event


def site_reverify(*, user, site: Site, version: int) -> ReviewEvent:
    """The officer confirms a verified site is still right: its freshness starts again."""
    return _transition(user=user, site=site, action=ReviewAction.REVERIFIED, version=version)
