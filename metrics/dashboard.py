"""What the dashboard pages read: rows shaped for tables, charts and maps, each in a fixed number of queries.

The figures come from ``metrics.readers`` (the rollups) where a reader exists; otherwise they are counted
here from the reports in a constant number of set-based queries. An assignment's status as of D is a join
on the one report that counts on D (effective_date ≤ D < *_until, kept by projects.services), so
tables of assignments filter, sort and page in the database.

Trends are in metrics.trends, task and goal rows in metrics.task_rows, indicator figures in
metrics.indicator_figures.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import F, FilteredRelation, Q, QuerySet

from metrics import readers
from projects import selectors as project_selectors
from projects.choices import (
    CENTRAL_KINDS,
    DONE_STATUSES,
    AssignmentStatus,
    ReportStatus,
    UnitKind,
    View,
)
from projects.models import Assignment, Programme, Task, Unit
from projects.status import counting_review_states, status_expression

STATUSES = [s.value for s in AssignmentStatus]
DONE = [s.value for s in DONE_STATUSES]

# Which units a league table compares: provinces with provinces, central bodies with central bodies.
PEER_KINDS = {
    UnitKind.PROVINCE: (UnitKind.PROVINCE,),
    UnitKind.DISTRICT: (UnitKind.DISTRICT,),
    UnitKind.COMMUNE: (UnitKind.COMMUNE,),
    UnitKind.MINISTRY: CENTRAL_KINDS,
    UnitKind.MINISTERIAL_AGENCY: CENTRAL_KINDS,
    UnitKind.GOVERNMENT_AGENCY: CENTRAL_KINDS,
    UnitKind.STATE_ENTERPRISE: (UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM),
    UnitKind.TELECOM: (UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM),
}


# Assignments -------------------------------------------------------------------------------------------


def _counting(view: str, as_of: date) -> FilteredRelation:
    until = "reports__verified_until" if view == View.VERIFIED else "reports__reported_until"
    return FilteredRelation(
        "reports",
        condition=Q(
            reports__review_state__in=counting_review_states(view), reports__effective_date__lte=as_of
        )
        & (Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": as_of})),
    )


def assignments_as_of(*, as_of: date, queryset: QuerySet[Assignment] | None = None) -> QuerySet[Assignment]:
    """Annotate assignments with ``status`` (verified), ``reported_status``, ``percent`` and ``reported_on``.

    Only the assignments valid that day: an assignment carried to a successor unit counts on the
    original until the unit's last day and on the successor from the next (projects.lineage).
    """
    queryset = Assignment.objects.all() if queryset is None else queryset
    return (
        queryset.valid_on(as_of)
        .annotate(
            v_report=_counting(View.VERIFIED, as_of),
            r_report=_counting(View.REPORTED, as_of),
        )
        .annotate(
            status=status_expression(
                as_of=as_of, report_status="v_report__status", completed_on="v_report__completed_on"
            ),
            reported_status=status_expression(
                as_of=as_of, report_status="r_report__status", completed_on="r_report__completed_on"
            ),
            percent=F("v_report__percent"),
            reported_percent=F("r_report__percent"),
            verified_on=F("v_report__effective_date"),
            reported_on=F("r_report__effective_date"),
        )
    )


NOT_DONE = [status.value for status in ReportStatus if status != ReportStatus.DONE]


def with_status(
    queryset: QuerySet[Assignment], status: str, *, as_of: date | None, view_field: str = "status"
) -> QuerySet[Assignment]:
    """Keep the assignments (of assignments_as_of) whose ``view_field`` is ``status``; overdue ones by what
    makes them so, which PostgreSQL can estimate.

    An equality on the status CASE is estimated at a few rows, so the planner sorted a whole task's
    assignments (10,600 at national scale, 1 s) before the first page; written as "not done and past
    its deadline" it walks the (task, unit) index and stops at the page's last row (25 ms). The report
    is read through the join the status is made of.
    """
    if status != AssignmentStatus.OVERDUE or as_of is None:
        return queryset.filter(**{view_field: status})
    report = {"status": "v_report__status", "reported_status": "r_report__status"}[view_field]
    return queryset.alias(counting_status=F(report)).filter(
        Q(counting_status__isnull=True) | Q(counting_status__in=NOT_DONE), deadline__lt=as_of
    )


def programme_assignments(
    *,
    programme: Programme,
    as_of: date,
    unit: Unit | None = None,
    kinds: tuple[str, ...] | None = None,
) -> QuerySet[Assignment]:
    """Return a programme's assignments with their status, ready for a table (no query per row)."""
    queryset = Assignment.objects.filter(task__programme=programme)
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if kinds:
        queryset = queryset.filter(unit__kind__in=kinds)
    return assignments_as_of(as_of=as_of, queryset=queryset.select_related("task", "unit"))


