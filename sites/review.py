"""The review workflow of sites: checklists, submit, verify, return, re-verify, pending
changes of verified sites, the review queue, freshness and the reminders.

States (ReviewState): a site is *registered* (a known facility, imported or entered, not yet
assessed) or a *draft*; a lurah or camat fills its checklist and *submits* it; an officer of
the site's sector in the site's kota *verifies* it or *returns* it with a reason; a returned
site is fixed and submitted again. TRANSITIONS below is the one table of allowed steps: each
step is one conditional UPDATE on (state, version), so two reviewers acting at once cannot
both pass, and ReviewEvent's CheckConstraint holds the same table in the database.

Once verified, an edit of a reviewed field (name, types, location, checklist, documents)
does not touch the live site: it becomes a PendingChange that the reviewer approves
(applied in one transaction; the site stays verified and counts as freshly verified) or
returns with a reason. Address, contact and operating status stay direct edits: a wrong
phone number or a closed building must not wait for a review.

A site with types of two sectors (an RPTRA that is also a posyandu) has one review state,
and any officer whose sector has one of its types may verify or return it: the first one
to act decides, the others see the result. Confirming the checklist stays per sector: an
officer confirms only the items of their own sector's types, so the record shows which
roles were actually checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import scoping
from accounts.models import Assignment, Role, User
from accounts.scoping import Right
from notifications.models import Kind
from notifications.services import notify, recently_notified
from regions.models import Region, code_covers

from . import selectors, services, signals
from .models import (
    ChecklistAnswer,
    ChecklistItem,
    OperatingStatus,
    PendingChange,
    PendingChangeState,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    ServiceType,
    Site,
    SiteChange,
    SiteDocument,
)

# Fields whose edits on a verified site wait for the reviewer (with checklist and documents).
REVIEWED_FIELDS = ("name", "types", "location")

DEMO_NOTE = "data demo"


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


def overdue_days() -> int:
    return settings.KALTARA_REVIEW_OVERDUE_DAYS


def freshness_days() -> int:
    return settings.KALTARA_FRESHNESS_DAYS


# ---- who may review ----


def sites_reviewable_by(user) -> QuerySet[Site]:
    """Sites one of whose types belongs to a sector the user reviews, in their territory."""
    if not scoping.grants_with(user, Right.REVIEW):
        return Site.objects.none()
    q = scoping.region_q(
        user, Right.REVIEW, region_field="kelurahan__code", sector_field="types__sector"
    )
    # A pk__in subquery: a site with two types of the officer's sector must not come twice.
    return Site.objects.filter(pk__in=Site.objects.filter(q).values("pk"))


def site_may_review(user, site: Site) -> bool:
    return scoping.may_review(
        user, region_code=site.kelurahan_id, sector_ids=selectors.site_sector_ids(site)
    )


def user_may_review(user) -> bool:
    return bool(scoping.grants_with(user, Right.REVIEW))


def review_sector_ids(user, site: Site) -> set[int]:
    """The site's sectors whose checklist items this user confirms."""
    return {
        sector_id
        for sector_id in selectors.site_sector_ids(site)
        if scoping.may_review(user, region_code=site.kelurahan_id, sector_ids=[sector_id])
    }


def _check_right(user, site: Site, right: Right) -> None:
    if right == Right.CHANGE and not selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengajukan situs ini."))
    if right == Right.REVIEW and not site_may_review(user, site):
        raise PermissionDenied(
            _("Hanya petugas suku dinas sektor situs ini di kotanya yang dapat meninjaunya.")
        )


# ---- recipients ----


def _kelurahan_keepers(kelurahan_codes) -> QuerySet[User]:
    """The lurah of the kelurahan: the ones who keep its sites."""
    return User.objects.filter(
        is_active=True,
        assignments__role=Role.LURAH,
        assignments__region_id__in=list(kelurahan_codes),
    ).distinct()


def _site_recipients(site: Site, *also) -> list[User]:
    return [*[u for u in also if u is not None], *_kelurahan_keepers([site.kelurahan_id])]


def _last_submitter(site: Site):
    event = (
        site.review_events.filter(action=ReviewAction.SUBMITTED)
        .select_related("user")
        .order_by("-at", "-pk")
        .first()
    )
    return event.user if event else None


# ---- checklists ----


def checklist_items(site: Site) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(service_type__in=site.types.all())
        .select_related("service_type")
        .order_by("service_type__order", "service_type__name", "order")
    )


def _answer_display(answer) -> str:
    if answer is None:
        return _("belum dijawab")
    return _("terpenuhi") if answer else _("belum terpenuhi")


def _answer_text(answer, note: str) -> str:
    text = _answer_display(answer)
    return f"{text} ({note})" if note else text


def submission_problems(site: Site, item_ids_by_type=None, answers=None) -> list[str]:
    """What stops a submission or a quick (bulk) verification, in words the user can act on.

    item_ids_by_type ({type id: [item ids]}) and answers ({item id: ChecklistAnswer}) can be
    passed in by lists that fetched them for many sites at once.
    """
    problems = []
    if site.operating_status == OperatingStatus.CLOSED:
        problems.append(_("Situs sudah tutup."))
    if item_ids_by_type is None:
        item_ids_by_type = defaultdict(list)
        for item in checklist_items(site):
            item_ids_by_type[item.service_type_id].append(item.pk)
    if answers is None:
        answers = {a.item_id: a for a in site.checklist_answers.all()}
    types = list(site.types.all())
    if not types:
        problems.append(_("Jenis layanan belum dipilih."))
    missing = sum(
        1 for t in types for item_id in item_ids_by_type.get(t.pk, ()) if item_id not in answers
    )
    if missing:
        problems.append(
            ngettext(
                "Daftar periksa: %(n)s butir belum dijawab.",
                "Daftar periksa: %(n)s butir belum dijawab.",
                missing,
            )
            % {"n": missing}
        )
    return problems


def checklist_save(
    *, user, site: Site, answers: dict[int, tuple[bool | None, str]], version: int
) -> PendingChange | None:
    """Save the lurah's checklist answers ({item id: (answer or None, note)}).

    On a verified site the changed answers go into its pending change (returned); otherwise
    they are saved at once, and an answer that changes loses its reviewer confirmation.
    """
    if not selectors.site_may_change(user, site):
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
                items[item_id].text: [_answer_text(*old), _answer_text(*new)]
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
        raise services.StaleEdit(**services.stale_edit_args(site.pk, {}))


# ---- transitions ----


def _conflict_message(site_pk: int, expected: frozenset[str] | None = None) -> str:
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
    _check_right(user, site, step.right)
    reason = (reason or "").strip()
    if step.needs_reason and not reason:
        raise ValidationError(
            {"reason": _("Alasan: tuliskan apa yang harus diperbaiki sebelum diajukan lagi.")}
        )
    if site.review_state not in step.sources:
        raise ReviewConflict(_conflict_message(site.pk, step.sources))
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
            raise ReviewConflict(_conflict_message(site.pk, step.sources))
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
    _check_right(user, site, Right.CHANGE)
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
    is_demo: bool = False,
) -> ReviewEvent:
    """Verify a submitted site, confirming the checklist items of the officer's sectors.

    confirmed_item_ids None confirms every answered item of those sectors (bulk verify).
    """
    _check_right(user, site, Right.REVIEW)
    with transaction.atomic():
        event = _transition(
            user=user, site=site, action=ReviewAction.VERIFIED, version=version, is_demo=is_demo
        )
        _confirm_items(user, site, confirmed_item_ids)
        if not is_demo:
            notify(
                recipients=_site_recipients(site, _last_submitter(site)),
                kind=Kind.SITE_VERIFIED,
                title=_("Situs %(name)s terverifikasi") % {"name": site.name},
                body=_("Diverifikasi oleh %(user)s.") % {"user": user},
                url=site.get_absolute_url(),
                site_id=site.pk,
            )
    return event


def _confirm_items(user, site: Site, confirmed_item_ids) -> None:
    own = review_sector_ids(user, site)
    answers = ChecklistAnswer.objects.filter(site=site, item__service_type__sector_id__in=own)
    if confirmed_item_ids is None:
        answers.update(confirmed=True)
        return
    ids = {int(i) for i in confirmed_item_ids}
    answers.filter(item_id__in=ids).update(confirmed=True)
    answers.exclude(item_id__in=ids).update(confirmed=False)


def site_return(*, user, site: Site, version: int, reason: str) -> ReviewEvent:
    """Return a submitted site to its lurah with a reason (required)."""
    with transaction.atomic():
        event = _transition(
            user=user, site=site, action=ReviewAction.RETURNED, version=version, reason=reason
        )
        notify(
            recipients=_site_recipients(site, _last_submitter(site)),
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


@dataclass
class BulkResult:
    verified: list[Site] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (site name or id, why)


def sites_verify_bulk(*, user, items: list[tuple[int, int]]) -> BulkResult:
    """Verify several submissions at once ([(site id, version)]); each on its own.

    Only sites without validation problems are verified; the others, and any site someone
    acted on since the queue was loaded, are skipped with the reason.
    """
    result = BulkResult()
    versions = dict(items)
    sites = {
        s.pk: s
        for s in sites_reviewable_by(user)
        .filter(pk__in=list(versions))
        .prefetch_related("types", "checklist_answers")
    }
    for pk, version in items:
        site = sites.get(pk)
        if site is None:
            result.skipped.append((str(pk), _("tidak ditemukan dalam tinjauan Anda")))
            continue
        problems = submission_problems(site)
        if problems:
            result.skipped.append((site.name, " ".join(problems)))
            continue
        try:
            site_verify(user=user, site=site, version=version)
        except (ReviewConflict, ValidationError, PermissionDenied) as exc:
            message = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            result.skipped.append((site.name, " ".join(message)))
        else:
            result.verified.append(site)
    return result


# ---- pending changes of verified sites ----


def pending_change_open(site: Site) -> PendingChange | None:
    return (
        site.pending_changes.filter(
            state__in=[PendingChangeState.PENDING, PendingChangeState.RETURNED]
        )
        .order_by("-pk")
        .first()
    )


def _serialise(name: str, value):
    if name == "types":
        return sorted(t.pk for t in value)
    if name == "location":
        return [round(value.x, 7), round(value.y, 7)]
    return value


def proposed_values(change: PendingChange) -> dict:
    """The change's proposed name, types and location as form values."""
    data = change.data or {}
    values = {}
    if "name" in data:
        values["name"] = data["name"]
    if "types" in data:
        values["types"] = list(ServiceType.objects.filter(pk__in=data["types"]))
    if "location" in data:
        lon, lat = data["location"]
        values["location"] = Point(lon, lat, srid=4326)
    return values


def proposed_checklist(change: PendingChange | None) -> dict[int, tuple[bool | None, str]]:
    if change is None:
        return {}
    return {int(k): (v[0], v[1]) for k, v in (change.data or {}).get("checklist", {}).items()}


def pending_change_propose(
    *,
    user,
    site: Site,
    version: int,
    fields: dict | None = None,
    checklist: dict[int, tuple[bool | None, str]] | None = None,
    confirm_duplicate: bool = False,
    reverify: bool = False,
    is_demo: bool = False,
) -> PendingChange | None:
    """Record edits of a verified site's reviewed fields as its open pending change.

    The open change (pending or returned) is updated and (re)submitted; a field set back to
    its live value leaves the change; a change left with nothing is withdrawn. `reverify`
    marks a request to re-verify unchanged data. Returns the open change, or None.
    """
    if not selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    if site.review_state != ReviewState.VERIFIED:
        raise ValidationError(_("Hanya situs terverifikasi yang perubahannya ditinjau dulu."))
    fields = fields or {}
    if not Site.objects.filter(pk=site.pk, version=version).exists():
        yours = {n: services.display(n, v) for n, v in fields.items()}
        raise services.StaleEdit(**services.stale_edit_args(site.pk, yours))
    open_change = pending_change_open(site)
    data = dict(open_change.data) if open_change else {}
    for name in REVIEWED_FIELDS:
        if name not in fields:
            continue
        live = services.current_value(site, name)
        if services.same_value(name, live, fields[name]):
            data.pop(name, None)
            if name == "location":
                data.pop("kelurahan", None)
        else:
            data[name] = _serialise(name, fields[name])
    if "location" in fields and "location" in data:
        types = fields.get("types") or list(site.types.all())
        kelurahan = services.site_kelurahan_for(
            user=user, point=fields["location"], sector_ids={t.sector_id for t in types}
        )
        if kelurahan.code != site.kelurahan_id:
            data["kelurahan"] = kelurahan.code
        else:
            data.pop("kelurahan", None)
    if {"name", "types", "location"} & set(fields) and not confirm_duplicate:
        merged = {**proposed_values(PendingChange(data=data))}
        services.check_duplicates(
            {
                "name": merged.get("name", site.name),
                "types": merged.get("types", list(site.types.all())),
            },
            merged.get("location", site.location),
            site.pk,
        )
    if checklist is not None:
        live = {a.item_id: (a.answer, a.note) for a in site.checklist_answers.all()}
        proposed = {str(k): v for k, v in data.get("checklist", {}).items()}
        for item_id, (answer, note) in checklist.items():
            note = (note or "").strip()
            if live.get(item_id, (None, "")) == (answer, note):
                proposed.pop(str(item_id), None)
            else:
                proposed[str(item_id)] = [answer, note]
        if proposed:
            data["checklist"] = proposed
        else:
            data.pop("checklist", None)
    if reverify:
        data["reverify"] = True
    has_documents = open_change is not None and open_change.documents.exists()
    if (
        open_change is not None
        and data == open_change.data
        and (open_change.state == PendingChangeState.PENDING)
    ):
        return open_change
    if not data and not has_documents:
        if open_change is not None:
            _pending_change_withdraw(user, open_change)
        return None
    return _pending_change_store(user, site, open_change, data, is_demo=is_demo)


def _pending_change_store(
    user, site, open_change, data, *, is_demo=False, record=True
) -> PendingChange:
    now = timezone.now()
    with transaction.atomic():
        if open_change is None:
            try:
                with transaction.atomic():
                    change = PendingChange.objects.create(
                        site=site,
                        data=data,
                        proposed_by=user,
                        submitted_at=now,
                        is_demo=is_demo,
                    )
            except IntegrityError as exc:
                # Another edit opened a change between the look-up and the insert.
                raise ReviewConflict(
                    _("Situs %(name)s baru saja diubah orang lain. Muat ulang lalu ulangi.")
                    % {"name": site.name}
                ) from exc
        else:
            updated = PendingChange.objects.filter(
                pk=open_change.pk,
                version=open_change.version,
                state__in=[PendingChangeState.PENDING, PendingChangeState.RETURNED],
            ).update(
                data=data,
                state=PendingChangeState.PENDING,
                version=F("version") + 1,
                proposed_by=user,
                submitted_at=now,
            )
            if not updated:
                raise ReviewConflict(
                    _(
                        "Usulan perubahan situs %(name)s baru saja ditinjau. "
                        "Muat ulang halaman situs lalu ulangi."
                    )
                    % {"name": site.name}
                )
            change = PendingChange.objects.get(pk=open_change.pk)
        if not record:
            return change
        ReviewEvent.objects.create(
            site=site,
            pending_change=change,
            action=ReviewAction.CHANGE_PROPOSED,
            from_state=ReviewState.VERIFIED,
            to_state=ReviewState.VERIFIED,
            user=user,
            at=now,
            changes=_diff_dict(pending_change_diff(change, site)),
            is_demo=is_demo,
        )
    return change


def _pending_change_withdraw(user, change: PendingChange) -> None:
    PendingChange.objects.filter(
        pk=change.pk, state__in=[PendingChangeState.PENDING, PendingChangeState.RETURNED]
    ).update(state=PendingChangeState.WITHDRAWN, version=F("version") + 1)


def pending_change_document_add(
    *, user, site: Site, kind: str, title: str, file, checklist_item=None
) -> SiteDocument:
    """Attach a document to a verified site's open change (opened or resubmitted if needed);
    it shows on the live site once the change is approved."""
    with transaction.atomic():
        change = pending_change_open(site)
        if change is None or change.state != PendingChangeState.PENDING:
            data = dict(change.data) if change else {}
            change = _pending_change_store(user, site, change, data, record=False)
        doc = SiteDocument.objects.create(
            site=site,
            kind=kind,
            title=title,
            file=file,
            checklist_item=checklist_item,
            uploaded_by=user,
            pending_change=change,
        )
        ReviewEvent.objects.create(
            site=site,
            pending_change=change,
            action=ReviewAction.CHANGE_PROPOSED,
            from_state=ReviewState.VERIFIED,
            to_state=ReviewState.VERIFIED,
            user=user,
            changes={
                str(services.FIELD_LABELS["documents"]): ["", f"{title} ({doc.get_kind_display()})"]
            },
        )
    return doc


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    old: str
    new: str


def pending_change_diff(change: PendingChange, site: Site) -> list[DiffRow]:
    """Field by field: the live value and the proposed one, as display strings."""
    data = change.data or {}
    rows = []
    if "name" in data:
        rows.append(DiffRow("name", str(services.FIELD_LABELS["name"]), site.name, data["name"]))
    if "types" in data:
        new_types = list(ServiceType.objects.filter(pk__in=data["types"]))
        rows.append(
            DiffRow(
                "types",
                str(services.FIELD_LABELS["types"]),
                services.display("types", list(site.types.all())),
                services.display("types", new_types),
            )
        )
    if "location" in data:
        lon, lat = data["location"]
        new_point = Point(lon, lat, srid=4326)
        metres = selectors.haversine_m(site.location, new_point)
        rows.append(
            DiffRow(
                "location",
                str(services.FIELD_LABELS["location"]),
                services.display("location", site.location),
                _("%(point)s (bergeser %(m)s m)")
                % {"point": services.display("location", new_point), "m": round(metres)},
            )
        )
    if "kelurahan" in data:
        names = dict(
            Region.objects.filter(code__in=[site.kelurahan_id, data["kelurahan"]]).values_list(
                "code", "name"
            )
        )
        rows.append(
            DiffRow(
                "kelurahan",
                str(services.FIELD_LABELS["kelurahan"]),
                names.get(site.kelurahan_id, site.kelurahan_id),
                names.get(data["kelurahan"], data["kelurahan"]),
            )
        )
    checklist = data.get("checklist", {})
    if checklist:
        items = ChecklistItem.objects.in_bulk([int(k) for k in checklist])
        live = {a.item_id: a for a in ChecklistAnswer.objects.filter(site=site, item_id__in=items)}
        for key, (answer, note) in sorted(checklist.items(), key=lambda kv: int(kv[0])):
            item = items.get(int(key))
            if item is None:
                continue
            current = live.get(item.pk)
            rows.append(
                DiffRow(
                    f"checklist:{item.pk}",
                    _("Daftar periksa: %(item)s") % {"item": item.text},
                    _answer_text(current.answer, current.note) if current else _("belum dijawab"),
                    _answer_text(answer, note),
                )
            )
    if change.pk:
        for doc in change.documents.all():
            rows.append(
                DiffRow(
                    f"document:{doc.pk}",
                    str(services.FIELD_LABELS["documents"]),
                    "",
                    f"{doc.title} ({doc.get_kind_display()})",
                )
            )
    return rows


def _diff_dict(rows: list[DiffRow]) -> dict:
    return {row.label: [row.old, row.new] for row in rows}


def _change_conflict(change: PendingChange) -> ReviewConflict:
    current = PendingChange.objects.filter(pk=change.pk).select_related("reviewed_by").first()
    if current is None:
        return ReviewConflict(_("Usulan perubahan ini sudah tidak ada."))
    if current.state != PendingChangeState.PENDING:
        return ReviewConflict(
            _("Usulan perubahan ini sudah berstatus %(state)s%(by)s. Tidak ada yang diubah.")
            % {
                "state": current.get_state_display().lower(),
                "by": _(" oleh %(user)s") % {"user": current.reviewed_by}
                if current.reviewed_by
                else "",
            }
        )
    return ReviewConflict(
        _("Usulan perubahan ini diperbarui pengusulnya sejak halaman dibuka. Periksa lagi.")
    )


def pending_change_approve(
    *, user, change: PendingChange, version: int, site_version: int, is_demo: bool = False
) -> Site:
    """Apply the proposed values to the live site in one transaction; it stays verified.

    Approving re-verifies the site (verified_at moves to now): the officer has just checked
    its current data.
    """
    site = change.site
    _check_right(user, site, Right.REVIEW)
    now = timezone.now()
    data = change.data or {}
    with transaction.atomic():
        diff = pending_change_diff(change, site)
        claimed = PendingChange.objects.filter(
            pk=change.pk, state=PendingChangeState.PENDING, version=version
        ).update(
            state=PendingChangeState.APPROVED,
            reviewed_by=user,
            reviewed_at=now,
            version=F("version") + 1,
        )
        if not claimed:
            raise _change_conflict(change)
        values = {}
        if "name" in data:
            values["name"] = data["name"]
        if "location" in data:
            values["location"] = Point(*data["location"], srid=4326)
        if "kelurahan" in data:
            values["kelurahan_id"] = data["kelurahan"]
        updated = Site.objects.filter(
            pk=site.pk, version=site_version, review_state=ReviewState.VERIFIED
        ).update(
            **values,
            verified_at=now,
            version=F("version") + 1,
            updated_at=now,
            updated_by=change.proposed_by,
        )
        if not updated:
            # Rolls the claim back with it: the change stays pending.
            raise ReviewConflict(_conflict_message(site.pk))
        if "types" in data:
            types = list(ServiceType.objects.filter(pk__in=data["types"]))
            if not types:
                raise ValidationError(_("Jenis layanan usulan sudah tidak ada di katalog."))
            site.types.set(types)
        for key, (answer, note) in data.get("checklist", {}).items():
            if answer is None:
                ChecklistAnswer.objects.filter(site=site, item_id=int(key)).delete()
            else:
                # The reviewer has just accepted this answer: it counts as confirmed.
                ChecklistAnswer.objects.update_or_create(
                    site=site,
                    item_id=int(key),
                    defaults={"answer": answer, "note": note, "confirmed": True},
                )
        SiteDocument.objects.filter(pending_change=change).update(pending_change=None)
        ReviewEvent.objects.create(
            site=site,
            pending_change=change,
            action=ReviewAction.CHANGE_APPROVED,
            from_state=ReviewState.VERIFIED,
            to_state=ReviewState.VERIFIED,
            user=user,
            at=now,
            changes=_diff_dict(diff),
            is_demo=is_demo,
        )
        site.refresh_from_db()
        fields = sorted(
            {k for k in data if k != "reverify"}
            | ({"documents"} if any(r.field.startswith("document:") for r in diff) else set())
            | {"verified_at"}
        )
        signals.site_changed.send(sender=Site, site=site, user=user, fields=fields)
        if not is_demo:
            notify(
                recipients=_site_recipients(site, change.proposed_by),
                kind=Kind.CHANGE_APPROVED,
                title=_("Perubahan situs %(name)s disetujui") % {"name": site.name},
                body=_("Disetujui oleh %(user)s dan sudah berlaku.") % {"user": user},
                url=site.get_absolute_url(),
                site_id=site.pk,
            )
    return site


def pending_change_return(*, user, change: PendingChange, version: int, reason: str) -> None:
    """Send the proposed change back to its proposer with a reason; the live site is unchanged."""
    site = change.site
    _check_right(user, site, Right.REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Alasan: tuliskan apa yang harus diperbaiki pada usulan ini.")}
        )
    now = timezone.now()
    with transaction.atomic():
        claimed = PendingChange.objects.filter(
            pk=change.pk, state=PendingChangeState.PENDING, version=version
        ).update(
            state=PendingChangeState.RETURNED,
            reason=reason,
            reviewed_by=user,
            reviewed_at=now,
            version=F("version") + 1,
        )
        if not claimed:
            raise _change_conflict(change)
        ReviewEvent.objects.create(
            site=site,
            pending_change=change,
            action=ReviewAction.CHANGE_RETURNED,
            from_state=ReviewState.VERIFIED,
            to_state=ReviewState.VERIFIED,
            user=user,
            at=now,
            reason=reason,
        )
        notify(
            recipients=_site_recipients(site, change.proposed_by),
            kind=Kind.CHANGE_RETURNED,
            title=_("Perubahan situs %(name)s dikembalikan") % {"name": site.name},
            body=_(
                "Dikembalikan oleh %(user)s. Alasan: %(reason)s\n"
                "Data situs yang berlaku tidak berubah. Perbaiki usulan lalu simpan lagi."
            )
            % {"user": user, "reason": reason},
            url=change.get_absolute_url(),
            site_id=site.pk,
        )


def pending_changes_visible_to(user) -> QuerySet[PendingChange]:
    """Pending changes of sites in the user's private scope (drafts of a kind)."""
    return PendingChange.objects.filter(site__in=selectors.Site.objects.private_to(user))


# ---- the review queue ----


@dataclass
class QueueItem:
    kind: str  # "site" (a submission) or "change" (a pending change)
    site: Site
    change: PendingChange | None
    since: datetime
    age_days: int
    overdue: bool
    problems: list[str]
    labels: list[str]  # for changes: the fields it touches

    @property
    def version(self) -> int:
        return self.change.version if self.change else self.site.version


_CHANGE_LABELS = {
    "name": services.FIELD_LABELS["name"],
    "types": services.FIELD_LABELS["types"],
    "location": services.FIELD_LABELS["location"],
    "kelurahan": services.FIELD_LABELS["kelurahan"],
    "checklist": gettext_lazy("Daftar periksa"),
    "reverify": gettext_lazy("Minta verifikasi ulang"),
}


def _age(since: datetime, now: datetime) -> tuple[int, bool]:
    days = max(0, (now - since).days)
    return days, now - since > timedelta(days=overdue_days())


def review_queue(user, now: datetime | None = None) -> list[QueueItem]:
    """Submissions and pending changes the user reviews, oldest first, in a fixed number of
    queries whatever their count."""
    now = now or timezone.now()
    reviewable = sites_reviewable_by(user)
    sites = list(
        reviewable.filter(review_state=ReviewState.SUBMITTED)
        .select_related("kelurahan", "kelurahan__parent")
        .defer("kelurahan__boundary", "kelurahan__parent__boundary")
        .prefetch_related(
            Prefetch("types", queryset=ServiceType.objects.only("id", "name", "sector_id")),
            Prefetch(
                "checklist_answers",
                queryset=ChecklistAnswer.objects.only("id", "item_id", "site_id"),
            ),
        )
        .order_by("submitted_at", "pk")
    )
    type_ids = {t.pk for s in sites for t in s.types.all()}
    item_ids_by_type = defaultdict(list)
    for type_id, item_id in ChecklistItem.objects.filter(service_type_id__in=type_ids).values_list(
        "service_type_id", "pk"
    ):
        item_ids_by_type[type_id].append(item_id)
    items = []
    for site in sites:
        since = site.submitted_at or site.updated_at
        age, overdue = _age(since, now)
        answers = {a.item_id: a for a in site.checklist_answers.all()}
        items.append(
            QueueItem(
                "site",
                site,
                None,
                since,
                age,
                overdue,
                submission_problems(site, item_ids_by_type, answers),
                [],
            )
        )
    changes = (
        PendingChange.objects.filter(state=PendingChangeState.PENDING, site__in=reviewable)
        .select_related("site", "site__kelurahan", "site__kelurahan__parent", "proposed_by")
        .defer("site__kelurahan__boundary", "site__kelurahan__parent__boundary")
        .order_by("submitted_at", "pk")
    )
    for change in changes:
        age, overdue = _age(change.submitted_at, now)
        labels = [str(_CHANGE_LABELS.get(k, k)) for k in change.data or {}]
        items.append(
            QueueItem("change", change.site, change, change.submitted_at, age, overdue, [], labels)
        )
    items.sort(key=lambda i: (i.since, i.kind, i.site.pk))
    return items


# ---- freshness ----


def stale_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=freshness_days())


