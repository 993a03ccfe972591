"""Charts as pure functions: plain rows in, a plotly figure out as the JSON plotly.js reads. They never touch the ORM.

The page carries each figure as a JSON data island and static/js/charts.js draws it with the partial
plotly.js bundle. A figure is written as plain dicts and lists, exactly as plotly.py's
``Figure.to_json()`` would write it (tests/metrics/test_charts.py holds plotly to that): building a
``plotly.graph_objects.Figure``, validating every property and serialising it back cost 10–25 ms a
chart on every page render, more than the rest of a chart's work together. Colours are the Okabe–Ito palette, which readers with any common colour-vision
deficiency can tell apart; the verified view is always solid, the reported view dashed or lighter, so
the two differ by more than colour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from django.utils.translation import gettext as _

from projects.choices import AssignmentStatus
from projects.display import localized

BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
GREY = "#999999"
INK = "#1b2430"
GRID = "#e5e9ef"
AXIS = "#8a94a3"

STATUS_COLOURS = {
    AssignmentStatus.DONE_ON_TIME: GREEN,
    AssignmentStatus.DONE_LATE: SKY,
    AssignmentStatus.IN_PROGRESS: BLUE,
    AssignmentStatus.NOT_STARTED: GREY,
    AssignmentStatus.OVERDUE: VERMILLION,
}


def separators(language: str) -> str:
    """Return plotly's decimal and thousands separators: 1.234.567,8 in Vietnamese, 1,234,567.8 in English."""
    return ".," if language == "en" else ",."


@cache
def _template() -> dict:
    """plotly.py's default template, which it writes into every figure: the look the charts were drawn in.

    Read once from plotly itself; shared by every figure, so never changed in place.
    """
    # Imported here: only this reads it, once per process.
    import plotly.graph_objects as go

    return json.loads(go.Figure().to_json())["layout"]["template"]


def _figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": {**layout, "template": _template()}}


def _layout(*, language: str, height: int = 320, xaxis=None, yaxis=None, **extra) -> dict:
    """The site's layout, with a chart's own settings merged in (axes key by key)."""
    layout = {
        "separators": separators(language),
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
        "font": {"family": "Noto Sans, Segoe UI, Roboto, Arial, sans-serif", "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": GRID, "linecolor": AXIS, **(xaxis or {})},
        "yaxis": {"gridcolor": GRID, "linecolor": AXIS, "zerolinecolor": AXIS, **(yaxis or {})},
    }
    for key, value in extra.items():
        layout[key] = {**layout[key], **value} if key == "margin" else value
    return layout


def completion_trend(rows: Sequence[dict], *, language: str = "vi") -> dict:
    """Completion (% of assignments done) over time; rows have day, percent, reported_percent, done, total."""
    days = [row["day"].isoformat() for row in rows]
    ticks = [0, 20, 40, 60, 80, 100]
    return _figure(
        # The reported line is drawn over the verified one, dashed, in another colour and with open
        # markers: where both views agree the dashes still show on the solid line beneath.
        [
            {
                "type": "scatter",
                "x": days,
                "y": [_number(row["percent"]) for row in rows],
                "name": _("Verified"),
                "mode": "lines+markers",
                "line": {"color": BLUE, "width": 4},
                "marker": {"size": 7, "symbol": "circle"},
                "customdata": [[row["done"], row["total"]] for row in rows],
                "hovertemplate": "%{y:.1f}% (%{customdata[0]:,}/%{customdata[1]:,})<extra></extra>",
            },
            {
                "type": "scatter",
                "x": days,
                "y": [_number(row["reported_percent"]) for row in rows],
                "name": _("Reported, awaiting verification included"),
                "mode": "lines+markers",
                "line": {"color": ORANGE, "width": 2, "dash": "dash"},
                "marker": {"size": 7, "symbol": "diamond-open", "line": {"width": 2}},
                "hovertemplate": "%{y:.1f}%<extra></extra>",
            },
        ],
        _layout(
            language=language,
            xaxis={"tickformat": "%m/%Y", "hoverformat": "%d/%m/%Y"},
            yaxis={"range": [0, 104], "tickvals": ticks, "ticktext": [f"{t}%" for t in ticks]},
        ),
    )


def _number(value):
    """A value as JSON writes it: plotly.py wrote Decimals as floats, and so must the page."""
    return value if value is None or isinstance(value, int | float) else float(value)


def completion_by_group(rows: Sequence[dict], *, language: str = "vi") -> dict:
    """Tasks done per group, as a share of the group's tasks; rows have group, done, reported_done, total."""
    labels = [_short_group(localized(row["group"])) for row in rows]
    verified = [100 * row["done"] / row["total"] if row["total"] else 0 for row in rows]
    reported = [100 * row["reported_done"] / row["total"] if row["total"] else 0 for row in rows]
    return _figure(
        [
            {
                "type": "bar",
                "y": labels,
                "x": verified,
                "name": _("Verified"),
                "orientation": "h",
                "marker": {"color": BLUE},
                "text": [f"{row['done']}/{row['total']}" for row in rows],
                "textposition": "auto",
                "hovertemplate": "%{x:.1f}%<extra></extra>",
            },
            {
                "type": "bar",
                "y": labels,
                "x": reported,
                "name": _("Reported"),
                "orientation": "h",
                "marker": {"color": ORANGE, "pattern": {"shape": "/"}},
                "text": [f"{row['reported_done']}/{row['total']}" for row in rows],
                "textposition": "auto",
                "hovertemplate": "%{x:.1f}%<extra></extra>",
            },
        ],
        _layout(
            language=language,
            height=max(220, 70 * len(rows) + 60),
            barmode="group",
            hovermode="y unified",
            margin={"l": 90},
            xaxis={"range": [0, 100], "ticksuffix": "%"},
            yaxis={"autorange": "reversed"},
        ),
    )


