"""The status rules of the design, once: as plain functions and as one SQL expression.

Only reports with effective_date ≤ D count; the latest counting report decides:

- done_on_time: it says done and completed_on ≤ deadline (or there is no deadline)
- done_late:    it says done and completed_on > deadline
- overdue:      not done and deadline < D
- in_progress:  not done, deadline not passed (or none), it says in progress
- not_started:  no counting report, or it says not started, and deadline not passed (or none)

A task is done when every one of its assignments is done, overdue when any is overdue.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Case, F, Q, Value, When

from projects.choices import AssignmentStatus, ReportStatus, ReviewState, TaskStatus, View


def counting_review_states(view: str) -> tuple[str, ...]:
    """Return the review states whose reports count in a view."""
    if view == View.VERIFIED:
        return (ReviewState.ACCEPTED,)
    if view == View.REPORTED:
        return (ReviewState.ACCEPTED, ReviewState.SUBMITTED)
    raise ValueError(f"unknown view {view!r}")


def assignment_status(
    *,
    report_status: str | None,
    completed_on: date | None,
    deadline: date | None,
    as_of: date,
) -> AssignmentStatus:
    """Return an assignment's status from its latest counting report (None when there is none)."""
    if report_status == ReportStatus.DONE:
        if deadline is None or completed_on <= deadline:
            return AssignmentStatus.DONE_ON_TIME
        return AssignmentStatus.DONE_LATE
    if deadline is not None and deadline < as_of:
        return AssignmentStatus.OVERDUE
    if report_status == ReportStatus.IN_PROGRESS:
        return AssignmentStatus.IN_PROGRESS
    return AssignmentStatus.NOT_STARTED


def status_expression(*, as_of: date, report_status: str, completed_on: str, deadline: str = "deadline"):
    """Return the SQL form of assignment_status() over the named (annotated) columns."""
    done = Q(**{report_status: ReportStatus.DONE})
    return Case(
        When(
            done & (Q(**{f"{deadline}__isnull": True}) | Q(**{f"{completed_on}__lte": F(deadline)})),
            then=Value(AssignmentStatus.DONE_ON_TIME.value),
        ),
        When(done, then=Value(AssignmentStatus.DONE_LATE.value)),
        When(Q(**{f"{deadline}__lt": as_of}), then=Value(AssignmentStatus.OVERDUE.value)),
        When(
            Q(**{report_status: ReportStatus.IN_PROGRESS}),
            then=Value(AssignmentStatus.IN_PROGRESS.value),
        ),
        default=Value(AssignmentStatus.NOT_STARTED.value),
    )


def is_done(status: str) -> bool:
    return status in (AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE)


def task_status(assignment_statuses: Iterable[str]) -> TaskStatus:
    """Return a task's status from the statuses of its assignments."""
    statuses = list(assignment_statuses)
    if statuses and all(is_done(s) for s in statuses):
        return TaskStatus.DONE
    if AssignmentStatus.OVERDUE in statuses:
        return TaskStatus.OVERDUE
    if any(s == AssignmentStatus.IN_PROGRESS or is_done(s) for s in statuses):
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED
