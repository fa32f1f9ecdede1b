"""Writing sites, documents and links. Every write leaves a SiteChange row and sends a signal.

Functions take keyword arguments and check the user's right themselves, so a caller other
than a view (an import, a task, the shell) cannot skip the check.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors, signals
from .editing import (
    EDITABLE_FIELDS,
    StaleEdit,
    check_duplicates,
    current_value,
    display,
    same_value,
    site_kelurahan_for,
    stale_edit_args,
)
from .models import (
    DOCUMENT_EXTENSIONS,
    MAX_DOCUMENT_BYTES,
    DocumentKind,
    LinkKind,
    OperatingStatus,
    ReviewState,
    Site,
    SiteChange,
    SiteDocument,
    SiteLink,
)
from .review.pending import REVIEWED_FIELDS, pending_change_document_add, pending_change_propose

# Magic bytes per extension: the name alone says nothing about what a file holds.
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


def _record(
    site: Site, user, action: str, changes: dict, reason: str = "", other: Site | None = None
) -> SiteChange:
    return SiteChange.objects.create(
        site=site, user=user, action=action, changes=changes, reason=reason, other_site=other
    )


# ---- sites ----


def site_create(*, user, data: dict) -> Site:
    """Create a site from cleaned form data (name, types, location, address, contact).

    data["confirm_duplicate"] true saves even when a likely duplicate exists.
    """
    if not selectors.user_may_create_sites(user):
        raise PermissionDenied(_("Anda tidak berhak menambah situs layanan."))
    types = list(data["types"])
    point = data["location"]
    kelurahan = site_kelurahan_for(user=user, point=point, sector_ids={t.sector_id for t in types})
    check_duplicates(data, point, user=user)
    with transaction.atomic():
        site = Site.objects.create(
            name=data["name"],
            kelurahan=kelurahan,
            location=point,
            address=data.get("address", ""),
            contact=data.get("contact", ""),
            operating_status=data.get("operating_status") or OperatingStatus.OPEN,
            created_by=user,
            updated_by=user,
        )
        site.types.set(types)
        changes = {
            name: ["", display(name, types if name == "types" else getattr(site, name))]
            for name in EDITABLE_FIELDS
        }
        changes["kelurahan"] = ["", kelurahan.name]
        _record(site, user, "created", changes)
        signals.site_created.send(sender=Site, site=site, user=user)
    return site


def site_update(*, user, site: Site, data: dict, version: int) -> Site:
    """Save the form's changes if nobody saved the site since `version`; else StaleEdit.

    On a verified site the reviewed fields (name, types, location) do not change the live
    record: they go into its pending change for the suku dinas (review/pending.py), returned as
    `site.pending_change` (None when there is none). The other fields are saved at once.
    """
    if not selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak mengubah situs ini."))
    site.pending_change = None
    if site.review_state == ReviewState.VERIFIED:
        proposed = {n: data[n] for n in REVIEWED_FIELDS if n in data}
        direct = {n: v for n, v in data.items() if n not in REVIEWED_FIELDS}
        with transaction.atomic():
            pending = None
            if proposed:
                pending = pending_change_propose(
                    user=user,
                    site=site,
                    version=version,
                    fields=proposed,
                    confirm_duplicate=bool(data.get("confirm_duplicate")),
                )
            site = _site_update_live(user=user, site=site, data=direct, version=version)
        site.pending_change = pending
        return site
    return _site_update_live(user=user, site=site, data=data, version=version)


def _site_update_live(*, user, site: Site, data: dict, version: int) -> Site:
    site.pending_change = None
    changed = {
        name: (current_value(site, name), data[name])
        for name in EDITABLE_FIELDS
        if name in data and not same_value(name, current_value(site, name), data[name])
    }
    if not changed:
        return site
    types = list(data.get("types", site.types.all()))
    point = data.get("location", site.location)
    values = {name: new for name, (_old, new) in changed.items() if name != "types"}
    if "location" in changed:
        kelurahan = site_kelurahan_for(
            user=user, point=point, sector_ids={t.sector_id for t in types}
        )
        if kelurahan.code != site.kelurahan_id:
            values["kelurahan"] = kelurahan
            changed["kelurahan"] = (site.kelurahan, kelurahan)
    if {"name", "types", "location"} & changed.keys():
        check_duplicates(
            {**data, "name": data.get("name", site.name), "types": types}, point, site.pk, user=user
        )
    with transaction.atomic():
        # The version check and the write are one statement: two officers saving at once
        # cannot both pass it.
        updated = Site.objects.filter(pk=site.pk, version=version).update(
            **values,
            version=F("version") + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )
        if not updated:
            raise StaleEdit(
                **stale_edit_args(
                    site.pk, {n: display(n, data[n]) for n in EDITABLE_FIELDS if n in data}
                )
            )
        if "types" in changed:
            site.types.set(types)
        changes = {
            name: [display(name, old), display(name, new)] for name, (old, new) in changed.items()
        }
        _record(site, user, "updated", changes, reason=data.get("reason", ""))
        site.refresh_from_db()
        signals.site_changed.send(sender=Site, site=site, user=user, fields=sorted(changes))
    return site


def site_close_check(*, user, site: Site, reason: str) -> None:
    """The refusals of site_close, writing nothing: its confirmation page shows them first."""
    if not selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak menutup situs ini."))
    if site.operating_status == OperatingStatus.CLOSED:
        raise ValidationError({"reason": _("Situs ini sudah tutup.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Alasan: tuliskan mengapa situs ini ditutup.")})


def site_close(*, user, site: Site, reason: str, version: int) -> Site:
    """Mark the site closed if nobody saved it since `version`; else StaleEdit.

    The row, its history, documents and links are kept.
    """
    site_close_check(user=user, site=site, reason=reason)
    reason = reason.strip()
    with transaction.atomic():
        updated = Site.objects.filter(pk=site.pk, version=version).update(
            operating_status=OperatingStatus.CLOSED,
            version=F("version") + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )
        if not updated:
            current = (
                Site.objects.select_related("kelurahan").prefetch_related("types").get(pk=site.pk)
            )
            theirs = {n: display(n, current_value(current, n)) for n in EDITABLE_FIELDS}
            raise StaleEdit(
                site=current,
                theirs=theirs,
                yours={**theirs, "operating_status": display("operating_status", "closed")},
            )
        old = site.operating_status
        _record(
            site,
            user,
            "closed",
            {
                "operating_status": [
                    display("operating_status", old),
                    display("operating_status", "closed"),
                ]
            },
            reason=reason,
        )
        site.refresh_from_db()
        signals.site_changed.send(sender=Site, site=site, user=user, fields=["operating_status"])
    return site


# ---- documents ----


def document_validate(upload, *, field_name: str = "file") -> str:
    """Check size, extension and content of an upload; return the extension.

    The content must match the extension (PDF, JPEG or PNG magic bytes): a renamed
    executable or HTML page is refused.
    """
    label = _("Berkas")
    if upload is None:
        raise ValidationError({field_name: _("%(f)s: pilih berkas untuk diunggah.") % {"f": label}})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            {
                field_name: _(
                    "%(f)s: ukuran %(size)s MB melebihi batas %(max)s MB. "
                    "Perkecil atau pindai ulang berkasnya."
                )
                % {
                    "f": label,
                    "size": formats.number_format(upload.size / 1024 / 1024, 1),
                    "max": MAX_DOCUMENT_BYTES // (1024 * 1024),
                }
            }
        )
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                field_name: _(
                    "%(f)s: jenis berkas .%(ext)s tidak diterima. Unggah PDF, JPG atau PNG."
                )
                % {"f": label, "ext": ext or "?"}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in _SIGNATURES[ext]):
        raise ValidationError(
            {
                field_name: _(
                    "%(f)s: isi berkas bukan %(kind)s yang sah walau namanya .%(ext)s. "
                    "Unggah PDF, JPG atau PNG yang asli."
                )
                % {"f": label, "kind": "JPEG" if ext == "jpg" else ext.upper(), "ext": ext}
            }
        )
    return ext


def site_document_add(
    *, user, site: Site, kind: str, title: str, file, checklist_item=None
) -> SiteDocument:
    if not selectors.site_may_change(user, site):
        raise PermissionDenied(_("Anda tidak berhak menambah dokumen situs ini."))
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Jenis dokumen: pilih salah satu dari daftar.")})
    if checklist_item is not None and checklist_item.service_type_id not in {
        t.pk for t in site.types.all()
    }:
        raise ValidationError(
            {"checklist_item": _("Butir daftar periksa: bukan milik jenis layanan situs ini.")}
        )
    document_validate(file)
    if site.review_state == ReviewState.VERIFIED:
        # A verified site's documents are reviewed: this one waits in its pending change.
        return pending_change_document_add(
            user=user, site=site, kind=kind, title=title, file=file, checklist_item=checklist_item
        )
    with transaction.atomic():
        doc = SiteDocument.objects.create(
            site=site,
            kind=kind,
            title=title,
            file=file,
            checklist_item=checklist_item,
            uploaded_by=user,
        )
        _record(
            site,
            user,
            "document_added",
            {"documents": ["", f"{title} ({DocumentKind(kind).label})"]},
        )
        signals.site_changed.send(sender=Site, site=site, user=user, fields=["documents"])
    return doc


# ---- links ----


def _link_label(link_kind: str, other: Site) -> str:
    return f"{LinkKind(link_kind).label}: {other.name}"


def _duplicate_link(site_a: Site, site_b: Site, kind: str) -> ValidationError:
    return ValidationError(
        {
            "kind": _(
                "Jenis keterhubungan: %(a)s dan %(b)s sudah terhubung sebagai %(kind)s. "
                "Akhiri keterhubungan itu dulu atau pilih jenis lain."
            )
            % {"a": site_a.name, "b": site_b.name, "kind": LinkKind(kind).label}
        }
    )


def link_create_check(*, user, site_a: Site, site_b: Site, kind: str, evidence=None) -> None:
    """The refusals of link_create, writing nothing: its confirmation page shows them first."""
    if site_a.pk == site_b.pk:
        raise ValidationError({"other": _("Situs lain: pilih situs yang berbeda.")})
    if site_a.pk > site_b.pk:
        site_a, site_b = site_b, site_a
    visible = selectors.Site.objects.visible_to(user).filter(pk__in=[site_a.pk, site_b.pk]).count()
    if visible != 2:
        raise PermissionDenied(_("Situs ini tidak terlihat oleh Anda."))
    if not (selectors.site_may_change(user, site_a) or selectors.site_may_change(user, site_b)):
        raise PermissionDenied(
            _("Salah satu ujung keterhubungan harus situs di wilayah tugas Anda.")
        )
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Jenis keterhubungan: pilih salah satu dari daftar.")})
    for s in (site_a, site_b):
        if s.operating_status == OperatingStatus.CLOSED:
            raise ValidationError(
                {
                    "other": _("Situs %(name)s sudah tutup dan tidak bisa dihubungkan.")
                    % {"name": s.name}
                }
            )
    if evidence:
        document_validate(evidence, field_name="evidence")
    active = SiteLink.objects.filter(site_a=site_a, site_b=site_b, kind=kind, end_date__isnull=True)
    if active.exists():
        raise _duplicate_link(site_a, site_b, kind)


def link_create(
    *,
    user,
    site_a: Site,
    site_b: Site,
    kind: str,
    start_date: date | None = None,
    note: str = "",
    evidence=None,
) -> SiteLink:
    """Link two sites. The pair is stored ordered (site_a < site_b) so it is one row."""
    link_create_check(user=user, site_a=site_a, site_b=site_b, kind=kind, evidence=evidence)
    if site_a.pk > site_b.pk:
        site_a, site_b = site_b, site_a
    start_date = start_date or timezone.localdate()
    try:
        with transaction.atomic():
            link = SiteLink.objects.create(
                site_a=site_a,
                site_b=site_b,
                kind=kind,
                start_date=start_date,
                note=note,
                evidence=evidence or "",
                created_by=user,
            )
            label_b, label_a = _link_label(kind, site_b), _link_label(kind, site_a)
            _record(site_a, user, "link_created", {"links": ["", label_b]}, other=site_b)
            _record(site_b, user, "link_created", {"links": ["", label_a]}, other=site_a)
            signals.link_changed.send(sender=SiteLink, link=link, user=user)
    except IntegrityError as exc:
        # Someone made the same link between the check and the insert: the constraint holds.
        raise _duplicate_link(site_a, site_b, kind) from exc
    return link


class StaleLink(Exception):
    """The link changed since its page was read, or the form carried no version."""


def link_end_check(*, user, link: SiteLink, end_date: date | None = None) -> date:
    """The refusals of link_end, writing nothing (its confirmation page shows them first);
    the end date the link would get (none given: today)."""
    if not selectors.link_may_change(user, link):
        raise PermissionDenied(_("Anda tidak berhak mengakhiri keterhubungan ini."))
    if link.end_date is not None:
        raise ValidationError({"end_date": _("Keterhubungan ini sudah berakhir.")})
    end_date = end_date or timezone.localdate()
    if end_date < link.start_date:
        raise ValidationError(
            {
                "end_date": _("Tanggal berakhir: tidak boleh sebelum tanggal mulai %(start)s.")
                % {"start": formats.date_format(link.start_date)}
            }
        )
    return end_date


def link_end(
    *, user, link: SiteLink, version: int | None, end_date: date | None = None, reason: str = ""
) -> SiteLink:
    """End an active link if nobody changed it since `version` (missing: refused like stale,
    StaleEdit). The row stays, with its end date, as history."""
    end_date = link_end_check(user=user, link=link, end_date=end_date)
    with transaction.atomic():
        updated = version is not None and SiteLink.objects.filter(
            pk=link.pk, end_date__isnull=True, version=version
        ).update(end_date=end_date, version=F("version") + 1)
        if not updated:
            current = SiteLink.objects.filter(pk=link.pk).values_list("end_date", flat=True)
            if current.first() is not None:
                raise ValidationError({"end_date": _("Keterhubungan ini sudah berakhir.")})
            raise StaleLink()
        link.end_date = end_date
        ended = formats.date_format(end_date)
        _record(
            link.site_a,
            user,
            "link_ended",
            {"links": [_link_label(link.kind, link.site_b), _("berakhir %(d)s") % {"d": ended}]},
            reason=reason,
            other=link.site_b,
        )
        _record(
            link.site_b,
            user,
            "link_ended",
            {"links": [_link_label(link.kind, link.site_a), _("berakhir %(d)s") % {"d": ended}]},
            reason=reason,
            other=link.site_a,
        )
        signals.link_changed.send(sender=SiteLink, link=link, user=user)
    return link


ACTION_LABELS = {
    "created": gettext_lazy("Dibuat"),
    "updated": gettext_lazy("Diubah"),
    "closed": gettext_lazy("Ditutup"),
    "document_added": gettext_lazy("Dokumen ditambahkan"),
    "link_created": gettext_lazy("Dihubungkan"),
    "link_ended": gettext_lazy("Keterhubungan diakhiri"),
    "checklist_updated": gettext_lazy("Daftar periksa diisi"),
    # Written by import_sites (sites/importing/writing.py).
    "import_create": gettext_lazy("Diimpor"),
    "import_update": gettext_lazy("Diperbarui dari impor"),
}
