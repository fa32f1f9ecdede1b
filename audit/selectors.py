"""Every change by every role, from every app's own records, as one list newest first.

Each source keeps its trace where the change happens: site edits and link changes
(services.SiteChange), review steps and pending changes (services.ReviewEvent), kawasan
edits (kawasan.KawasanChange), background exports (kaltara.Export), downloads
(audit.Download), sign-ins and failed sign-ins (django-axes), admin edits (LogEntry).

The list is one UNION ALL of the sources reduced to (kind, row id, time, actor), filtered
in the database, ordered and cut to the page there; then each source fetches the details of
its rows on the page with one query. A page costs the same few queries however long the
trail is.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.db.models import CharField, F, Manager, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Assignment, Role, User
from exports.models import Export
from kawasan.models import KawasanChange
from regions.models import subtree_q
from sites.editing import FIELD_LABELS
from sites.models import ReviewEvent, SiteChange
from sites.services import ACTION_LABELS

from .models import Download


class Kind:
    SITE = "site"
    REVIEW = "review"
    KAWASAN = "kawasan"
    EXPORT = "export"
    DOWNLOAD = "download"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    ADMIN = "admin"


KIND_LABELS = {
    Kind.SITE: _("Situs dan keterhubungan"),
    Kind.REVIEW: _("Verifikasi dan usulan perubahan"),
    Kind.KAWASAN: _("Kawasan"),
    Kind.EXPORT: _("Ekspor"),
    Kind.DOWNLOAD: _("Unduhan"),
    Kind.LOGIN: _("Masuk"),
    Kind.LOGIN_FAILED: _("Gagal masuk"),
    Kind.ADMIN: _("Admin"),
}

KAWASAN_FIELD_LABELS = {
    "name": _("Nama"),
    "region": _("Wilayah"),
    "hub": _("Pusat (hub)"),
    "members": _("Anggota"),
}

DOWNLOAD_LABELS = {
    "kaltara:export_rankings": _("Peringkat wilayah"),
    "kaltara:export_areas": _("Wilayah dengan skor (GeoJSON)"),
    "kaltara:export_download": _("Berkas ekspor"),
    "spreadsheet:export": _("Excel situs"),
    "services:document_download": _("Dokumen situs"),
    "services:link_evidence": _("Dokumen bukti keterhubungan"),
}


@dataclass(frozen=True)
class AuditFilter:
    """The list's filters; empty values filter nothing."""

    user: str = ""  # part of a username or name
    role: str = ""  # accounts.Role value
    region: str = ""  # a Kemendagri code: the region and everything below it
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""  # a Kind value


@dataclass
class AuditRow:
    kind: str
    at: datetime
    actor: User | None
    actor_name: str  # the username typed at a failed sign-in has no user
    action: str
    subject: str = ""
    subject_url: str = ""
    region: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


# ---------------------------------------------------------------------------- the union


def _users_matching(text: str) -> QuerySet:
    words = Q()
    for word in text.split():
        words &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return User.objects.filter(words).values("pk")


def _users_with_role(role: str) -> QuerySet:
    q = Q(assignments__role=role)
    if role == Role.ADMIN:
        q |= Q(is_superuser=True)
    return User.objects.filter(q).values("pk")


def _users_in_region(code: str) -> QuerySet:
    return Assignment.objects.filter(subtree_q("region__code", code)).values("user_id")


# (kind, model manager, time field, actor field or None, username field or None,
#  region lookup or None). Sources without a region of their own (a sign-in, an export)
# are placed by the actor's assignments.
# kind, its rows, time field, actor id field, username field (sign-ins), region lookup
_Source = tuple[str, Manager[Any], str, str | None, str | None, str | None]


def _sources() -> list[_Source]:
    return [
        (Kind.SITE, SiteChange.objects, "at", "user_id", None, "site__kelurahan__code"),
        (Kind.REVIEW, ReviewEvent.objects, "at", "user_id", None, "site__kelurahan__code"),
        (Kind.KAWASAN, KawasanChange.objects, "at", "user_id", None, "kawasan__region__code"),
        (Kind.EXPORT, Export.objects, "created", "owner_id", None, None),
        (Kind.DOWNLOAD, Download.objects, "at", "user_id", None, None),
        (Kind.LOGIN, AccessLog.objects, "attempt_time", None, "username", None),
        (Kind.LOGIN_FAILED, AccessFailureLog.objects, "attempt_time", None, "username", None),
        (Kind.ADMIN, LogEntry.objects, "action_time", "user_id", None, None),
    ]


