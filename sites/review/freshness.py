"""Stale sites: verified, open, and last verified longer ago than the freshness window."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Assignment, Role
from regions.models import Region

from ..models import OperatingStatus, ReviewState, ServiceType, Site


def freshness_days() -> int:
    return settings.KALTARA_FRESHNESS_DAYS


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
    def oldest(self) -> datetime:
        # Stale sites are verified ones (verified_at before the cutoff): each has the date.
        return min(s.verified_at for s in self.sites if s.verified_at is not None)


def stale_by_kelurahan(user, now: datetime | None = None) -> list[StaleGroup]:
    """Stale sites in the user's private scope, per kelurahan, most overdue kelurahan first."""
    sites = (
        sites_stale(Site.objects.private_to(user), now)
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
