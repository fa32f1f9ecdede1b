"""Writing kawasan: the base kawasan every kelurahan gets from its own sites.

A base kawasan takes the active sites of its kelurahan once: when it is created, and when a
site is created later (the import run or the site_created signal). After that the lurah
owns its membership, so nothing here ever removes a member or re-adds one a user removed.

A change of membership is announced with kawasan_changed (scoring recomputes the kawasan on
it), so whoever listens to site_created needs no other receiver to have run first; the bulk
base_kawasan_ensure_all returns the kawasan it touched instead (its caller queues them).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from regions.models import Level, Region
from sites.models import OperatingStatus, Site

from .models import Kawasan, Membership
from .signals import kawasan_changed

HUB_TYPE = "rptra"


@dataclass
class BaseKawasanReport:
    created: int = 0
    members_added: int = 0
    hubs_set: int = 0
    # The kawasan created or changed here, for the caller to queue score recomputes.
    kawasan_ids: set[int] = field(default_factory=set)


def base_kawasan_name(region: Region) -> str:
    return _("Kawasan %(name)s") % {"name": region.name}


def _active_sites():
    return Site.objects.exclude(operating_status=OperatingStatus.CLOSED)


def _hubs_fill(kawasan_ids: Iterable[int]) -> int:
    """Give each of these kawasan without a hub its active RPTRA member nearest the centroid."""
    rows = (
        Membership.objects.filter(
            kawasan_id__in=list(kawasan_ids),
            kawasan__hub__isnull=True,
            site__types__code=HUB_TYPE,
        )
        .exclude(site__operating_status=OperatingStatus.CLOSED)
        .values_list("kawasan_id", "site_id", "site__location", "kawasan__region__centroid")
        .order_by("kawasan_id", "site_id")
    )
    best: dict[int, tuple[float, int]] = {}
    for kawasan_id, site_id, location, centroid in rows:
        # Degrees are fine for ranking points within one kelurahan; ties go to the lower id.
        distance = location.distance(centroid) if centroid is not None else 0.0
        if kawasan_id not in best or distance < best[kawasan_id][0]:
            best[kawasan_id] = (distance, site_id)
    hubs = [Kawasan(pk=kawasan_id, hub_id=site_id) for kawasan_id, (_d, site_id) in best.items()]
    Kawasan.objects.bulk_update(hubs, ["hub"], batch_size=500)
    return len(hubs)


@transaction.atomic
def base_kawasan_ensure_all(*, new_site_ids: Iterable[int] = ()) -> BaseKawasanReport:
    """Every kelurahan gets its base kawasan; new sites join theirs; empty hubs are filled.

    A base kawasan created here takes all active sites of its kelurahan. An existing one
    only gains the sites in ``new_site_ids`` (those the caller has just created), so a
    membership a user removed stays removed. Set-based: a handful of queries in all.
    """
    report = BaseKawasanReport()
    existing = set(Kawasan.objects.filter(is_base=True).values_list("region_id", flat=True))
    missing = list(
        Region.objects.filter(level=Level.KELURAHAN)
        .exclude(code__in=existing)
        .only("code", "name")
        .order_by("code")
    )
    Kawasan.objects.bulk_create(
        [Kawasan(name=base_kawasan_name(r), region=r, is_base=True) for r in missing],
        batch_size=500,
    )
    report.created = len(missing)
    base_by_region = dict(Kawasan.objects.filter(is_base=True).values_list("region_id", "pk"))

    new_regions = {r.code for r in missing}
    joining = _active_sites().filter(Q(kelurahan_id__in=new_regions) | Q(pk__in=list(new_site_ids)))
    already = set(
        Membership.objects.filter(kawasan__is_base=True, site__in=joining).values_list(
            "kawasan_id", "site_id"
        )
    )
    memberships = []
    for site_id, region_id in joining.values_list("pk", "kelurahan_id"):
        kawasan_id = base_by_region.get(region_id)
        if kawasan_id is not None and (kawasan_id, site_id) not in already:
            memberships.append(Membership(kawasan_id=kawasan_id, site_id=site_id))
    Membership.objects.bulk_create(memberships, batch_size=1000)
    report.members_added = len(memberships)

    touched = {m.kawasan_id for m in memberships}
    report.hubs_set = _hubs_fill(touched)
    report.kawasan_ids = touched | {base_by_region[r.code] for r in missing}
    return report


@transaction.atomic
def base_kawasan_site_add(site: Site, *, user=None) -> Kawasan | None:
    """Add a newly created site to the base kawasan of its kelurahan (created if missing);
    sends kawasan_changed for that kawasan and returns it (None: the site joins none)."""
    if site.operating_status == OperatingStatus.CLOSED or not site.kelurahan_id:
        return None
    kawasan = Kawasan.objects.filter(is_base=True, region_id=site.kelurahan_id).first()
    if kawasan is None:
        # Created here it takes every active site of the kelurahan, as in ensure_all.
        region = Region.objects.only("code", "name").get(pk=site.kelurahan_id)
        kawasan = Kawasan.objects.create(
            name=base_kawasan_name(region), region=region, is_base=True
        )
        site_ids = list(
            _active_sites().filter(kelurahan_id=region.code).values_list("pk", flat=True)
        )
    else:
        site_ids = [site.pk]
    Membership.objects.bulk_create(
        [Membership(kawasan=kawasan, site_id=pk) for pk in site_ids], ignore_conflicts=True
    )
    if kawasan.hub_id is None:
        _hubs_fill([kawasan.pk])
        kawasan.refresh_from_db(fields=["hub"])
    # Inside the transaction, as kawasan.membership does: receivers enqueue after commit.
    kawasan_changed.send(sender=Kawasan, kawasan=kawasan, user=user)
    return kawasan
