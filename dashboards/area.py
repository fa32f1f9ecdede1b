"""The territorial dashboard of a kelurahan or kecamatan (lurah, camat; the province may
open any), and the versions its cached parts are keyed by.

Every part is read on first use through the user's scoped querysets, in a fixed number of
queries whatever the size of the territory; a page whose fragments come from the cache
reads only area_region (the region and its versions, one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import (
    Avg,
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scoping
from kawasan.models import Kawasan, Membership
from regions.models import Level, Region, subtree_q
from scoring import explain
from scoring import selectors as scoring_selectors
from scoring.models import KawasanScore, ScoreSnapshot, ScoringPolicy
from scoring.policy import Policy
from sites.models import ReviewState, Site, SiteLink
from sites.review import freshness
from web.fragments import Signature, fingerprint, row_compiled_once, signature

from .charts import (
    LIST_LIMIT,
    TREND_MONTHS,
    BarChart,
    TrendChart,
    components_chart,
    month_label,
    trend_chart,
)
from .reports import KawasanReport, kawasan_reports, next_band
from .versions import data_version_signature

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AREA_LEVELS = (Level.KELURAHAN, Level.KECAMATAN)


@dataclass
class KawasanCard:
    kawasan: Kawasan
    score: KawasanScore | None
    next_band: str | None
    points_to_next: float | None
    next_text: str = ""  # "Pratama mulai 500, kurang 306,0 poin"

    @property
    def total(self) -> float | None:
        return self.score.total if self.score else None


@dataclass
class ComparisonRow:
    region: scoring_selectors.RegionScore
    components: BarChart | None
    url: str


class AreaDashboard:
    """The dashboard of a kelurahan or kecamatan; `kawasan_pk` is the one shown in detail.

    Without it, the detail shows the region's own base kawasan, else the first; reading
    `kawasan` (or what depends on it) raises Kawasan.DoesNotExist when kawasan_pk is not a
    kawasan of the region. Every part is read on first use, so a page whose fragments
    come from the cache reads none of them.
    """

    def __init__(
        self,
        user,
        region: Region,
        *,
        kawasan_pk: int | None = None,
        policy: Policy | None = None,
        today: date | None = None,
        now: datetime | None = None,
    ):
        self.user = user
        self.region = region
        self.kawasan_pk = kawasan_pk
        self._policy = policy
        self.now = now or timezone.now()
        self.today = today or timezone.localdate(self.now)

    @cached_property
    def policy(self) -> Policy:
        return self._policy or scoring_selectors.policy_active().as_policy()

    @cached_property
    def kawasans(self) -> list[Kawasan]:
        return list(kawasan_in_region(self.region.code))

    @cached_property
    def kawasan(self) -> Kawasan | None:
        if self.kawasan_pk is not None:
            if "kawasans" in self.__dict__:
                found = next((k for k in self.kawasans if k.pk == self.kawasan_pk), None)
            else:  # the detail alone: one row rather than the whole list
                found = kawasan_in_region(self.region.code).filter(pk=self.kawasan_pk).first()
            if found is None:
                raise Kawasan.DoesNotExist
            return found
        own_base = (k for k in self.kawasans if k.region_id == self.region.code and k.is_base)
        return next(own_base, self.kawasans[0] if self.kawasans else None)

    @cached_property
    def cards(self) -> list[KawasanCard]:
        cards = []
        for k in self.kawasans:
            score = getattr(k, "score", None)
            band, points = next_band(score.total, self.policy) if score else (None, None)
            text = explain.next_band_short(score.total, self.policy) if score else ""
            cards.append(KawasanCard(k, score, band, points, text))
        return cards

    @cached_property
    def explanation(self) -> explain.ScoreExplanation:
        return explain.explanation(self.policy)

    @cached_property
    def snapshot(self) -> explain.Comparison:
        """What the region's change is measured against (or when the first one comes)."""
        month = self.rank.snapshot_month if self.rank else None
        return explain.comparison(month, now=self.now)

    @property
    def trend_note(self) -> str:
        """Instead of a trend of one point: when the kawasan's first snapshot is due. Not
        read from the rank (the trend's fragment is cached apart from the head's)."""
        return explain.comparison(None, now=self.now).pending_trend

    @property
    def mean_label(self) -> str:
        """ "rata-rata 2 kawasan": the region's score is a mean (empty without a rank)."""
        return explain.mean_label(self.rank.level, self.rank.mean_of) if self.rank else ""

    @property
    def next_band_text(self) -> str:
        return explain.next_band_line(self.rank.score, self.policy) if self.rank else ""

    @cached_property
    def selected(self) -> KawasanReport | None:
        if self.kawasan is None:
            return None
        return kawasan_reports([self.kawasan], self.user, policy=self.policy, today=self.today)[0]

    @cached_property
    def trend(self) -> TrendChart:
        if self.kawasan is None:
            return trend_chart([], [])
        return _kawasan_trend(self.kawasan, self.selected, self.policy)

    @cached_property
    def _ranking(self) -> list[scoring_selectors.RegionScore]:
        # Rank among the regions of the same level in the kota.
        kota = code_ancestor(self.region.code, 1)
        return scoring_selectors.region_scores(self.region.level, kota, policy=self.policy)

    @cached_property
    def rank(self) -> scoring_selectors.RegionScore | None:
        return next((r for r in self._ranking if r.code == self.region.code), None)

    @property
    def rank_of(self) -> int:  # how many regions the rank is among
        return len(self._ranking)

    @cached_property
    def rank_parent(self) -> Region | None:
        kota = code_ancestor(self.region.code, 1)
        return Region.objects.only("code", "name", "level").filter(code=kota).first()

    @cached_property
    def _territory(self) -> QuerySet[Site]:
        return Site.objects.private_to(self.user).filter(
            subtree_q("kelurahan__code", self.region.code)
        )

    @cached_property
    def state_counts(self) -> list[tuple[str, StrOrPromise, int]]:  # review state, label, number
        counts = dict(
            self._territory.values("review_state")
            .annotate(n=Count("pk"))
            .values_list("review_state", "n")
            .order_by()
        )
        return [
            (state, label, counts[state])
            for state, label in ReviewState.choices
            if counts.get(state)
        ]

    @cached_property
    def stale_count(self) -> int:
        # Verified longer ago than the review workflow's freshness window, and still open.
        return freshness.sites_stale(self._territory).count()

    @cached_property
    def stale_sites(self) -> list[Site]:
        return list(
            freshness.sites_stale(self._territory)
            .only("pk", "name", "verified_at", "kelurahan_id")
            .order_by("verified_at", "name")[:LIST_LIMIT]
        )

    @cached_property
    def pending_sites(self) -> list[Site]:
        return list(
            self._territory.filter(review_state__in=[ReviewState.SUBMITTED, ReviewState.RETURNED])
            .only("pk", "name", "review_state", "updated_at", "kelurahan_id")
            .order_by("updated_at")[:LIST_LIMIT]
        )

    @cached_property
    def comparison(self) -> list[ComparisonRow]:
        if self.region.level != Level.KECAMATAN:
            return []
        return kelurahan_comparison(self.region.code, self.policy)


