"""The dashboard charts are pure functions: data in, figure and table out."""

from __future__ import annotations

import datetime as dt
import json

from dashboards.charts import time_split_chart, xp_week_chart

WEEK = [
    (dt.date(2026, 11, 16) + dt.timedelta(days=i), xp)
    for i, xp in enumerate([12, 30, 0, 25.5, 40, 0, 8])
]


def test_xp_week_chart() -> None:
    chart = xp_week_chart(days=WEEK, daily_goal=25)
    figure = chart.figure
    assert figure["layout"]["title"]["text"] == "XP this week"
    [bars] = figure["data"]
    assert list(bars["y"]) == [12, 30, 0, 25.5, 40, 0, 8] and bars["x"][0] == "Mon 16"
    [goal] = figure["layout"]["shapes"]
    assert goal["y0"] == goal["y1"] == 25
    assert chart.rows[0] == ["Day", "XP", "Goal met"]
    assert [row[2] for row in chart.rows[1:]] == ["no", "yes", "no", "yes", "yes", "no", "no"]
    json.dumps(figure)  # JSON-ready for the page


def test_xp_week_chart_without_a_goal() -> None:
    chart = xp_week_chart(days=WEEK[:2], daily_goal=None)
    assert "shapes" not in chart.figure["layout"] or not chart.figure["layout"]["shapes"]
    assert [row[2] for row in chart.rows[1:]] == ["—", "—"]


def test_time_split_chart() -> None:
    chart = time_split_chart(active_s=3000, inactive_s=600, waste_s=1200, label="today")
    assert chart.title == "Time today: 25% waste"
    assert [t["name"] for t in chart.figure["data"]] == ["Active", "Inactive", "Waste"]
    assert [t["x"][0] for t in chart.figure["data"]] == [50.0, 10.0, 20.0]
    assert chart.rows[3] == ["Waste", "20.0", "25%"]
    empty = time_split_chart(active_s=0, inactive_s=0, waste_s=0, label="this week")
    assert empty.title == "Time this week: 0% waste" and empty.rows[1][2] == "0%"
