"""Pending changes of verified sites: propose, diff, approve, return.

Once verified, an edit of a reviewed field (name, types, location, checklist, documents)
does not touch the live site: it becomes a PendingChange that the reviewer approves
(applied in one transaction; the site stays verified and counts as freshly verified) or
returns with a reason. Address, contact and operating status stay direct edits: a wrong
phone number or a closed building must not wait for a review.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from regions.models import Region

from .. import editing, signals
from .. import selectors as site_selectors
from ..models import (
    ChecklistAnswer,
    ChecklistItem,
    PendingChange,
    PendingChangeApproval,
    PendingChangeState,
    ReviewAction,
    ReviewEvent,
    ReviewState,
    ServiceType,
    Site,
    SiteDocument,
)
from .selectors import (
    OWN_CHANGE,
    answer_text,
    change_approved_sector_ids,
    change_review_sector_ids,
    change_route,
    change_sector_ids,
    is_own_change,
    pending_change_open,
    proposed_values,
)
from .transitions import ReviewConflict, conflict_message, site_recipients

# Fields whose edits on a verified site wait for the reviewer (with checklist and documents).
REVIEWED_FIELDS = ("name", "types", "location")


# ---- proposing ----


def _serialise(name: str, value):
    if name == "types":
        return sorted(t.pk for t in value)
    if name == "location":
        return [round(value.x, 7), round(value.y, 7)]
    return value


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
    if not site_selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    if site.review_state != ReviewState.VERIFIED:
        raise ValidationError(_("Hanya situs terverifikasi yang perubahannya ditinjau dulu."))
    fields = fields or {}
    if not Site.objects.filter(pk=site.pk, version=version).exists():
        yours = {n: editing.display(n, v) for n, v in fields.items()}
        raise editing.StaleEdit(**editing.stale_edit_args(site.pk, yours))
    open_change = pending_change_open(site)
    data = dict(open_change.data) if open_change else {}
    _merge_fields(data, user=user, site=site, fields=fields)
    if {"name", "types", "location"} & set(fields) and not confirm_duplicate:
        _check_proposed_duplicates(data, site, user)
    if checklist is not None:
        _merge_checklist(data, site=site, checklist=checklist)
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


def _merge_fields(data: dict, *, user, site: Site, fields: dict) -> None:
    """Fold the edited reviewed fields into the change's data: a field set back to its live
    value leaves it; a moved location carries its kelurahan when that changes too."""
    for name in REVIEWED_FIELDS:
        if name not in fields:
            continue
        live = editing.current_value(site, name)
        if editing.same_value(name, live, fields[name]):
            data.pop(name, None)
            if name == "location":
                data.pop("kelurahan", None)
        else:
            data[name] = _serialise(name, fields[name])
    if "location" in fields and "location" in data:
        types = fields.get("types") or list(site.types.all())
        kelurahan = editing.site_kelurahan_for(
            user=user, point=fields["location"], sector_ids={t.sector_id for t in types}
        )
        if kelurahan.code != site.kelurahan_id:
            data["kelurahan"] = kelurahan.code
        else:
            data.pop("kelurahan", None)


def _check_proposed_duplicates(data: dict, site: Site, user) -> None:
    """Raise the duplicate warning for the site as it would be once the change is applied."""
    merged = {**proposed_values(PendingChange(data=data))}
    editing.check_duplicates(
        {
            "name": merged.get("name", site.name),
            "types": merged.get("types", list(site.types.all())),
        },
        merged.get("location", site.location),
        site.pk,
        user=user,
    )


def _merge_checklist(
    data: dict, *, site: Site, checklist: dict[int, tuple[bool | None, str]]
) -> None:
    """Fold the checklist answers into the change's data: an answer equal to the live one
    leaves it, and no differing answer leaves no checklist entry."""
    live = {a.item_id: (a.answer, a.note) for a in site.checklist_answers.all()}
    proposed = {str(k): v for k, v in data.get("checklist", {}).items()}
    for item_id, (answer, raw_note) in checklist.items():
        note = (raw_note or "").strip()
        if live.get(item_id, (None, "")) == (answer, note):
            proposed.pop(str(item_id), None)
        else:
            proposed[str(item_id)] = [answer, note]
    if proposed:
        data["checklist"] = proposed
    else:
        data.pop("checklist", None)


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
            # A new proposal: earlier sectors' approvals were of another content.
            change.approvals.all().delete()
        change.sectors.set(change_route(data))
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
                str(editing.FIELD_LABELS["documents"]): ["", f"{title} ({doc.get_kind_display()})"]
            },
        )
    return doc


# ---- the diff ----


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
        rows.append(DiffRow("name", str(editing.FIELD_LABELS["name"]), site.name, data["name"]))
    if "types" in data:
        new_types = list(ServiceType.objects.filter(pk__in=data["types"]))
        rows.append(
            DiffRow(
                "types",
                str(editing.FIELD_LABELS["types"]),
                editing.display("types", list(site.types.all())),
                editing.display("types", new_types),
            )
        )
    if "location" in data:
        lon, lat = data["location"]
        new_point = Point(lon, lat, srid=4326)
        metres = site_selectors.haversine_m(site.location, new_point)
        rows.append(
            DiffRow(
                "location",
                str(editing.FIELD_LABELS["location"]),
                editing.display("location", site.location),
                _("%(point)s (bergeser %(m)s m)")
                % {"point": editing.display("location", new_point), "m": round(metres)},
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
                str(editing.FIELD_LABELS["kelurahan"]),
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
                    answer_text(current.answer, current.note) if current else _("belum dijawab"),
                    answer_text(answer, note),
                )
            )
    if change.pk:
        for doc in change.documents.all():
            rows.append(
                DiffRow(
                    f"document:{doc.pk}",
                    str(editing.FIELD_LABELS["documents"]),
                    "",
                    f"{doc.title} ({doc.get_kind_display()})",
                )
            )
    return rows


def _diff_dict(rows: list[DiffRow]) -> dict:
    return {row.label: [row.old, row.new] for row in rows}


# ---- the decision ----


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
    """Approve the user's sectors' part of the change; the last sector's approval applies the
    proposed values to the live site in one transaction (it stays verified).

    A change is reviewed by every sector its current or proposed types touch (a puskesmas
    proposed to become a school needs health and education): until all have approved it
    stays pending, in the queues of the sectors still to approve. Nobody approves what they
    proposed. Applying re-verifies the site (verified_at moves to now).
    """
    site = change.site
    _check_may_decide(user, change)
    now = timezone.now()
    with transaction.atomic():
        # The row lock orders two sectors approving at once: the second sees the first's row.
        locked = (
            PendingChange.objects.select_for_update()
            .filter(pk=change.pk, state=PendingChangeState.PENDING, version=version)
            .first()
        )
        if locked is None:
            raise _change_conflict(change)
        required = change_sector_ids(locked)
        approved = change_approved_sector_ids(locked)
        mine = change_review_sector_ids(user, change) - approved
        if not mine:
            raise ReviewConflict(
                _("Sektor Anda sudah menyetujui usulan ini; menunggu sektor lain.")
            )
        PendingChangeApproval.objects.bulk_create(
            [PendingChangeApproval(change=locked, sector_id=s, user=user, at=now) for s in mine]
        )
        if not required <= approved | mine:
            return site  # waiting for the other sectors; the live site is unchanged
        _apply(user, change, site, site_version=site_version, now=now, is_demo=is_demo)
    return site


def _check_may_decide(user, change: PendingChange) -> None:
    if is_own_change(user, change):
        raise PermissionDenied(OWN_CHANGE)
    if not change_review_sector_ids(user, change):
        raise PermissionDenied(
            _(
                "Hanya petugas suku dinas sektor yang disentuh usulan ini, di kotanya, "
                "yang dapat meninjaunya."
            )
        )


def _apply(user, change: PendingChange, site: Site, *, site_version: int, now, is_demo: bool):
    """Every sector has approved: the proposed values become the live site."""
    data = change.data or {}
    diff = pending_change_diff(change, site)
    claimed = PendingChange.objects.filter(pk=change.pk, state=PendingChangeState.PENDING).update(
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
        lon, lat = data["location"]
        values["location"] = Point(lon, lat, srid=4326)
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
        # Rolls the claim and the approvals back with it: the change stays pending.
        raise ReviewConflict(conflict_message(site.pk))
    if "types" in data:
        types = list(ServiceType.objects.filter(pk__in=data["types"]))
        if not types:
            raise ValidationError(_("Jenis layanan usulan sudah tidak ada di katalog."))
        site.types.set(types)
    _apply_checklist(change, site, data)
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
            recipients=site_recipients(site, change.proposed_by),
            kind=Kind.CHANGE_APPROVED,
            title=_("Perubahan situs %(name)s disetujui") % {"name": site.name},
            body=_("Disetujui oleh %(user)s dan sudah berlaku.") % {"user": user},
            url=site.get_absolute_url(),
            site_id=site.pk,
        )


def _apply_checklist(change: PendingChange, site: Site, data: dict) -> None:
    """The proposed answers go live; an answer counts as confirmed (as met) only if it is met
    and its own sector's officer approved the change (the sector of the item's type)."""
    approved = change_approved_sector_ids(change)
    proposed = data.get("checklist", {})
    sectors = dict(
        ChecklistItem.objects.filter(pk__in=[int(k) for k in proposed]).values_list(
            "pk", "service_type__sector_id"
        )
    )
    for key, (answer, note) in proposed.items():
        if answer is None:
            ChecklistAnswer.objects.filter(site=site, item_id=int(key)).delete()
        else:
            ChecklistAnswer.objects.update_or_create(
                site=site,
                item_id=int(key),
                defaults={
                    "answer": answer,
                    "note": note,
                    # Confirmed as met: never an unmet answer (as on the review page).
                    "confirmed": answer is True and sectors.get(int(key)) in approved,
                },
            )


def pending_change_return(*, user, change: PendingChange, version: int, reason: str) -> None:
    """Send the proposed change back to its proposer with a reason; the live site is unchanged.

    Any sector the change is routed to may return it (one "no" is enough); not its proposer.
    """
    site = change.site
    _check_may_decide(user, change)
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
            recipients=site_recipients(site, change.proposed_by),
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