def kawasan_in_region(code: str) -> QuerySet[Kawasan]:
    """The kawasan of a region and of every region below it, with their stored scores."""
    return (
        Kawasan.objects.filter(subtree_q("region__code", code))
        .select_related("region", "hub", "score")
        .defer("region__boundary", "region__centroid", "hub__location")
        .order_by("region_id", "-is_base", "name", "pk")
    )


# --- versions: what the cached parts of the dashboard are keyed by ----------------------


@dataclass(frozen=True)
class AreaVersions:
    data: str  # versions.data_version(): the stored scores, kawasan, snapshots, catalogue
    kawasan_pk: int | None  # the kawasan shown in detail (None: the region has none)
    kawasan: str  # everything the live report of that kawasan reads
    territory: str  # the sites of the region in the user's private scope


_REGION_FIELDS = ("code", "name", "level", "parent_id")


def area_region(user, code: str, kawasan_pk: int | None) -> tuple[Region, AreaVersions] | None:
    """A kelurahan or kecamatan with the versions of its dashboard's parts, in one query.

    None when there is no such region; versions.kawasan_pk is None when kawasan_pk is not
    a kawasan of it (or it has none). The versions are read before any data they cover
    (see web.fragments): the scores, the kawasan shown in detail (kawasan_signature), and the
    sites of the region in the user's private scope (count, last edit, sum of versions:
    every site write bumps its version and updated_at). The query's SQL depends on the
    region, the kawasan asked for and the grants only: it is compiled once per process.
    """
    grants = tuple(sorted(scoping.grants_for(user), key=repr))

    def build():
        territory = Site.objects.private_to(user).filter(subtree_q("kelurahan__code", code))
        return (
            Region.objects.filter(code=code, level__in=AREA_LEVELS)
            .order_by()
            .annotate(
                _data=data_version_signature(),
                _kawasan=kawasan_signature(code, kawasan_pk),
                _territory=signature(
                    territory, ("COUNT", "pk"), ("MAX", "updated_at"), ("SUM", "version")
                ),
            )
            .values_list(*_REGION_FIELDS, "_data", "_kawasan", "_territory")
        )

    row = row_compiled_once(("area", code, kawasan_pk, grants), build)
    if row is None:
        return None
    *fields, data, kawasan, territory = row
    region = Region(**dict(zip(_REGION_FIELDS, fields, strict=True)))
    selected = int(kawasan.split("/", 1)[0]) if kawasan else None
    return region, AreaVersions(
        data=fingerprint(data),
        kawasan_pk=selected,
        kawasan=fingerprint(kawasan) if selected is not None else "-",
        territory=fingerprint(territory),
    )


