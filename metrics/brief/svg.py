"""Charts of the brief as plain vector SVG, built on the server: rows in, markup out.

No browser and no network: WeasyPrint draws the SVG into the PDF as vectors, and the HTML page shows the
same markup. Colours are the Okabe–Ito palette the dashboard uses (verified blue, reported orange).
"""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

VERIFIED = "#0072B2"
REPORTED = "#E69F00"
GRID = "#d0d7de"
INK = "#24292f"


def _x(day: date, first: date, last: date, left: float, width: float) -> float:
    span = (last - first).days or 1
    return left + width * (day - first).days / span


def _y(percent: float, top: float, height: float) -> float:
    return top + height * (1 - max(0.0, min(100.0, percent)) / 100)


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def trend_chart(
    rows: list[dict],
    *,
    title: str,
    verified_label: str,
    reported_label: str,
    width: int = 360,
    height: int = 150,
) -> SafeString:
    """A line chart of completion (percent of assignments done) over time, verified and reported."""
    left, right, top, bottom = 34, 8, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="brief-chart">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick, top, plot_h)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="8" text-anchor="end" fill="{INK}">{tick}%</text>'
        )
    points = [r for r in rows if r.get("percent") is not None]
    if len(points) >= 1:
        first, last = points[0]["day"], points[-1]["day"]
        for key, colour, dash in (("reported_percent", REPORTED, "4 2"), ("percent", VERIFIED, "")):
            line = [
                (_x(r["day"], first, last, left, plot_w), _y(float(r[key] or 0), top, plot_h)) for r in points
            ]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{_path(line)}" fill="none" stroke="{colour}" stroke-width="1.6"{dash_attr}/>'
            )
        x_end = _x(last, first, last, left, plot_w)
        for day, anchor, x in ((first, "start", left), (last, "end", x_end)):
            label = escape(date_format(day, "SHORT_DATE_FORMAT"))
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" font-size="8" text-anchor="{anchor}" fill="{INK}">{label}</text>'
            )
    legend_y = top + 8
    for index, (label, colour, dash) in enumerate(
        ((verified_label, VERIFIED, ""), (reported_label, REPORTED, "4 2"))
    ):
        x = left + 6 + index * 120
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="{legend_y}" x2="{x + 14}" y2="{legend_y}" stroke="{colour}" stroke-width="1.6"{dash_attr}/>'
        )
        parts.append(
            f'<text x="{x + 18}" y="{legend_y + 3}" font-size="8" fill="{INK}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def share_bar(done: int, reported: int, total: int, *, width: int = 120, height: int = 8) -> SafeString:
    """A bar of one figure: verified done, then reported beyond it, of the total."""
    if not total:
        return mark_safe("")
    done_w = width * min(done, total) / total
    reported_w = max(0.0, width * min(reported, total) / total - done_w)
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-hidden="true" class="brief-bar">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eaeef2"/>'
        f'<rect x="0" y="0" width="{done_w:.1f}" height="{height}" fill="{VERIFIED}"/>'
        f'<rect x="{done_w:.1f}" y="0" width="{reported_w:.1f}" height="{height}" fill="{REPORTED}"/>'
        "</svg>"
    )