def _short_group(name: str) -> str:
    """Keep "Nhóm 1" of "Nhóm 1: Phục vụ …": the full name is in the table behind the chart."""
    return name.split(":", 1)[0].strip() if ":" in name else name[:24]


def status_breakdown(verified: dict, reported: dict, *, language: str = "vi") -> dict:
    """Assignments by status, one stacked bar per view; the dicts map status to count."""
    views = [_("Verified"), _("Reported")]
    return _figure(
        [
            {
                "type": "bar",
                "y": views,
                "x": [verified.get(status.value, 0), reported.get(status.value, 0)],
                "name": str(status.label),
                "orientation": "h",
                "marker": {"color": STATUS_COLOURS[status], "line": {"color": "#ffffff", "width": 1}},
                "hovertemplate": "%{x:,}<extra>" + str(status.label) + "</extra>",
            }
            for status in AssignmentStatus
        ],
        # The legend in reading order, on as many lines as the width needs (a phone takes three).
        _layout(
            language=language,
            height=260,
            barmode="stack",
            hovermode="closest",
            margin={"l": 90, "b": 90},
            legend={"orientation": "h", "y": -0.3, "x": 0, "traceorder": "normal", "font": {"size": 12}},
            # Counts of assignments: whole numbers only, one tick each when there are few.
            xaxis={"tickformat": ",d", **({"dtick": 1} if _largest(verified, reported) <= 10 else {})},
            yaxis={"autorange": "reversed"},
        ),
    )


def _largest(*counts: dict) -> int:
    return max((sum(c.values()) for c in counts), default=0)


def indicator_series(
    rows: Sequence[dict],
    *,
    name: str,
    target: float | None = None,
    language: str = "vi",
    percent: bool = False,
    stale_since=None,
) -> dict:
    """An indicator's value per period against its target; rows have period and comparable.

    ``stale_since``: the day from which the latest value is older than its reporting period; the chart
    says so instead of drawing the old value on to today.
    """
    periods = [row["period"].isoformat() for row in rows]
    values = [float(row["comparable"]) if row["comparable"] is not None else None for row in rows]
    hover = ("%{y:,.1f}%" if percent else "%{y:,.0f}") + "<extra></extra>"
    data = [
        {
            "type": "scatter",
            "x": periods,
            "y": values,
            "name": name,
            "mode": "lines+markers",
            "line": {"color": BLUE, "width": 3},
            "hovertemplate": hover,
        }
    ]
    if target is not None and periods:
        data.append(
            {
                "type": "scatter",
                "x": [periods[0], periods[-1]],
                "y": [float(target), float(target)],
                "name": _("Target"),
                "mode": "lines",
                "line": {"color": VERMILLION, "width": 2, "dash": "dot"},
                "hovertemplate": hover,
            }
        )
    annotations = []
    if stale_since is not None:
        annotations.append(
            {
                "text": _("No value since %(day)s: stale") % {"day": stale_since.strftime("%d/%m/%Y")},
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1.08,
                "xanchor": "right",
                "showarrow": False,
                "font": {"color": VERMILLION},
            }
        )
    return _figure(
        data,
        _layout(
            language=language,
            **({"annotations": annotations, "margin": {"t": 36}} if annotations else {}),
            xaxis={"tickformat": "%m/%Y", "hoverformat": "%d/%m/%Y"},
            # Whole numbers with the page's thousands separator (76.000.000), never SI suffixes (76M).
            yaxis={"rangemode": "tozero", "ticksuffix": "%" if percent else "", "tickformat": ",.0f"},
        ),
    )


def status_bars(verified: dict, reported: dict, *, width: float = 300.0) -> list[dict]:
    """Assignments by status as the geometry of a small SVG the page draws itself (no plotly.js).

    One bar per view (verified, then reported), its segments in the order of the statuses, each as wide
    as its share of the bar; the dicts map status to count.
    """
    bars = []
    for label, counts in ((_("Verified"), verified), (_("Reported"), reported)):
        total = sum(counts.get(status.value, 0) for status in AssignmentStatus)
        x, segments = 0.0, []
        for status in AssignmentStatus:
            count = counts.get(status.value, 0)
            share = width * count / total if total else 0.0
            if count:
                segments.append(
                    {
                        "status": status.value,
                        "label": str(status.label),
                        "colour": STATUS_COLOURS[status],
                        "x": round(x, 2),
                        "width": round(share, 2),
                        "count": count,
                    }
                )
            x += share
        bars.append({"label": label, "total": total, "segments": segments})
    return bars
