"""The score in words: what each component means and weighs, the band ladder, the next band,
and what the monthly comparison compares with (or when it starts).

No database: every number comes from the Policy given (the active one on the pages), so a
new policy version changes the texts with it, and the snapshot dates from the beat schedule
(scoring.schedule). Texts are translated when built, in the language active at that moment:
build them while rendering, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from regions.models import Level

from . import core
from .policy import Policy
from .schedule import CELERY_BEAT_SCHEDULE

COMPONENTS = ("coverage", "connectivity", "proximity", "freshness")
COMPONENT_LABELS = {
    "coverage": gettext_lazy("Cakupan"),
    "connectivity": gettext_lazy("Keterhubungan"),
    "proximity": gettext_lazy("Kedekatan"),
    "freshness": gettext_lazy("Kebaruan"),
}
SNAPSHOT_TASK = "scoring.tasks.snapshot_monthly"


@dataclass(frozen=True)
class ComponentText:
    key: str  # one of COMPONENTS
    label: str
    weight: float  # 0..1, from the policy
    definition: str  # one line

    @property
    def percent(self) -> str:
        return percent(self.weight)

    @property
    def max_points(self) -> str:
        """The points a full component adds to the total (1000 x weight)."""
        return number(1000 * self.weight)


@dataclass(frozen=True)
class BandRung:
    name: str  # as stored with the scores ("Belum", "Pratama", ...)
    label: str  # as read: the band below the first bound is "Belum berpredikat"
    lower: float | None  # inclusive; None below the first bound
    text: str  # "Pratama: mulai 500", "Belum berpredikat: di bawah 500"
    range_text: str  # beside the band's chip: "mulai 500", "belum berpredikat, di bawah 500"


@dataclass(frozen=True)
class ScoreExplanation:
    version: str
    formula: str  # "Skor = 1000 × (0,45 × cakupan + ...)"
    components: tuple[ComponentText, ...]
    bands: tuple[BandRung, ...]
    aggregation: str  # how kelurahan, kecamatan and kota scores are made of kawasan scores


def number(value: float) -> str:
    """A score-like number in the active language: whole when whole, else one decimal."""
    value = core.round_total(value)
    return formats.number_format(value, 0 if value == int(value) else 1)


def percent(share: float) -> str:
    """0.45 -> "45%" (one decimal when needed)."""
    return f"{number(share * 100)}%"


def _weight(value: float) -> str:
    # Weights are shares with two decimals in the policy ("0,45"); three if ever finer.
    text = formats.number_format(value, 2)
    return text if round(value, 2) == value else formats.number_format(value, 3)


def _definitions(policy: Policy) -> dict[str, str]:
    expected = {code for items in policy.expected.values() for code, _req in items}
    edges = policy.connectivity_edge_share
    return {
        "coverage": _(
            "Kelengkapan %(types)s layanan yang diharapkan di lima klaster; situs "
            "terverifikasi dihitung penuh, yang baru terdaftar %(registered)s."
        )
        % {
            "types": len(expected),
            "registered": percent(policy.site_weights.get("registered", 0.0)),
        },
        "connectivity": _(
            "Pasangan klaster yang dihubungkan kerja sama antarsitus (%(edges)s) dan situs "
            "anggota yang terhubung langsung ke pusat (%(hub)s)."
        )
        % {"edges": percent(edges), "hub": percent(1 - edges)},
        "proximity": _(
            "Bagian situs anggota yang berada dalam %(distance)s m jalan kaki dari pusat kawasan."
        )
        % {"distance": formats.number_format(policy.hub_distance_m, 0, force_grouping=True)},
        "freshness": _(
            "Bagian situs anggota yang verifikasinya masih berlaku (dalam %(days)s hari terakhir)."
        )
        % {"days": policy.freshness_days},
    }


def components(policy: Policy) -> tuple[ComponentText, ...]:
    """Each component with its label, one-line definition and weight, in formula order."""
    definitions = _definitions(policy)
    return tuple(
        ComponentText(
            key=key,
            label=str(COMPONENT_LABELS[key]),
            weight=getattr(policy, f"weight_{key}"),
            definition=definitions[key],
        )
        for key in COMPONENTS
    )


def band_label(name: str, policy: Policy) -> str:
    """The band as read: the one below the first bound is not a band yet."""
    return _("Belum berpredikat") if name == policy.band_below else name


def bands(policy: Policy) -> tuple[BandRung, ...]:
    """The ladder, lowest first: the band below the first bound, then each band's bound."""
    bounds = policy.compiled.band_bounds
    below = _("Belum berpredikat")
    first = number(bounds[0][0]) if bounds else ""
    rungs = [
        BandRung(
            name=policy.band_below,
            label=below,
            lower=None,
            text=_("%(band)s: di bawah %(bound)s") % {"band": below, "bound": first},
            range_text=_("belum berpredikat, di bawah %(bound)s") % {"bound": first},
        )
    ]
    for bound, name in bounds:
        rungs.append(
            BandRung(
                name=name,
                label=name,
                lower=bound,
                text=_("%(band)s: mulai %(bound)s") % {"band": name, "bound": number(bound)},
                range_text=_("mulai %(bound)s") % {"bound": number(bound)},
            )
        )
    return tuple(rungs)


