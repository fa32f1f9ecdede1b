"""Small SVG charts, computed here and drawn by templates/dashboard/_*.svg.html.

Bars for shares (score components, coverage per cluster, a sector's coverage), score
lines over months, and a schematic map of a kawasan for print. Plain values in, plain
values out: no queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from scoring.explain import COMPONENT_LABELS, COMPONENTS
from scoring.policy import Policy
from web.colors import ink_on

# How many rows a dashboard list shows, how many months a trend.
LIST_LIMIT = 10
TREND_MONTHS = 12


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float  # 0..1
    text: str  # the value as shown
    y: float
    width: float  # bar length in px
    color: str


@dataclass(frozen=True)
class BarChart:
    rows: list[BarRow]
    width: int
    height: int
    label_width: int
    bar_max: int
    row_height: int
    target: float | None = None  # a vertical marker (share 0..1), e.g. the Utama target
    target_x: float | None = None


def bar_chart(
    items: list[tuple[str, float]],
    *,
    width: int = 320,
    label_width: int = 120,
    row_height: int = 22,
    color: str = "#0f766e",
    percent: bool = True,
    target: float | None = None,
) -> BarChart:
    """Horizontal bars for values 0..1 (components, coverage per cluster, sector shares)."""
    bar_max = width - label_width - 48
    rows = []
    for i, (label, value) in enumerate(items):
        value = max(0.0, min(1.0, float(value or 0.0)))
        rows.append(
            BarRow(
                label=str(label),
                value=value,
                text=f"{value * 100:.0f}%" if percent else f"{value:.2f}",
                y=i * row_height,
                width=round(value * bar_max, 1),
                color=color,
            )
        )
    return BarChart(
        rows=rows,
        width=width,
        height=max(row_height, len(rows) * row_height),
        label_width=label_width,
        bar_max=bar_max,
        row_height=row_height,
        target=target,
        target_x=label_width + target * bar_max if target is not None else None,
    )


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class TrendSeries:
    name: str
    color: str
    points: list[TrendPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    series: list[TrendSeries]
    labels: list[tuple[str, float]]  # month label, x
    gridlines: list[tuple[str, float]]  # value label, y
    bands: list[tuple[str, float]]  # band name, y of its lower bound (inside the range)
    width: int
    height: int
    left: int
    plot_height: int

    @property
    def is_empty(self) -> bool:
        return not any(len(s.points) for s in self.series)

    @property
    def has_trend(self) -> bool:
        """True when a line can be drawn: a single point per series says nothing yet."""
        return any(len(s.points) > 1 for s in self.series)


SERIES_COLORS = ("#0f766e", "#1d4ed8", "#b45309", "#7c3aed", "#be123c", "#475569")


def trend_chart(
    months: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    policy: Policy | None = None,
    width: int = 480,
    height: int = 180,
) -> TrendChart:
    """Score lines over months (0..1000 scaled to the highest value, in steps of 100)."""
    left, bottom, top, right = 36, 22, 8, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _name, vals in series for v in vals if v is not None]
    y_max = max(100.0, math.ceil(max(values, default=0.0) / 100.0) * 100.0)
    y_max = min(y_max, 1000.0)

    def x_at(i: int) -> float:
        return round(left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2), 1)

    def y_at(v: float) -> float:
        return round(top + plot_h * (1 - min(v, y_max) / y_max), 1)

    step = 100.0 if y_max <= 500 else 200.0
    gridlines = [(f"{v:.0f}", y_at(v)) for v in _frange(0.0, y_max, step)]
    bands = []
    if policy is not None:
        bands = [(name, y_at(bound)) for bound, name in sorted(policy.bands) if bound <= y_max]
    drawn = []
    for i, (name, vals) in enumerate(series):
        points = [
            TrendPoint(label=months[j], value=v, x=x_at(j), y=y_at(v))
            for j, v in enumerate(vals)
            if v is not None
        ]
        drawn.append(
            TrendSeries(name=name, color=SERIES_COLORS[i % len(SERIES_COLORS)], points=points)
        )
    return TrendChart(
        series=drawn,
        labels=[(m, x_at(j)) for j, m in enumerate(months)],
        gridlines=gridlines,
        bands=bands,
        width=width,
        height=height,
        left=left,
        plot_height=plot_h + top,
    )


def _frange(start: float, stop: float, step: float):
    value = start
    while value <= stop + 1e-9:
        yield value
        value += step


def short_name(name: str) -> str:
    """'Kota Administrasi Jakarta Timur' -> 'Jakarta Timur', for chart legends."""
    for prefix in ("Kota Administrasi ", "Kabupaten Administrasi "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def month_label(month: date) -> str:
    return month.strftime("%m/%y")


def components_chart(breakdown) -> BarChart:
    """The four components of a score (a Breakdown, a KawasanScore or a dict of means)."""

    def get(name):
        return breakdown.get(name, 0.0) if isinstance(breakdown, dict) else getattr(breakdown, name)

    return bar_chart([(str(COMPONENT_LABELS[key]), get(key)) for key in COMPONENTS])


# --- a schematic map for print: the sites, links, walking circle and boundary as SVG ---


def schematic_map(map_data: dict, rings, *, size: int = 420) -> dict | None:
    """Project lon/lat onto a square of `size` px (equirectangular, metres kept square).

    Returns points, link lines, the hub circle and the boundary path for the SVG template.
    """
    lons, lats = [], []
    for m in map_data["members"]:
        lons.append(m["lon"])
        lats.append(m["lat"])
    for ring in rings or ():
        for lon, lat in ring:
            lons.append(lon)
            lats.append(lat)
    hub = map_data["hub"]
    radius_deg = map_data["radius"] / 111_195.0
    if hub:
        lats += [hub["lat"] - radius_deg, hub["lat"] + radius_deg]
        kx = math.cos(math.radians(hub["lat"]))
        lons += [hub["lon"] - radius_deg / kx, hub["lon"] + radius_deg / kx]
    if not lons:
        return None
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    span = max((max(lons) - min(lons)) * kx, max(lats) - min(lats), 1e-4)
    pad = 12
    scale = (size - 2 * pad) / span
    min_lon, max_lat = min(lons), max(lats)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(pad + (lon - min_lon) * kx * scale, 1),
            round(pad + (max_lat - lat) * scale, 1),
        )

    points = {m["id"]: (*xy(m["lon"], m["lat"]), m) for m in map_data["members"]}
    paths = []
    for ring in rings or ():
        coords = [xy(lon, lat) for lon, lat in ring]
        paths.append("M" + " L".join(f"{x},{y}" for x, y in coords) + " Z")
    lines = [
        (*points[link["a"]][:2], *points[link["b"]][:2])
        for link in map_data["links"]
        if link["a"] in points and link["b"] in points
    ]
    circle = None
    if hub:
        cx, cy = xy(hub["lon"], hub["lat"])
        circle = (cx, cy, round(radius_deg * scale, 1))
    return {
        "size": size,
        "paths": paths,
        "lines": lines,
        "circle": circle,
        "points": [
            {
                "x": x,
                "y": y,
                "icon": m["icon"],
                "color": m["color"],
                "ink": m.get("ink") or ink_on(m["color"]),
                "hub": m["hub"],
                "name": m["name"],
            }
            for x, y, m in points.values()
        ],
    }
