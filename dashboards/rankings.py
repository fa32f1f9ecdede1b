"""Rankings of kota, kecamatan and kelurahan: the table, its filters and its cache key.

Scores roll up in Python (scoring.selectors.region_scores: mean of means), so the rows to
filter are plain RegionScore objects, not a queryset. The FilterSet below validates the
query string like any django-filter form and applies its filters to those rows; ranks stay
those of the whole province, a filter only narrows the view.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cached_property

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regions.models import Level, Region
from scoring import explain
from scoring.policy import Policy
from scoring.selectors import RegionScore, policy_active, region_scores
from web.fragments import cache_key

LEVELS = {
    "kota": Level.KABKOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
}
# Under the score column's heading, per level: what its score is the mean of (scoring.md).
MEAN_LABELS = {
    "kota": _("rata-rata kecamatan"),
    "kecamatan": _("rata-rata kelurahan"),
    "kelurahan": _("rata-rata kawasan"),
}
LEVEL_LABELS = {
    "kota": _("Kota/kabupaten"),
    "kecamatan": _("Kecamatan"),
    "kelurahan": _("Kelurahan"),
}

# Data confidence: the share of member sites verified and fresh. Below a quarter the score
# rests mostly on unassessed registrations.
CONFIDENCE_MARKS = (
    (0.6, "tinggi", _("tinggi")),
    (0.25, "sedang", _("sedang")),
    (0.0, "rendah", _("rendah")),
)


def confidence_mark(confidence: float) -> str:
    for bound, slug, _label in CONFIDENCE_MARKS:
        if confidence >= bound:
            return slug
    return "rendah"


CONFIDENCE_LABELS = {slug: label for _b, slug, label in CONFIDENCE_MARKS}


# --- the rankings table ----------------------------------------------------------------


class RankingRows(list):
    """A list of RegionScore that FilterSet accepts in place of a queryset."""

    model = Region

    def all(self):
        return RankingRows(self)


SORTS = {
    "peringkat": (_("Peringkat"), lambda r: (r.rank, r.code)),
    "nama": (_("Nama"), lambda r: (r.name, r.code)),
    "-perubahan": (
        _("Kenaikan terbesar"),
        lambda r: (r.change is None, -(r.change or 0.0), r.rank, r.code),
    ),
    "perubahan": (
        _("Penurunan terbesar"),
        lambda r: (r.change is None, r.change or 0.0, r.rank, r.code),
    ),
    "-keyakinan": (_("Keyakinan data tertinggi"), lambda r: (-r.confidence, r.rank, r.code)),
    "keyakinan": (_("Keyakinan data terendah"), lambda r: (r.confidence, r.rank, r.code)),
}


CHANGE_SORTS = ("-perubahan", "perubahan")


def _kota_choices():
    return list(
        Region.objects.filter(level=Level.KABKOTA).order_by("code").values_list("code", "name")
    )


def _band_choices(policy: Policy):
    names = [policy.band_below, *[n for _b, n in sorted(policy.bands)]]
    return [(n, n) for n in names] + [("-", _("Belum ada kawasan"))]


class RankingFilter(django_filters.FilterSet):
    kota = django_filters.ChoiceFilter(
        label=_("Kota/kabupaten"), method="filter_kota", empty_label=_("Semua kota")
    )
    predikat = django_filters.ChoiceFilter(
        label=_("Predikat"), method="filter_band", empty_label=_("Semua predikat")
    )
    keyakinan = django_filters.ChoiceFilter(
        label=_("Keyakinan data"),
        method="filter_confidence",
        choices=[(slug, label) for _b, slug, label in CONFIDENCE_MARKS],
        empty_label=_("Semua"),
    )
    urut = django_filters.ChoiceFilter(
        label=_("Urutkan"),
        method="sort",
        choices=[(key, label) for key, (label, _k) in SORTS.items()],
        empty_label=None,
    )

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        policy=None,
        comparable: bool = True,
    ):
        if not comparable and data is not None and data.get("urut") in CHANGE_SORTS:
            # Before the first snapshot every change is unknown: such a sort is the rank's
            # order, and is not offered; asked for anyway, it quietly gives way.
            data = data.copy()
            data.pop("urut")
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["kota"].extra["choices"] = _kota_choices()
        self.filters["predikat"].extra["choices"] = _band_choices(
            policy or policy_active().as_policy()
        )
        if not comparable:
            self.filters["urut"].extra["choices"] = [
                (key, label) for key, (label, _k) in SORTS.items() if key not in CHANGE_SORTS
            ]

    def filter_queryset(self, queryset):
        # The rows are a list: run each filter's method without django-filter's
        # QuerySet assertion, sorting last.
        data = self.form.cleaned_data
        for name in ("kota", "predikat", "keyakinan"):
            if data.get(name) not in (None, ""):
                queryset = self.filters[name].filter(queryset, data[name])
        return self.sort(queryset, "urut", data.get("urut") or "peringkat")

    def filter_kota(self, rows, name, value):
        return RankingRows(r for r in rows if r.code == value or r.code.startswith(value + "."))

    def filter_band(self, rows, name, value):
        if value == "-":
            return RankingRows(r for r in rows if r.no_kawasan)
        return RankingRows(r for r in rows if r.band == value and not r.no_kawasan)

    def filter_confidence(self, rows, name, value):
        return RankingRows(r for r in rows if confidence_mark(r.confidence) == value)

    def sort(self, rows, name, value):
        _label, key = SORTS.get(value or "peringkat", SORTS["peringkat"])
        return RankingRows(sorted(rows, key=key))


def ranking_rows(level_key: str, data, *, policy: Policy | None = None):
    """(filterset, rows) for a level key of LEVELS and the query string."""
    filterset, rows, _month = _ranking(level_key, data, policy or policy_active().as_policy())
    return filterset, rows


def _ranking(level_key: str, data, policy: Policy):
    """(filterset, rows shown, month of the snapshot the changes compare with)."""
    rows = RankingRows(region_scores(LEVELS[level_key], policy=policy))
    month = snapshot_month(rows)
    filterset = RankingFilter(
        data or None, queryset=rows, policy=policy, comparable=month is not None
    )
    if filterset.is_bound and not filterset.is_valid():
        return filterset, RankingRows(sorted(rows, key=SORTS["peringkat"][1])), month
    return filterset, filterset.qs, month


def snapshot_month(rows: list[RegionScore]) -> date | None:
    """The month of the snapshot the rows' changes compare with (None before the first)."""
    return rows[0].snapshot_month if rows else None


class RankingPage:
    """The rankings table of one query string, read on first use (see views.ranking_list)."""

    def __init__(self, level_key: str, data, *, now: datetime | None = None):
        self.level_key = level_key
        self.data = data
        self.now = now

    @cached_property
    def policy(self) -> Policy:
        return policy_active().as_policy()

    @cached_property
    def _result(self):
        return _ranking(self.level_key, self.data, self.policy)

    @cached_property
    def explanation(self) -> explain.ScoreExplanation:
        return explain.explanation(self.policy)

    @cached_property
    def comparison(self) -> explain.Comparison:
        # Read from every row of the level, before the filters: all name the same snapshot.
        return explain.comparison(self._result[2], now=self.now)

    @property
    def mean_label(self) -> str:
        """Under the score column's heading: what a score of this level is the mean of."""
        return str(MEAN_LABELS[self.level_key])

    @property
    def filterset(self) -> RankingFilter:
        return self._result[0]

    @cached_property
    def rows(self) -> list[tuple[RegionScore, str, str]]:
        return [(r, region_url(r), confidence_mark(r.confidence)) for r in self._result[1]]


# What the page's own links and form send: a cache key is made only of these values, so a
# query string of anything else cannot fill the cache (it renders uncached).
_PAGE_PARAMS = {
    "tingkat": re.compile(r"(kota|kecamatan|kelurahan)"),
    "kota": re.compile(r"[0-9.]{0,13}"),
    "predikat": re.compile(r"[\w -]{0,40}"),
    "keyakinan": re.compile(r"(tinggi|sedang|rendah)?"),
    "urut": re.compile("(" + "|".join(re.escape(k) for k in SORTS) + ")?"),
}


def ranking_page_key(version: str, query) -> str | None:
    """The cache key of the rankings page for a query string, or None to render it uncached."""
    items = list(query.lists())
    for name, values in items:
        pattern = _PAGE_PARAMS.get(name)
        if pattern is None or len(values) != 1 or not pattern.fullmatch(values[0]):
            return None
    return cache_key("rankings", version, items)


def region_url(row: RegionScore) -> str:
    """Where a ranking row or a map area leads: the area dashboard, or a kota's kecamatan."""
    if row.level == Level.KABKOTA:
        return reverse("kaltara:rankings") + f"?tingkat=kecamatan&kota={row.code}"
    return reverse("kaltara:dashboard_area", args=[row.code])
