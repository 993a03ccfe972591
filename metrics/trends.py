"""Completion over time for the trend charts: the stored history days, thinned, ending on the day asked for.

Split from metrics.dashboard (issue 13): the trend is one job, read by the programme, unit and summary pages, the
API and the brief.
"""

from __future__ import annotations

from datetime import date, timedelta

from metrics import figure_cache, readers
from projects.choices import UnitKind, View
from projects.models import Assignment, Programme, Report, Unit
from projects.status import counting_review_states


def trend_days(start: date, end: date, points: int = 24) -> list[date]:
    """Return month ends from start to end (at most ``points`` of them, evenly thinned), and end itself."""
    days, day = [], date(start.year, start.month, 1)
    while True:
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if month_end >= end:
            break
        if month_end >= start:
            days.append(month_end)
        day = month_end + timedelta(days=1)
    if len(days) > points - 1:
        step = len(days) / (points - 1)
        days = [days[int(i * step)] for i in range(points - 1)]
    return [*days, end]


def trend(*, programme: Programme, as_of: date, unit: Unit | None = None) -> list[dict]:
    """Return completion over time up to as_of: per day, assignments done (verified and reported) and total.

    One indexed read of the rollups' stored days (both views at once), when there are enough of them to
    draw a line; else counted from the report chains.
    """
    from metrics.models import StatusRollup

    stored = StatusRollup.objects.filter(programme=programme, day__gte=programme.start, day__lte=as_of)
    if unit is not None:
        stored = stored.filter(unit=unit)
    else:
        stored = stored.filter(unit__parent__isnull=True, unit__kind=UnitKind.NATION)
    by_day: dict = {}
    for day, view, on_time, late, total in stored.order_by("day").values_list(
        "day", "view", "done_on_time", "done_late", "assignments"
    ):
        by_day.setdefault(day, {"day": day, "total": total})[view] = on_time + late
    days = [row for row in by_day.values() if View.VERIFIED in row]
    if len(days) < 2:
        return figure_cache.remember(
            programme,
            as_of,
            ("trend", unit.pk if unit else None),
            lambda: trend_fresh(programme=programme, as_of=as_of, unit=unit),
        )
    days = thin(days)
    if days[-1]["day"] < as_of:
        # The history's days are a month apart: the line (and its caption) ends on the day asked for,
        # read through the one interface that answers for any day.
        days.append(_trend_point(programme, as_of, unit))
    rows = []
    for row in days:
        done, reported, total = row[View.VERIFIED], row.get(View.REPORTED, row[View.VERIFIED]), row["total"]
        rows.append(
            {
                "day": row["day"],
                "done": done,
                "reported_done": reported,
                "total": total,
                "percent": 100 * done / total if total else None,
                "reported_percent": 100 * reported / total if total else None,
            }
        )
    return rows


def _trend_point(programme: Programme, as_of: date, unit: Unit | None) -> dict:
    """Return one day of the trend (as the stored days' rows: day, total and done by view)."""
    unit = unit or readers.nation()
    by_view = readers.stored_day(programme, as_of).status([unit], within=unit).get(unit.pk) or {}
    point = {"day": as_of, "total": 0, View.VERIFIED: 0}
    for view, figures in by_view.items():
        point["total"] = figures["assignments"]
        point[view] = figures["done_on_time"] + figures["done_late"]
    return point


def thin(rows: list[dict], points: int = 60) -> list[dict]:
    """Keep at most ``points`` rows, evenly spread, always the last."""
    if len(rows) <= points:
        return rows
    step = len(rows) / (points - 1)
    return [rows[int(i * step)] for i in range(points - 1)] + [rows[-1]]


def trend_fresh(*, programme: Programme, as_of: date, unit: Unit | None = None) -> list[dict]:
    """Count the trend from the report chains in two queries: a done report counts from its effective
    date until the report that takes over from it."""
    start = programme.start
    days = trend_days(start, max(as_of, start))
    scope = Assignment.objects.filter(task__programme=programme)
    if unit is not None:
        scope = scope.filter(unit__path__startswith=unit.path)
    # An assignment counts only on the days it is valid (projects.lineage): a unit's that ended passes to its
    # successor's carried assignment the next day, and the two must not both count.
    validity = list(scope.values_list("valid_from", "valid_to"))

    def valid(day: date, valid_from: date | None, valid_to: date | None) -> bool:
        return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)

    totals = [sum(valid(day, *span) for span in validity) for day in days]
    done_reports = Report.objects.filter(
        assignment__in=scope, status="done", effective_date__lte=as_of
    ).values_list(
        "effective_date",
        "review_state",
        "verified_until",
        "reported_until",
        "assignment__valid_from",
        "assignment__valid_to",
    )
    verified_states, reported_states = (
        counting_review_states(View.VERIFIED),
        counting_review_states(View.REPORTED),
    )
    done = {"verified": [0] * len(days), "reported": [0] * len(days)}
    for effective, state, verified_until, reported_until, valid_from, valid_to in done_reports:
        for view, states, until in (
            ("verified", verified_states, verified_until),
            ("reported", reported_states, reported_until),
        ):
            if state not in states:
                continue
            for index, day in enumerate(days):
                if effective <= day and (until is None or until > day) and valid(day, valid_from, valid_to):
                    done[view][index] += 1
    return [
        {
            "day": day,
            "done": done["verified"][index],
            "reported_done": done["reported"][index],
            "total": totals[index],
            "percent": 100 * done["verified"][index] / totals[index] if totals[index] else None,
            "reported_percent": 100 * done["reported"][index] / totals[index] if totals[index] else None,
        }
        for index, day in enumerate(days)
    ]