def sites_stale(queryset: QuerySet[Site], now: datetime | None = None) -> QuerySet[Site]:
    """Verified, open sites last verified longer ago than the freshness window."""
    return queryset.filter(
        review_state=ReviewState.VERIFIED, verified_at__lt=stale_cutoff(now)
    ).exclude(operating_status=OperatingStatus.CLOSED)


@dataclass
class StaleGroup:
    kelurahan: Region
    sites: list[Site]
    keepers: list[str]  # the lurah(s) who should update them

    @property
    def oldest(self):
        return min(s.verified_at for s in self.sites)


def stale_by_kelurahan(user, now: datetime | None = None) -> list[StaleGroup]:
    """Stale sites in the user's private scope, per kelurahan, most overdue kelurahan first."""
    sites = (
        sites_stale(selectors.Site.objects.private_to(user), now)
        .select_related("kelurahan", "kelurahan__parent")
        .defer("kelurahan__boundary", "kelurahan__parent__boundary", "location")
        .prefetch_related(Prefetch("types", queryset=ServiceType.objects.only("id", "name")))
        .order_by("kelurahan_id", "verified_at", "pk")
    )
    groups: dict[str, StaleGroup] = {}
    for site in sites:
        group = groups.get(site.kelurahan_id)
        if group is None:
            group = groups[site.kelurahan_id] = StaleGroup(site.kelurahan, [], [])
        group.sites.append(site)
    keepers = defaultdict(list)
    for region_id, first, last, username in Assignment.objects.filter(
        role=Role.LURAH, region_id__in=list(groups), user__is_active=True
    ).values_list("region_id", "user__first_name", "user__last_name", "user__username"):
        keepers[region_id].append(f"{first} {last}".strip() or username)
    for code, group in groups.items():
        group.keepers = sorted(keepers.get(code, []))
    return sorted(groups.values(), key=lambda g: (g.oldest, g.kelurahan.code))