def kawasan_signature(region_code: str, kawasan_pk: int | None) -> Subquery:
    """A subquery: the kawasan shown in detail (the given one, else the region's own base
    kawasan, else the first) as "<pk>/..." with what its live report reads.

    Its row (hub, edits), its stored score's time, its memberships, its member sites (any
    site edit bumps version and updated_at), their links, its monthly snapshots and the
    active policy (the catalogue is in versions.data_version_signature). NULL when none.
    """
    rows = Kawasan.objects.filter(subtree_q("region__code", region_code))
    if kawasan_pk is not None:
        rows = rows.filter(pk=kawasan_pk)
    else:
        own_base = Case(
            When(region_id=region_code, is_base=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        rows = rows.order_by(own_base, "region_id", "-is_base", "name", "pk")
    sign = signature
    count = ("COUNT", "pk")
    members = Membership.objects.filter(kawasan_id=OuterRef("pk"))
    links = SiteLink.objects.filter(site_a__memberships__kawasan_id=OuterRef("pk"))
    snapshots = ScoreSnapshot.objects.filter(kawasan_id=OuterRef("pk"))
    state = Signature(
        (None, "pk"),
        (None, "hub_id"),
        (None, "updated_at"),
        (None, "score__computed_at"),
        (
            None,
            sign(
                members,
                count,
                ("MAX", "pk"),
                ("MAX", "site__updated_at"),
                ("SUM", "site__version"),
            ),
        ),
        (None, sign(links, count, ("MAX", "pk"), ("COUNT", "end_date"), ("MAX", "end_date"))),
        (None, sign(snapshots, count, ("MAX", "created_at"))),
        # The live report and its texts (weights, bands) follow the active policy.
        (None, sign(ScoringPolicy.objects.filter(is_active=True), ("MAX", "version"))),
    )
    return Subquery(rows.annotate(_kawasan_sig=state).values("_kawasan_sig")[:1])


def code_ancestor(code: str, index: int) -> str:
    """The code at depth `index` of the path: 0 province, 1 kota, 2 kecamatan."""
    return ".".join(code.split(".")[: index + 1])


def _kawasan_trend(kawasan: Kawasan, report: KawasanReport | None, policy) -> TrendChart:
    rows = list(
        ScoreSnapshot.objects.filter(kawasan=kawasan)
        .order_by("-month")
        .values_list("month", "total")[:TREND_MONTHS]
    )
    rows.reverse()
    months = [month_label(m) for m, _total in rows]
    values: list[float | None] = [t for _m, t in rows]
    if report is not None:
        months.append(_("kini"))
        values.append(report.breakdown.total)
    return trend_chart(months, [(kawasan.name, values)], policy=policy)


def kelurahan_comparison(kecamatan_code: str, policy: Policy) -> list[ComparisonRow]:
    """Each kelurahan of a kecamatan with its score and the mean of its kawasan's components."""
    ranking = scoring_selectors.region_scores(Level.KELURAHAN, kecamatan_code, policy=policy)
    means = {
        row["kawasan__region_id"]: row
        for row in KawasanScore.objects.filter(
            subtree_q("kawasan__region__code", kecamatan_code),
            kawasan__region__level=Level.KELURAHAN,
        )
        .values("kawasan__region_id")
        .annotate(
            coverage=Avg("coverage"),
            connectivity=Avg("connectivity"),
            proximity=Avg("proximity"),
            freshness=Avg("freshness"),
        )
        .order_by()
    }
    return [
        ComparisonRow(
            region=r,
            components=components_chart(means[r.code]) if r.code in means else None,
            url=reverse("kaltara:dashboard_area", args=[r.code]),
        )
        for r in sorted(ranking, key=lambda r: r.code)
    ]
