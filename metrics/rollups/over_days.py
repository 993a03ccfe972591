"""Figures over many days at once, for the lines of the trend charts, when the days are not stored.

The read interface (metrics.readers) draws a line from stored days when there are at least two; before any
history is stored (a new installation, the demo before its first nightly run) or for a unit deeper than the
history keeps, the line's month ends are counted here together: one read of the subtree's assignments and
one of its done reports, instead of one count of every report chain per day.
"""

from __future__ import annotations

from datetime import date, timedelta

from projects.choices import View
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


def thin(rows: list, points: int = 60) -> list:
    """Keep at most ``points`` rows, evenly spread, always the last."""
    if len(rows) <= points:
        return rows
    step = len(rows) / (points - 1)
    return [rows[int(i * step)] for i in range(points - 1)] + [rows[-1]]


def done_on_days(*, programme: Programme, days: list[date], within: Unit | None = None) -> list[dict]:
    """Count, for each day, a subtree's assignments and those done in each view: a done report counts from its
    effective date until the report that takes over from it (its ``verified_until`` / ``reported_until``)."""
    as_of = max(days)
    # By task ids (the assignments' task index): a join to the tasks read every programme's assignments.
    scope = Assignment.objects.filter(task_id__in=programme.tasks.values("pk"))
    if within is not None and within.depth > 0:
        scope = scope.filter(unit__path__startswith=within.path)
    # An assignment counts only on the days it is valid (projects.lineage): a unit's that ended passes to its
    # successor's carried assignment the next day, and the two must not both count.
    validity = list(scope.values_list("valid_from", "valid_to"))

    def valid(day: date, valid_from: date | None, valid_to: date | None) -> bool:
        return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)

    points = [{"day": day, "total": sum(valid(day, *span) for span in validity)} for day in days]
    for point in points:
        point.update({View.VERIFIED: 0, View.REPORTED: 0})
    # By the reports' own programme (their (programme, effective date) index), not through the assignments:
    # PostgreSQL read all reports of every programme to join them to a subquery of this one's (480 ms).
    done_reports = Report.objects.filter(
        programme=programme, assignment__isnull=False, status="done", effective_date__lte=as_of
    )
    if within is not None and within.depth > 0:
        done_reports = done_reports.filter(assignment__unit__path__startswith=within.path)
    done_reports = done_reports.values_list(
        "effective_date",
        "review_state",
        "verified_until",
        "reported_until",
        "assignment__valid_from",
        "assignment__valid_to",
    )
    views = (
        (View.VERIFIED, counting_review_states(View.VERIFIED), 2),
        (View.REPORTED, counting_review_states(View.REPORTED), 3),
    )
    for report in done_reports:
        effective, state, valid_from, valid_to = report[0], report[1], report[4], report[5]
        for view, states, until_index in views:
            if state not in states:
                continue
            until = report[until_index]
            for point in points:
                day = point["day"]
                if effective <= day and (until is None or until > day) and valid(day, valid_from, valid_to):
                    point[view] += 1
    return points