def explanation(policy: Policy) -> ScoreExplanation:
    parts = components(policy)
    terms = " + ".join(f"{_weight(c.weight)} × {c.label.lower()}" for c in parts)
    return ScoreExplanation(
        version=policy.version,
        formula=_("Skor = 1000 × (%(terms)s)") % {"terms": terms},
        components=parts,
        bands=bands(policy),
        aggregation=_(
            "Skor kelurahan: rata-rata dari kawasannya (tanpa kawasan: 0). Skor kecamatan: "
            "rata-rata kelurahannya. Skor kota: rata-rata kecamatannya."
        ),
    )


def _next_bound(total: float, policy: Policy) -> tuple[float, str] | None:
    for bound, name in policy.compiled.band_bounds:
        if bound > total:
            return bound, name
    return None


def next_band_short(total: float, policy: Policy) -> str:
    """ "Pratama mulai 500, kurang 168,2 poin", or "predikat tertinggi" at the top."""
    found = _next_bound(total, policy)
    if found is None:
        return _("predikat tertinggi")
    bound, name = found
    return _("%(band)s mulai %(bound)s, kurang %(points)s poin") % {
        "band": name,
        "bound": number(bound),
        "points": formats.number_format(core.round_total(bound - total), 1),
    }


def next_band_line(total: float, policy: Policy) -> str:
    """ "Belum berpredikat: Pratama mulai 500, kurang 168,2 poin" (the band now first)."""
    return _("%(band)s: %(next)s") % {
        "band": band_label(core.band_for(total, policy), policy),
        "next": next_band_short(total, policy),
    }


def mean_label(level: str, count: int) -> str:
    """What a region's score is the mean of: "rata-rata 2 kawasan" for a kelurahan."""
    if level == Level.KELURAHAN:
        text = ngettext("rata-rata %(n)s kawasan", "rata-rata %(n)s kawasan", count)
    elif level == Level.KECAMATAN:
        text = ngettext("rata-rata %(n)s kelurahan", "rata-rata %(n)s kelurahan", count)
    else:
        text = ngettext("rata-rata %(n)s kecamatan", "rata-rata %(n)s kecamatan", count)
    return text % {"n": count}


# --- the monthly snapshot ----------------------------------------------------------------


def next_snapshot(now: datetime | None = None) -> datetime:
    """When the monthly snapshot task is next due after `now`, read from the beat schedule
    (its crontab is in CELERY_TIMEZONE); aware, in that time zone."""
    entry = next(e for e in CELERY_BEAT_SCHEDULE.values() if e["task"] == SNAPSHOT_TASK)
    # The sets crontab expands its fields into (set in its __init__, unknown to its stubs).
    months, days, weekdays, hours, minutes = (
        getattr(entry["schedule"], name)
        for name in ("month_of_year", "day_of_month", "day_of_week", "hour", "minute")
    )
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    now = (now or timezone.now()).astimezone(zone)
    day = now.date()
    # Celery's crontab matches a day when month, day of month and weekday (0 = Sunday) all
    # match; any such schedule fires within four years (29 February).
    for _offset in range(4 * 366 + 1):
        if day.month in months and day.day in days and day.isoweekday() % 7 in weekdays:
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    if at > now:
                        return at
        day += timedelta(days=1)
    raise ValueError("The snapshot schedule never fires.")  # pragma: no cover


def day_text(day: date) -> str:
    """ "1 November 2026" in the active language."""
    return formats.date_format(day, "j F Y")


@dataclass(frozen=True)
class Comparison:
    """What a change in score is measured against: the last monthly snapshot, or, before the
    first one, when the first comparison appears."""

    month: date | None  # the last snapshot's month (its first day); None before the first
    due: datetime  # when the next snapshot is due (next_snapshot)

    @property
    def available(self) -> bool:
        return self.month is not None

    @property
    def label(self) -> str:
        """ "dibanding cuplikan bulanan 1 November 2026" (empty before the first)."""
        if self.month is None:
            return ""
        return _("dibanding cuplikan bulanan %(date)s") % {"date": day_text(self.month)}

    @property
    def due_text(self) -> str:
        return day_text(self.due.date())

    @property
    def pending(self) -> str:
        """The one line shown instead of changes and trends before the first snapshot."""
        return _(
            "Perubahan skor dan tren per bulan tampil setelah cuplikan bulanan pertama pada "
            "%(date)s."
        ) % {"date": self.due_text}

    @property
    def pending_province(self) -> str:
        return _(
            "Perubahan skor, kenaikan terbesar dan tren per bulan tampil setelah cuplikan "
            "bulanan pertama pada %(date)s."
        ) % {"date": self.due_text}

    @property
    def pending_trend(self) -> str:
        """For one kawasan without a snapshot yet (others may have theirs)."""
        return _("Tren per bulan kawasan ini tampil setelah cuplikan bulanan %(date)s.") % {
            "date": self.due_text
        }


def comparison(month: date | None, *, now: datetime | None = None) -> Comparison:
    return Comparison(month=month, due=next_snapshot(now))