def _source_queryset(kind, manager, at_field, actor_field, username_field, region_lookup, flt):
    qs = manager.order_by()
    actor: F | Subquery
    if actor_field is not None:
        actor = F(actor_field)
    else:
        # Sign-ins name the user by the username typed; a failed one may name nobody.
        actor = Subquery(User.objects.filter(username=OuterRef(username_field)).values("pk")[:1])
    qs = qs.annotate(
        a_kind=Value(kind, output_field=CharField()),
        a_id=F("pk"),
        a_at=F(at_field),
        a_actor=actor,
    )
    if flt.date_from:
        qs = qs.filter(a_at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(a_at__lt=_day_start(flt.date_to + timedelta(days=1)))
    if flt.user:
        matching = Q(a_actor__in=_users_matching(flt.user))
        if username_field is not None:
            matching |= Q(**{f"{username_field}__icontains": flt.user.strip()})
        qs = qs.filter(matching)
    if flt.role:
        qs = qs.filter(a_actor__in=_users_with_role(flt.role))
    if flt.region:
        if region_lookup is not None:
            qs = qs.filter(subtree_q(region_lookup, flt.region))
        else:
            qs = qs.filter(a_actor__in=_users_in_region(flt.region))
    return qs.values("a_kind", "a_id", "a_at", "a_actor")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(flt: AuditFilter) -> QuerySet:
    """Rows of (a_kind, a_id, a_at, a_actor), newest first, as one set-based query.

    Slice it (a Paginator does) to read one page; count() counts the whole trail.
    """
    parts = [
        _source_queryset(*source, flt)
        for source in _sources()
        if not flt.kind or source[0] == flt.kind
    ]
    if not parts:
        return audit_entries_none()
    first, *rest = parts
    qs = first.union(*rest, all=True) if rest else first
    # The row id breaks ties between rows written in the same instant.
    return qs.order_by("-a_at", "a_kind", "-a_id")


def audit_entries_none() -> QuerySet:
    """No rows (an invalid filter): the shape of audit_entries, without a query."""
    return SiteChange.objects.none().values("pk")


# ---------------------------------------------------------------------------- details


def _pairs(changes: dict, labels: dict) -> list[tuple[str, str, str]]:
    rows = []
    for name, pair in (changes or {}).items():
        pair = list(pair) if isinstance(pair, list | tuple) else ["", str(pair)]
        old, new = (pair + ["", ""])[:2]
        rows.append((str(labels.get(name, name)), str(old), str(new)))
    return rows


def _site_rows(ids):
    qs = SiteChange.objects.filter(pk__in=ids).select_related("site__kelurahan")
    return {
        c.pk: AuditRow(
            kind=Kind.SITE,
            at=c.at,
            actor=None,
            actor_name="",
            action=str(ACTION_LABELS.get(c.action, c.action)),
            subject=c.site.name,
            subject_url=c.site.get_absolute_url(),
            region=c.site.kelurahan.name,
            changes=_pairs(c.changes, FIELD_LABELS),
            note=c.reason,
        )
        for c in qs
    }


def _review_rows(ids):
    qs = ReviewEvent.objects.filter(pk__in=ids).select_related("site__kelurahan")
    rows = {}
    for e in qs:
        changes = _pairs(e.changes, FIELD_LABELS)
        if e.from_state != e.to_state:
            changes.insert(
                0,
                (
                    str(FIELD_LABELS["review_state"]),
                    e.get_from_state_display(),
                    e.get_to_state_display(),
                ),
            )
        rows[e.pk] = AuditRow(
            kind=Kind.REVIEW,
            at=e.at,
            actor=None,
            actor_name="",
            action=e.get_action_display(),
            subject=e.site.name,
            subject_url=e.site.get_absolute_url(),
            region=e.site.kelurahan.name,
            changes=changes,
            note=e.reason,
        )
    return rows


def _kawasan_rows(ids):
    qs = KawasanChange.objects.filter(pk__in=ids).select_related("kawasan__region")
    return {
        c.pk: AuditRow(
            kind=Kind.KAWASAN,
            at=c.at,
            actor=None,
            actor_name="",
            action=c.get_action_display(),
            subject=c.kawasan.name,
            subject_url=c.kawasan.get_absolute_url(),
            region=c.kawasan.region.name,
            changes=_pairs(c.changes, KAWASAN_FIELD_LABELS),
        )
        for c in qs
    }


def _export_rows(ids):
    rows = {}
    for x in Export.objects.filter(pk__in=ids):
        params = ", ".join(f"{k}={v}" for k, v in sorted((x.params or {}).items()) if v)
        rows[x.pk] = AuditRow(
            kind=Kind.EXPORT,
            at=x.created,
            actor=None,
            actor_name="",
            action=f"{x.get_kind_display()} ({x.get_format_display()})",
            subject=x.get_status_display(),
            note=params,
        )
    return rows


def _download_rows(ids):
    return {
        d.pk: AuditRow(
            kind=Kind.DOWNLOAD,
            at=d.at,
            actor=None,
            actor_name="",
            action=str(DOWNLOAD_LABELS.get(d.view, d.view)),
            note=d.path,
        )
        for d in Download.objects.filter(pk__in=ids)
    }


def _login_rows(ids):
    rows = {}
    for log in AccessLog.objects.filter(pk__in=ids):
        note = ""
        if log.logout_time:
            note = _("keluar %(t)s") % {
                "t": timezone.localtime(log.logout_time).strftime("%Y-%m-%d %H:%M")
            }
        rows[log.pk] = AuditRow(
            kind=Kind.LOGIN,
            at=log.attempt_time,
            actor=None,
            actor_name=log.username or "",
            action=str(_("Masuk")),
            subject=log.ip_address or "",
            note=str(note),
        )
    return rows


def _login_failed_rows(ids):
    return {
        log.pk: AuditRow(
            kind=Kind.LOGIN_FAILED,
            at=log.attempt_time,
            actor=None,
            actor_name=log.username or "",
            action=str(_("Dikunci")) if log.locked_out else str(_("Kata sandi salah")),
            subject=log.ip_address or "",
        )
        for log in AccessFailureLog.objects.filter(pk__in=ids)
    }


def _admin_rows(ids):
    qs = LogEntry.objects.filter(pk__in=ids).select_related("content_type")
    return {
        e.pk: AuditRow(
            kind=Kind.ADMIN,
            at=e.action_time,
            actor=None,
            actor_name="",
            action=str({1: _("Ditambah"), 2: _("Diubah"), 3: _("Dihapus")}.get(e.action_flag, "")),
            subject=f"{e.content_type.name if e.content_type else ''}: {e.object_repr}",
            note=e.get_change_message(),
        )
        for e in qs
    }


_DETAILS = {
    Kind.SITE: _site_rows,
    Kind.REVIEW: _review_rows,
    Kind.KAWASAN: _kawasan_rows,
    Kind.EXPORT: _export_rows,
    Kind.DOWNLOAD: _download_rows,
    Kind.LOGIN: _login_rows,
    Kind.LOGIN_FAILED: _login_failed_rows,
    Kind.ADMIN: _admin_rows,
}


def audit_rows(entries) -> list[AuditRow]:
    """The page's entries (a_kind, a_id, a_at, a_actor) with their details: one query per
    kind on the page, one for the actors and one for their roles."""
    entries = list(entries)
    ids_by_kind: dict[str, list[int]] = {}
    for e in entries:
        ids_by_kind.setdefault(e["a_kind"], []).append(e["a_id"])
    details = {kind: _DETAILS[kind](ids) for kind, ids in ids_by_kind.items()}
    actor_ids = {e["a_actor"] for e in entries if e["a_actor"] is not None}
    actors = User.objects.in_bulk(actor_ids)
    roles: dict[int, list[str]] = {}
    for a in (
        Assignment.objects.filter(user_id__in=actor_ids)
        .select_related("region", "sector")
        .order_by("user_id", "role", "region_id")
    ):
        label = f"{a.get_role_display()} {a.region.name}"
        if a.sector is not None:  # select_related: no query
            label = f"{label} ({a.sector.name})"
        roles.setdefault(a.user_id, []).append(label)
    rows = []
    for e in entries:
        row = details[e["a_kind"]].get(e["a_id"])
        if row is None:  # deleted between the two queries
            continue
        row.actor = actors.get(e["a_actor"])
        if row.actor is not None:
            row.actor_name = row.actor.get_full_name() or row.actor.username
            row.actor.roles = roles.get(row.actor.pk, [])
        rows.append(row)
    return rows
