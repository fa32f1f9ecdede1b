"""The suku dinas dashboard: per sector grant, the review backlog and the sector's coverage.

A fixed number of queries per grant, whatever the size of the kota; sector_version is what
its cached panels are keyed by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Sector
from regions.models import Level, Region, subtree_q
from sites.models import (
    PendingChange,
    PendingChangeApproval,
    PendingChangeState,
    ReviewState,
    ServiceType,
    Site,
)
from sites.review import freshness, queue
from web.fragments import Signature, fingerprint, row_compiled_once, signature

from .access import sector_grants
from .charts import LIST_LIMIT, BarChart, bar_chart

# The Utama field verification expects about 75% of health services and 90% of schools to
# be child-friendly (domain.md); a sector not listed here shows its share without a target.
SECTOR_TARGETS = {
    "kesehatan": (("puskesmas",), 0.75),
    "pendidikan": (("sd", "smp", "sma", "smk", "slb"), 0.90),
}


@dataclass
class KecamatanCoverage:
    code: str
    name: str
    total: int
    verified: int
    fresh: int

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0


@dataclass
class SectorPanel:
    sector: Sector
    kota: Region
    backlog: int  # submitted sites
    overdue: int
    changes: int  # pending changes of verified sites
    changes_overdue: int
    oldest: list[Site]
    type_names: list[str]
    target: float | None
    total: int
    verified: int
    fresh: int
    by_kecamatan: list[KecamatanCoverage]
    chart: BarChart

    @property
    def share(self) -> float:
        return self.fresh / self.total if self.total else 0.0

    @property
    def meets_target(self) -> bool | None:
        return None if self.target is None else self.share >= self.target


def _has_type(**lookups):
    # Exists keeps one row per site when several of its types match.
    return Exists(Site.types.through.objects.filter(site_id=OuterRef("pk"), **lookups))


def sector_dashboard(user, *, now=None) -> list[SectorPanel]:
    """One panel per suku dinas grant: the review backlog and the sector's coverage.

    The backlog is the sector's submitted sites in the kota (overdue: waiting longer than
    the review workflow's KALTARA_REVIEW_OVERDUE_DAYS), with the pending changes of verified
    sites beside it. Coverage is the share of the sector's open sites (for health the
    puskesmas, for education the schools) verified within the freshness window, by
    kecamatan. Five queries per grant (six for a sector without targets) plus three.
    """
    now = now or timezone.now()
    grants = sector_grants(user)
    if not grants:
        return []
    fresh_after = freshness.stale_cutoff(now)
    overdue_before = now - timedelta(days=queue.overdue_days())
    sectors = Sector.objects.in_bulk({g.sector_id for g in grants})
    codes = {g.region_code for g in grants}
    regions = {
        r.code: r
        for r in Region.objects.filter(
            Q(code__in=codes) | Q(parent_id__in=codes, level=Level.KECAMATAN)
        ).only("code", "name", "level", "parent_id")
    }
    all_type_names = dict(ServiceType.objects.values_list("code", "name"))
    panels = []
    for grant in sorted(grants, key=lambda g: (g.region_code, g.sector_id)):
        sector_id = grant.sector_id
        assert sector_id is not None  # sector_grants keeps only grants limited to a sector
        sector = sectors[sector_id]
        in_kota = Site.objects.filter(subtree_q("kelurahan__code", grant.region_code))
        of_sector = in_kota.filter(_has_type(servicetype__sector_id=sector_id))
        submitted = of_sector.filter(review_state=ReviewState.SUBMITTED)
        backlog = submitted.aggregate(
            n=Count("pk"), overdue=Count("pk", filter=Q(submitted_at__lt=overdue_before))
        )
        # Changes routed to this sector (current or proposed types) that it has still to approve.
        routed = PendingChange.objects.filter(
            Q(sectors=sector_id) | Q(site__types__sector=sector_id)
        ).values("pk")
        changes = (
            PendingChange.objects.filter(
                pk__in=routed, state=PendingChangeState.PENDING, site__in=in_kota.values("pk")
            )
            .exclude(approvals__sector_id=sector_id)
            .aggregate(
                n=Count("pk"), overdue=Count("pk", filter=Q(submitted_at__lt=overdue_before))
            )
        )
        oldest = list(
            submitted.select_related("kelurahan")
            .only("pk", "name", "submitted_at", "kelurahan__name", "kelurahan__code")
            .order_by("submitted_at", "pk")[:LIST_LIMIT]
        )
        target_types, target = SECTOR_TARGETS.get(sector.code, ((), None))
        counted = (
            in_kota.filter(_has_type(servicetype__code__in=target_types))
            if target_types
            else of_sector
        ).live()
        verified_q = Q(review_state=ReviewState.VERIFIED)
        rows = (
            counted.values("kelurahan__parent_id")
            .annotate(
                total=Count("pk"),
                verified=Count("pk", filter=verified_q),
                fresh=Count("pk", filter=verified_q & Q(verified_at__gte=fresh_after)),
            )
            .order_by()
        )
        by_kecamatan = [
            KecamatanCoverage(
                code=row["kelurahan__parent_id"],
                name=regions[row["kelurahan__parent_id"]].name
                if row["kelurahan__parent_id"] in regions
                else row["kelurahan__parent_id"],
                total=row["total"],
                verified=row["verified"],
                fresh=row["fresh"],
            )
            for row in rows
        ]
        by_kecamatan.sort(key=lambda r: r.code)
        if target_types:
            type_names = [all_type_names.get(c, c) for c in target_types]
        else:
            type_names = list(
                ServiceType.objects.filter(sector_id=sector_id).values_list("name", flat=True)
            )
        panels.append(
            SectorPanel(
                sector=sector,
                kota=regions[grant.region_code],
                backlog=backlog["n"],
                overdue=backlog["overdue"],
                changes=changes["n"],
                changes_overdue=changes["overdue"],
                oldest=oldest,
                type_names=type_names,
                target=target,
                total=sum(r.total for r in by_kecamatan),
                verified=sum(r.verified for r in by_kecamatan),
                fresh=sum(r.fresh for r in by_kecamatan),
                by_kecamatan=by_kecamatan,
                chart=bar_chart(
                    [(r.name, r.share) for r in by_kecamatan], label_width=140, target=target
                ),
            )
        )
    return panels


def sector_version(user, *, now=None) -> str:
    """The version of the user's sector panels: the sites and pending changes of the kotas
    of their grants, the catalogue, and the minute (overdue and fresh move with time)."""
    now = now or timezone.now()
    grants = sector_grants(user)
    if not grants:
        return "-"

    def build():
        in_kotas = Q(pk__in=[])
        for grant in grants:
            in_kotas |= subtree_q("kelurahan__code", grant.region_code)
        sites = Site.objects.filter(in_kotas)
        changes = PendingChange.objects.filter(site__in=sites.values("pk"))
        approvals = PendingChangeApproval.objects.filter(change__site__in=sites.values("pk"))
        sign = signature
        count = ("COUNT", "pk")
        any_sector = grants[0].sector_id  # the one row the signature is read from
        assert any_sector is not None  # sector_grants keeps only grants limited to a sector
        return (
            Sector.objects.filter(pk=any_sector)
            .order_by()
            .annotate(
                _v=Signature(
                    (None, sign(sites, count, ("MAX", "updated_at"), ("SUM", "version"))),
                    (None, sign(changes, count, ("MAX", "pk"), ("SUM", "version"))),
                    (None, sign(approvals, count, ("MAX", "pk"))),
                    (None, sign(ServiceType.objects.all(), count)),
                )
            )
            .values_list("_v")
        )

    row = row_compiled_once(("sector", tuple(sorted(grants, key=repr))), build)
    minute = timezone.localtime(now).strftime("%Y%m%d%H%M")
    return fingerprint(
        row[0] if row else "-", minute, queue.overdue_days(), freshness.freshness_days()
    )