def task_status_counts(*, programme: Programme, task: Task, as_of: date) -> tuple[dict, dict]:
    """Return a task's assignments by status, (verified, reported), from its per-task figures of the day
    through the one read interface (readers.StoredDay.task_sums), stored or not."""
    sums = readers.stored_day(programme, as_of).task_sums(task=task.pk)
    empty = [0] * len(readers.TASK_FIELDS)
    return tuple(_by_status(sums[view].get(task.pk, empty)) for view in (View.VERIFIED, View.REPORTED))


def _by_status(acc: list[int]) -> dict[str, int]:
    """Counts by status from a task's TASK_FIELDS: done and late split the done; active less done is in
    progress."""
    total, done, overdue, active, _central, _central_done, late = acc
    return {
        AssignmentStatus.DONE_ON_TIME.value: done - late,
        AssignmentStatus.DONE_LATE.value: late,
        AssignmentStatus.OVERDUE.value: overdue,
        AssignmentStatus.IN_PROGRESS.value: active - done,
        AssignmentStatus.NOT_STARTED.value: total - active - overdue,
    }


# Freshness -------------------------------------------------------------------------------------------------


def overdue_assignments(
    assignments: QuerySet[Assignment], tasks: list[dict] | None, *, limit: int = 10
) -> list:
    """Return the first overdue assignments by deadline, looking only at the tasks that have any.

    ``tasks`` are task_rows() of the same scope: their overdue counts say where to look, so a page
    never evaluates the status of every assignment of the programme to show ten.
    """
    if tasks is None:  # nothing says where to look: every assignment in scope
        return list(
            assignments.filter(status=AssignmentStatus.OVERDUE).order_by(
                "deadline", "task__code", "unit__path"
            )[:limit]
        )
    candidates, found = [], 0
    for row in sorted(
        (r for r in tasks if r["overdue"]), key=lambda r: (r["deadline"] is None, r["deadline"], r["code"])
    ):
        candidates.append(row["code"])
        found += row["overdue"]
        if found >= limit:
            break
    if not candidates:
        return []
    return list(
        assignments.filter(task__code__in=candidates, status=AssignmentStatus.OVERDUE).order_by(
            "deadline", "task__code", "unit__path"
        )[:limit]
    )


# Counts of assignments --------------------------------------------------------------------------------------

# Filters of an assignment table whose row count the rollups know, so the table need not count its rows.
COUNTABLE_FILTERS = {"status", "done", "unit"}
IGNORED_PARAMETERS = {"as_of", "page", "sort", "_export", "per_page", "programme"}


