"""Writing kawasan by hand: create, rename, choose the hub, add and remove members.

The base kawasan a kelurahan gets from the site import live in kawasan.services; these are
the edits a lurah or camat makes in the portal. Access is checked by the caller (the view);
these functions check the rules that hold whoever calls them.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regions.models import Region, subtree_q
from sites.models import OperatingStatus, Site

from .models import Kawasan, KawasanAction, KawasanChange, Membership
from .signals import kawasan_changed


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
def kawasan_update(*, kawasan: Kawasan, user, name: str, hub: Site | None) -> Kawasan:
    """Rename the kawasan and choose its hub, which must be one of its members."""
    if hub is not None and not Membership.objects.filter(kawasan=kawasan, site=hub).exists():
        raise ValidationError(
            {"hub": _("Pusat (hub) harus salah satu anggota kawasan. Tambahkan situsnya dulu.")}
        )
    hub_changed = kawasan.hub_id != (hub.pk if hub else None)
    changes = {}
    if kawasan.name != name:
        changes["name"] = [kawasan.name, name]
    if hub_changed:
        changes["hub"] = [_site_label(kawasan.hub), _site_label(hub)]
    kawasan.name = name
    kawasan.hub = hub
    kawasan.save(update_fields=["name", "hub", "updated_at"])
    if changes:
        _record(kawasan, user, KawasanAction.UPDATED, changes)
    if hub_changed:
        _changed(kawasan, user)
    return kawasan


@transaction.atomic
def kawasan_member_add(*, kawasan: Kawasan, site: Site, user) -> bool:
    """Add a site; returns False when it already was a member (nothing changes then)."""
    _, created = Membership.objects.get_or_create(
        kawasan=kawasan, site=site, defaults={"added_by": user}
    )
    if created:
        kawasan.save(update_fields=["updated_at"])
        _record(kawasan, user, KawasanAction.MEMBER_ADDED, {"members": ["", site.name]})
        _changed(kawasan, user)
    return created


@transaction.atomic
def kawasan_member_remove(*, kawasan: Kawasan, site: Site, user) -> bool:
    """Remove a site; removing the hub leaves the kawasan without one."""
    deleted, _ = Membership.objects.filter(kawasan=kawasan, site=site).delete()
    if not deleted:
        return False
    fields = ["updated_at"]
    changes = {"members": [site.name, ""]}
    if kawasan.hub_id == site.pk:
        kawasan.hub = None
        fields.append("hub")
        changes["hub"] = [site.name, ""]
    kawasan.save(update_fields=fields)
    _record(kawasan, user, KawasanAction.MEMBER_REMOVED, changes)
    _changed(kawasan, user)
    return True
