"""Writing kawasan by hand: create, rename, choose the hub, add and remove members (and take
a removal back).

The base kawasan a kelurahan gets from the site import live in kawasan.services; these are
the edits a lurah or camat makes in the portal. Each function checks the actor's right
itself (whoever calls it: a view, the Excel round trip, a shell) and every edit of an
existing kawasan carries the version it was read at: stale or missing is refused
(StaleKawasan), nothing written.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from regions.models import Region, subtree_q
from sites import services as site_services
from sites.models import OperatingStatus, Site

from . import selectors
from .models import Kawasan, KawasanAction, KawasanChange, Membership
from .signals import kawasan_changed


class StaleKawasan(Exception):
    """The kawasan was changed since the page was read, or the form carried no version."""

    def __init__(self, kawasan: Kawasan):
        super().__init__(kawasan.pk)
        self.kawasan = kawasan


def _require_change(user, kawasan: Kawasan) -> None:
    if not selectors.kawasan_may_change(user, kawasan):
        raise PermissionDenied(_("Anda tidak berhak mengubah kawasan ini."))


def _next_version(kawasan: Kawasan, version: int | None, **fields) -> None:
    """Write `fields` and the next version if nobody wrote since `version`; else StaleKawasan.

    One conditional UPDATE: two people saving at once cannot both win.
    """
    updated = version is not None and Kawasan.objects.filter(pk=kawasan.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if not updated:
        raise StaleKawasan(Kawasan.objects.get(pk=kawasan.pk))
    kawasan.version = version + 1  # type: ignore[operator]  # not None: updated
    for name, value in fields.items():
        setattr(kawasan, name, value)


def region_active_sites(region: Region):
    """The sites of a region (kelurahan or kecamatan) that have not closed."""
    # Whole code parts only: '31.75.03' covers '31.75.03.1004', never '31.75.031…'.
    in_region = subtree_q("kelurahan__code", region.code)
    return Site.objects.filter(in_region).exclude(operating_status=OperatingStatus.CLOSED)


def _changed(kawasan: Kawasan, user) -> None:
    # Scoring recomputes the kawasan on this signal (after commit, on its side).
    kawasan_changed.send(sender=Kawasan, kawasan=kawasan, user=user)


def _record(kawasan: Kawasan, user, action: str, changes: dict) -> None:
    # The audit trail: who changed the kawasan, when, and what (display strings old -> new).
    KawasanChange.objects.create(kawasan=kawasan, user=user, action=action, changes=changes)


def _site_label(site: Site | None) -> str:
    return site.name if site is not None else ""


@transaction.atomic
def kawasan_create(*, user, region: Region, name: str, with_active_sites: bool = True) -> Kawasan:
    """A new kawasan over a kelurahan or kecamatan; by default every active site there joins."""
    if not selectors.kawasan_create_regions(user).filter(pk=region.pk).exists():
        raise PermissionDenied(_("Anda tidak berhak membuat kawasan di wilayah ini."))
    if region.level not in ("kelurahan", "kecamatan"):
        raise ValidationError(
            {"region": _("Kawasan hanya dapat dibuat untuk kelurahan atau kecamatan.")}
        )
    kawasan = Kawasan.objects.create(name=name, region=region)
    site_ids = []
    if with_active_sites:
        site_ids = list(region_active_sites(region).values_list("pk", flat=True))
        Membership.objects.bulk_create(
            [Membership(kawasan=kawasan, site_id=pk, added_by=user) for pk in site_ids]
        )
    _record(
        kawasan,
        user,
        KawasanAction.CREATED,
        {"name": ["", name], "region": ["", region.name], "members": ["", str(len(site_ids))]},
    )
    _changed(kawasan, user)
    return kawasan


@transaction.atomic
def kawasan_update(*, kawasan: Kawasan, user, name: str, hub: Site | None, version: int | None):
    """Rename the kawasan and choose its hub, which must be one of its members."""
    _require_change(user, kawasan)
    if hub is not None and not Membership.objects.filter(kawasan=kawasan, site=hub).exists():
        raise ValidationError(
            {"hub": _("Pusat (hub) harus salah satu anggota kawasan. Tambahkan situsnya dulu.")}
        )
    old_hub = kawasan.hub
    hub_changed = kawasan.hub_id != (hub.pk if hub else None)
    changes = {}
    if kawasan.name != name:
        changes["name"] = [kawasan.name, name]
    if hub_changed:
        changes["hub"] = [_site_label(old_hub), _site_label(hub)]
    _next_version(kawasan, version, name=name, hub=hub)
    if changes:
        _record(kawasan, user, KawasanAction.UPDATED, changes)
    if hub_changed:
        _changed(kawasan, user)
    return kawasan


@transaction.atomic
def kawasan_member_add(*, kawasan: Kawasan, site: Site, user, version: int | None) -> bool:
    """Add a site the user may see; False when it already was a member (nothing changes)."""
    _require_change(user, kawasan)
    if not Site.objects.visible_to(user).filter(pk=site.pk).exists():
        raise PermissionDenied(_("Situs ini tidak dapat ditambahkan."))
    if Membership.objects.filter(kawasan=kawasan, site=site).exists():
        return False
    _next_version(kawasan, version)
    Membership.objects.create(kawasan=kawasan, site=site, added_by=user)
    _record(kawasan, user, KawasanAction.MEMBER_ADDED, {"members": ["", site.name]})
    _changed(kawasan, user)
    return True


@transaction.atomic
def kawasan_member_remove(*, kawasan: Kawasan, site: Site, user, version: int | None) -> bool:
    """Remove a site the user may see; removing the hub leaves the kawasan without one."""
    _require_change(user, kawasan)
    if not Site.objects.visible_to(user).filter(pk=site.pk).exists():
        raise PermissionDenied(_("Situs ini tidak dapat dikeluarkan."))
    if not Membership.objects.filter(kawasan=kawasan, site=site).exists():
        return False
    changes = {"members": [site.name, ""]}
    if kawasan.hub_id == site.pk:
        _next_version(kawasan, version, hub=None)
        changes["hub"] = [site.name, ""]
    else:
        _next_version(kawasan, version)
    Membership.objects.filter(kawasan=kawasan, site=site).delete()
    _record(kawasan, user, KawasanAction.MEMBER_REMOVED, changes)
    _changed(kawasan, user)
    return True


@transaction.atomic
def kawasan_member_restore(
    *, kawasan: Kawasan, site: Site, user, version: int | None, as_hub: bool = False
) -> bool:
    """Take back a removal: the site is a member again and, if it was the hub and the kawasan
    still has none, the hub again. One edit, one version; False when it already is a member.
    """
    _require_change(user, kawasan)
    if not Site.objects.visible_to(user).filter(pk=site.pk).exists():
        raise PermissionDenied(_("Situs ini tidak dapat ditambahkan."))
    if Membership.objects.filter(kawasan=kawasan, site=site).exists():
        return False
    changes = {"members": ["", site.name]}
    if as_hub and kawasan.hub_id is None:
        _next_version(kawasan, version, hub=site)
        changes["hub"] = ["", site.name]
    else:
        _next_version(kawasan, version)
    Membership.objects.create(kawasan=kawasan, site=site, added_by=user)
    _record(kawasan, user, KawasanAction.MEMBER_ADDED, changes)
    _changed(kawasan, user)
    return True


@transaction.atomic
def kawasan_site_create(*, kawasan: Kawasan, user, data: dict, version: int | None) -> Site:
    """Register a new site and make it a member of the kawasan (a next step "add a site of
    this type near the hub"). One transaction: a refused join (no right, a stale or missing
    kawasan version) registers no site either, so the user can retry without a duplicate.

    The site service's own rules hold (the right to create, duplicates, the kelurahan); if
    the site already joined the kawasan as its base kawasan, nothing more is written.
    """
    _require_change(user, kawasan)
    # The version first: a base kawasan gets every new site of its kelurahan by itself (the
    # receiver of site_created), so a check at the join would come after the site is in.
    _next_version(kawasan, version)
    site = site_services.site_create(user=user, data=data)
    if not Membership.objects.filter(kawasan=kawasan, site=site).exists():
        Membership.objects.create(kawasan=kawasan, site=site, added_by=user)
        _record(kawasan, user, KawasanAction.MEMBER_ADDED, {"members": ["", site.name]})
    _changed(kawasan, user)
    return site