def assignment_count(*, programme: Programme, as_of: date, params) -> int | None:
    """Return how many assignments a table filtered by ``params`` holds, from the rollups; None when its
    filters are ones the rollups cannot answer (search, kind, region, task) and the table must count."""
    used = {key for key, value in params.items() if value and key not in IGNORED_PARAMETERS}
    if not used <= COUNTABLE_FILTERS:
        return None
    unit = None
    if code := params.get("unit"):
        unit = project_selectors.unit_for_code(code, on=as_of)
        if unit is None:
            return 0
    unit = unit or Unit.objects.get(parent__isnull=True, kind=UnitKind.NATION)
    counts = readers.programme_summary(programme=programme, unit=unit, as_of=as_of)["assignments"]
    done = counts[AssignmentStatus.DONE_ON_TIME] + counts[AssignmentStatus.DONE_LATE]
    if status := params.get("status"):
        if status not in STATUSES:
            return None
        total = counts[status]
        if params.get("done") == "yes":
            return total if status in DONE else 0
        if params.get("done") == "no":
            return 0 if status in DONE else total
        return total
    if params.get("done") == "yes":
        return done
    if params.get("done") == "no":
        return counts["total"] - done
    return counts["total"]


# Units -------------------------------------------------------------------------------------------------


def unit_rows(
    *,
    programme: Programme,
    as_of: date,
    kinds: tuple[str, ...] | None = None,
    parent: Unit | None = None,
) -> list[dict]:
    """Return, per unit of the kinds (or the parent's children), its subtree's counts in both views.

    Each row: code, name, short_name, kind, region, path, the counts by status, total, done, percent,
    reported_done, reported_percent, all_done. Units with nothing assigned in their subtree are left out.
    Read from the rollups when they are there, else counted from the reports.
    """
    units = Unit.objects.valid_on(project_selectors.map_day(programme, as_of))
    if kinds:
        units = units.filter(kind__in=kinds)
    if parent is not None:
        units = units.filter(parent=parent)
    units = list(units.order_by("path"))
    if not units:
        return []
    # Both views of every unit in one read of the rollups (readers.unit_rows reads one view and one kind
    # per call; a page with two league tables would pay for eight calls).
    day = readers.stored_day(programme, as_of)
    # Only the assignment counts are read below: a parent's children need no per-task figures.
    status = day.status(units) if parent is None else day.children_counts(parent, units)
    rows: list[dict] = []
    for unit in units:
        by_view = status.get(unit.pk) or {}
        verified = by_view.get(View.VERIFIED) or readers.EMPTY
        reported = by_view.get(View.REPORTED) or readers.EMPTY
        total = verified["assignments"]
        if not total:
            continue
        done = verified[AssignmentStatus.DONE_ON_TIME] + verified[AssignmentStatus.DONE_LATE]
        reported_done = reported[AssignmentStatus.DONE_ON_TIME] + reported[AssignmentStatus.DONE_LATE]
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.display_name,
                "kind": unit.kind,
                "region": unit.region,
                "path": unit.path,
                **{key: verified[key] for key in STATUSES},
                "total": total,
                "done": done,
                "percent": 100 * done / total,
                "reported_done": reported_done,
                "reported_percent": 100 * reported_done / total,
                "all_done": done == total,
            }
        )
    return rows


def rank(rows: list[dict], *, key: str, reverse: bool = True) -> list[dict]:
    """Order rows by a key and give each a rank, ties sharing one (1, 2, 2, 4); rows without a value go last."""
    with_value = [r for r in rows if r.get(key) is not None]
    without = [r for r in rows if r.get(key) is None]
    with_value.sort(key=lambda r: (-r[key] if reverse else r[key], r.get("code", "")))
    previous, position = object(), 0
    for index, row in enumerate(with_value, start=1):
        if row[key] != previous:
            position, previous = index, row[key]
        row["rank"] = position
    for row in without:
        row["rank"] = None
    return with_value + without


def league(rows: list[dict]) -> list[dict]:
    """Rank units fairly: on the share done of what was assigned to each, the denominator beside it."""
    return rank(rows, key="percent")


def league_among_peers(rows: list[dict]) -> list[dict]:
    """Rank each unit among its peers only (provinces with provinces, ministries with ministries)."""
    groups: dict = defaultdict(list)
    for row in rows:
        groups[PEER_KINDS.get(row["kind"], (row["kind"],))].append(row)
    return [row for group in groups.values() for row in league(group)]


def peers_of(unit: Unit) -> tuple[str, ...]:
    return PEER_KINDS.get(unit.kind, (unit.kind,))
