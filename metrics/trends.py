"""Completion over time for the trend charts, as percentages, ending on the day asked for.

Split from metrics.dashboard (issue 13): the trend is one job, read by the programme, unit and summary pages, the
API and the brief. Its figures come from the one read interface (readers.completion_over_time).
"""

from __future__ import annotations

from datetime import date

from metrics import readers
from projects.choices import View
from projects.models import Programme, Unit


def trend(*, programme: Programme, as_of: date, unit: Unit | None = None) -> list[dict]:
    """Return completion over time up to as_of: per day, assignments done (verified and reported), their
    total and the percentages."""
    rows = []
    for point in readers.completion_over_time(programme, as_of=as_of, unit=unit):
        done, reported, total = point[View.VERIFIED], point[View.REPORTED], point["total"]
        rows.append(
            {
                "day": point["day"],
                "done": done,
                "reported_done": reported,
                "total": total,
                "percent": 100 * done / total if total else None,
                "reported_percent": 100 * reported / total if total else None,
            }
        )
    return rows
