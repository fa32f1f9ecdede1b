"""The provincial overview: the kota ranking, the kelurahan that improved most, the spread
of bands and each kota's score by month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg
from django.utils.translation import gettext as _

from regions.models import Level
from scoring import core, explain
from scoring import selectors as scoring_selectors
from scoring.models import ScoreSnapshot
from scoring.policy import Policy

from .area import code_ancestor
from .charts import LIST_LIMIT, TREND_MONTHS, TrendChart, month_label, short_name, trend_chart
from .choropleth import legend


@dataclass
class ProvinceOverview:
    kota: list[scoring_selectors.RegionScore]
    most_improved: list[scoring_selectors.RegionScore]
    band_counts: list[tuple[str, int]]
    no_kawasan: int
    kelurahan_count: int
    trend: TrendChart
    last_snapshot: date | None
    explanation: explain.ScoreExplanation
    comparison: explain.Comparison  # the change, most improved and trend compare with
    legend: list[tuple[str, str]]  # the score map's classes


def province_overview(
    *, policy: Policy | None = None, now: datetime | None = None
) -> ProvinceOverview:
    """Kota ranking, the kelurahan that improved most, the band spread and the trend."""
    policy = policy or scoring_selectors.policy_active().as_policy()
    kota = scoring_selectors.region_scores(Level.KABKOTA, policy=policy)
    kelurahan = scoring_selectors.region_scores(Level.KELURAHAN, policy=policy)
    improved = sorted(
        (r for r in kelurahan if r.change is not None and r.change > 0),
        key=lambda r: (-(r.change or 0), r.code),  # never None here: filtered above
    )[:LIST_LIMIT]
    counts: dict[str, int] = defaultdict(int)
    for r in kelurahan:
        if not r.no_kawasan:
            counts[r.band] += 1
    bands = [policy.band_below, *[name for _b, name in sorted(policy.bands)]]
    trend, last = province_trend(kota, [r.code for r in kelurahan], policy)
    return ProvinceOverview(
        kota=kota,
        most_improved=improved,
        band_counts=[(b, counts.get(b, 0)) for b in bands],
        no_kawasan=sum(1 for r in kelurahan if r.no_kawasan),
        kelurahan_count=len(kelurahan),
        trend=trend,
        last_snapshot=last,
        explanation=explain.explanation(policy),
        comparison=explain.comparison(kelurahan[0].snapshot_month if kelurahan else last, now=now),
        legend=legend(policy),
    )


def province_trend(
    kota: list[scoring_selectors.RegionScore], kelurahan_codes: list[str], policy: Policy
) -> tuple[TrendChart, date | None]:
    """Each kota's score by month from the snapshots, then today's.

    Rolled up the way region_scores does: a kelurahan without a snapshot counts 0, a
    kecamatan is the mean of its kelurahan, a kota the mean of its kecamatan.
    """
    rows = (
        ScoreSnapshot.objects.filter(kawasan__region__level=Level.KELURAHAN)
        .values("month", "kawasan__region_id")
        .annotate(mean=Avg("total"))
        .values_list("month", "kawasan__region_id", "mean")
        .order_by()
    )
    per_month: dict[date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    kelurahan_mean: dict[tuple[date, str], float] = {}
    for month, code, mean in rows:
        kelurahan_mean[(month, code)] = mean
    months = sorted({m for m, _c in kelurahan_mean})[-TREND_MONTHS:]
    for month in months:
        for code in kelurahan_codes:
            per_month[month][code_ancestor(code, 2)].append(kelurahan_mean.get((month, code), 0.0))
    series = []
    for r in kota:
        values: list[float | None] = []
        for month in months:
            kecamatan_means = [
                sum(v) / len(v)
                for k, v in per_month[month].items()
                if code_ancestor(k, 1) == r.code
            ]
            values.append(
                core.round_total(sum(kecamatan_means) / len(kecamatan_means))
                if kecamatan_means
                else None
            )
        values.append(r.score)
        series.append((short_name(r.name), values))
    labels = [month_label(m) for m in months] + [_("kini")]
    return trend_chart(labels, series, policy=policy, width=560, height=220), (
        months[-1] if months else None
    )
