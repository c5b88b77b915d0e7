"""Dashboard charts as pure functions: data in, a plotly figure (as a JSON-ready dict) out,
with a title, axis titles and a table alternative (``rows``) for screen readers and for
anyone who prefers numbers. Pages render the figure with plotly.js from ``static/``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

__all__ = ["Chart", "daily_activity_chart", "histogram_chart", "time_split_chart", "xp_week_chart"]

GOAL_COLOUR = "#b35c00"
BAR_COLOUR = "#1f6fb2"
# plotly's built-in templates weigh ~8 kB per figure; this look is a few bytes.
LOOK: dict[str, Any] = {
    "template": "none",
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "yaxis_gridcolor": "#e5e7eb",
    "paper_bgcolor": "#fff",
    "plot_bgcolor": "#fff",
}
SPLIT_COLOURS = {"Active": "#2e7d32", "Inactive": "#9e9e9e", "Waste": "#c62828"}


@dataclass(frozen=True)
class Chart:
    """A figure and the same data as a table (header row, then rows)."""

    title: str
    figure: dict[str, Any]
    rows: list[list[str]]


def xp_week_chart(*, days: list[tuple[dt.date, float]], daily_goal: float | None) -> Chart:
    """XP per day of the week (one bar per day, oldest first) against the daily goal."""
    title = "XP this week"
    labels = [day.strftime("%a %d") for day, _ in days]
    values = [round(xp, 1) for _, xp in days]
    figure = go.Figure(
        go.Bar(x=labels, y=values, name="XP", marker_color=BAR_COLOUR, hovertemplate="%{y} XP")
    )
    if daily_goal:
        figure.add_hline(
            y=daily_goal,
            line_dash="dash",
            line_color=GOAL_COLOUR,
            annotation_text=f"Daily goal {daily_goal:g} XP",
        )
    figure.update_layout(
        **LOOK,
        title=title,
        yaxis_title="XP",
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
    )
    rows = [["Day", "XP", "Goal met"]] + [
        [label, f"{value:g}", "—" if not daily_goal else ("yes" if value >= daily_goal else "no")]
        for label, value in zip(labels, values, strict=True)
    ]
    return Chart(title=title, figure=figure.to_plotly_json(), rows=rows)


def time_split_chart(*, active_s: float, inactive_s: float, waste_s: float, label: str) -> Chart:
    """Active / inactive / waste minutes as one stacked bar, with waste % in the title
    (waste ÷ (active + inactive + waste), the learning rules' definition)."""
    total = active_s + inactive_s + waste_s
    waste_pct = 100 * waste_s / total if total else 0.0
    title = f"Time {label}: {waste_pct:.0f}% waste"
    figure = go.Figure()
    for name, seconds in (("Active", active_s), ("Inactive", inactive_s), ("Waste", waste_s)):
        figure.add_trace(
            go.Bar(
                x=[round(seconds / 60, 1)],
                y=[label],
                name=name,
                orientation="h",
                marker_color=SPLIT_COLOURS[name],
                hovertemplate=f"{name}: %{{x}} min",
            )
        )
    figure.update_layout(
        **LOOK,
        title=title,
        barmode="stack",
        xaxis_title="Minutes",
        yaxis_showticklabels=False,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        height=180,
    )
    rows = [["", "Minutes", "Share"]] + [
        [name, f"{seconds / 60:.1f}", f"{(100 * seconds / total if total else 0):.0f}%"]
        for name, seconds in (("Active", active_s), ("Inactive", inactive_s), ("Waste", waste_s))
    ]
    return Chart(title=title, figure=figure.to_plotly_json(), rows=rows)


def histogram_chart(
    *, title: str, bins: list[tuple[str, int]], x_title: str, y_title: str = "Students"
) -> Chart:
    """Pre-binned counts as bars (label, count), in the order given."""
    labels = [label for label, _ in bins]
    counts = [count for _, count in bins]
    figure = go.Figure(
        go.Bar(x=labels, y=counts, marker_color=BAR_COLOUR, hovertemplate="%{x}: %{y}")
    )
    figure.update_layout(
        **LOOK,
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        xaxis_tickangle=-40,
        margin={"l": 40, "r": 10, "t": 40, "b": 80},
    )
    total = sum(counts)
    rows = [[x_title, y_title, "Share"]] + [
        [label, str(count), f"{(100 * count / total if total else 0):.0f}%"]
        for label, count in bins
    ]
    return Chart(title=title, figure=figure.to_plotly_json(), rows=rows)


def daily_activity_chart(*, days: list[tuple[dt.date, int, int]]) -> Chart:
    """Events and students per day: (day, events, students), oldest first."""
    title = "Events and students per day"
    labels = [day.isoformat() for day, _, _ in days]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(x=labels, y=[e for _, e, _ in days], name="Events", marker_color=BAR_COLOUR)
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[s for _, _, s in days],
            name="Students",
            yaxis="y2",
            mode="lines+markers",
            line_color=GOAL_COLOUR,
        )
    )
    figure.update_layout(
        **LOOK,
        title=title,
        xaxis={"title": {"text": "Day"}, "type": "date", "tickformat": "%d %b"},
        yaxis={"title": {"text": "Events"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "Students"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickformat": "d",
        },
        margin={"l": 50, "r": 50, "t": 40, "b": 90},
        legend={"orientation": "h", "y": -0.45},
    )
    rows = [["Day", "Events", "Students"]] + [
        [label, str(e), str(s)] for label, (_, e, s) in zip(labels, days, strict=True)
    ]
    return Chart(title=title, figure=figure.to_plotly_json(), rows=rows)