# ---- reminders (the periodic task) ----


def _officer_grants() -> list[tuple[int, str, int]]:
    """(user id, region code, sector id) of every active suku dinas officer."""
    return list(
        Assignment.objects.filter(role=Role.SUDIN, user__is_active=True).values_list(
            "user_id", "region_id", "sector_id"
        )
    )


def _officer_counts(rows, grants) -> dict[int, int]:
    """rows: [(object key, kelurahan code, sector id)]; how many objects each officer covers."""
    covered = defaultdict(set)
    for user_id, region_code, sector_id in grants:
        for key, kelurahan_code, row_sector in rows:
            if row_sector == sector_id and code_covers(region_code, kelurahan_code):
                covered[user_id].add(key)
    return {user_id: len(keys) for user_id, keys in covered.items()}


def stale_reminders_send(now: datetime | None = None) -> int:
    """Remind each lurah and officer of their stale sites, at most once a week each.

    Returns the number of notifications created.
    """
    now = now or timezone.now()
    rows = list(
        sites_stale(Site.objects.all(), now).values_list("pk", "kelurahan_id", "types__sector")
    )
    if not rows:
        return 0
    per_kelurahan = defaultdict(set)
    for pk, kelurahan_code, _sector in rows:
        per_kelurahan[kelurahan_code].add(pk)
    lurah_counts = defaultdict(int)
    for user_id, region_id in Assignment.objects.filter(
        role=Role.LURAH, region_id__in=list(per_kelurahan), user__is_active=True
    ).values_list("user_id", "region_id"):
        lurah_counts[user_id] += len(per_kelurahan[region_id])
    officer_counts = _officer_counts(rows, _officer_grants())
    counts = {**officer_counts}
    for user_id, n in lurah_counts.items():
        counts[user_id] = counts.get(user_id, 0) + n
    skip = recently_notified(user_ids=counts, kind=Kind.SITE_STALE, since=now - timedelta(days=6))
    users = User.objects.in_bulk([pk for pk in counts if pk not in skip])
    created = 0
    url = reverse("services:review_stale")
    with transaction.atomic():
        for user_id, user in users.items():
            n = counts[user_id]
            notify(
                recipients=[user],
                kind=Kind.SITE_STALE,
                title=ngettext(
                    "%(n)s situs perlu diverifikasi ulang",
                    "%(n)s situs perlu diverifikasi ulang",
                    n,
                )
                % {"n": n},
                body=_(
                    "Situs ini terakhir diverifikasi lebih dari %(days)s hari lalu. "
                    "Lurah: perbarui datanya atau minta verifikasi ulang. "
                    "Petugas suku dinas: verifikasi ulang."
                )
                % {"days": freshness_days()},
                url=url,
            )
            created += 1
    return created


def overdue_reminders_send(now: datetime | None = None) -> int:
    """Tell each officer how many of their review items are overdue, at most once a day."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=overdue_days())
    rows = [
        (("site", pk), kelurahan, sector)
        for pk, kelurahan, sector in Site.objects.filter(
            review_state=ReviewState.SUBMITTED, submitted_at__lt=cutoff
        ).values_list("pk", "kelurahan_id", "types__sector")
    ]
    rows += [
        (("change", pk), kelurahan, sector)
        for pk, kelurahan, sector in PendingChange.objects.filter(
            state=PendingChangeState.PENDING, submitted_at__lt=cutoff
        ).values_list("pk", "site__kelurahan_id", "site__types__sector")
    ]
    if not rows:
        return 0
    counts = _officer_counts(rows, _officer_grants())
    skip = recently_notified(
        user_ids=counts, kind=Kind.REVIEW_OVERDUE, since=now - timedelta(hours=20)
    )
    users = User.objects.in_bulk([pk for pk in counts if pk not in skip])
    url = reverse("services:review_queue")
    with transaction.atomic():
        for user_id, user in users.items():
            n = counts[user_id]
            notify(
                recipients=[user],
                kind=Kind.REVIEW_OVERDUE,
                title=ngettext("%(n)s tinjauan terlambat", "%(n)s tinjauan terlambat", n)
                % {"n": n},
                body=_("Pengajuan dan usulan perubahan ini menunggu lebih dari %(days)s hari.")
                % {"days": overdue_days()},
                url=url,
            )
    return len(users)
