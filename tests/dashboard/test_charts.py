"""The small server-rendered charts and the print map: plain geometry, no database."""

import pytest

from dashboards.charts import bar_chart, schematic_map, trend_chart
from dashboards.reports import next_band
from scoring.policy import DEFAULT_POLICY


def test_it_scales_bars_to_their_share_and_clamps_out_of_range_values():
    chart = bar_chart([("a", 0.5), ("b", 1.7), ("c", -1), ("d", None)], width=300, target=0.75)
    assert [r.width for r in chart.rows] == [chart.bar_max / 2, chart.bar_max, 0, 0]
    assert [r.text for r in chart.rows] == ["50%", "100%", "0%", "0%"]
    assert chart.target_x == chart.label_width + 0.75 * chart.bar_max
    assert chart.height == 4 * chart.row_height


def test_it_scales_trends_to_the_highest_value_and_marks_bands_inside_it():
    chart = trend_chart(
        ["04/25", "05/25", "kini"], [("A", [120.0, None, 250.0])], policy=DEFAULT_POLICY
    )
    (series,) = chart.series
    assert [p.label for p in series.points] == ["04/25", "kini"]  # a missing month is skipped
    top = chart.gridlines[-1]
    assert top[0] == "300"  # 250 rounds up to the next hundred
    assert chart.bands == []  # Pratama (500) is above the range
    high = trend_chart(["x"], [("A", [650.0])], policy=DEFAULT_POLICY)
    assert [name for name, _y in high.bands] == ["Pratama", "Madya"]
    assert trend_chart([], []).is_empty


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0.0, ("Pratama", 500.0)),
        (499.9, ("Pratama", 0.1)),
        (600.5, ("Madya", 0.5)),
        (901.0, (None, None)),
    ],
)
def test_it_names_the_next_band_and_the_points_to_it(total, expected):
    assert next_band(total, DEFAULT_POLICY) == expected


def test_it_projects_a_kawasan_onto_a_square_keeping_the_walking_circle_round():
    data = {
        "radius": 1000.0,
        "hub": {"id": 1, "lat": -6.2, "lon": 106.87, "name": "RPTRA"},
        "members": [
            {
                "id": 1,
                "lat": -6.2,
                "lon": 106.87,
                "icon": "R",
                "color": "#0f0",
                "hub": True,
                "name": "RPTRA",
            },
            {
                "id": 2,
                "lat": -6.205,
                "lon": 106.872,
                "icon": "P",
                "color": "#f00",
                "hub": False,
                "name": "Puskesmas",
            },
        ],
        "links": [{"a": 1, "b": 2, "kind": "Rujukan"}, {"a": 1, "b": 99, "kind": "Rujukan"}],
    }
    svg = schematic_map(data, None, size=400)
    cx, cy, r = svg["circle"]
    # The circle spans the box (it is the widest thing), centred on the hub.
    assert cx == pytest.approx(200, abs=1) and cy == pytest.approx(200, abs=1)
    assert r == pytest.approx(188, abs=1)
    assert len(svg["lines"]) == 1  # the link to an unknown site is not drawn
    hub, puskesmas = svg["points"]
    assert puskesmas["y"] > hub["y"] and puskesmas["x"] > hub["x"]  # south-east
    assert schematic_map({"radius": 1000, "hub": None, "members": [], "links": []}, None) is None
