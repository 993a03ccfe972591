"""Reads of the write side: status as of a date, by assignment, task, goal and unit subtree.

These count from the reports themselves, every time, and are the single source of truth that the
rollups of the read side are checked against. They favour plain correctness over speed.
"""

from collections import Counter, defaultdict
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from projects.choices import AssignmentStatus, ReportStatus, Role, TaskStatus, View
from projects.models import Assignment, Goal, Membership, Programme, Report, Task, Unit
from projects.status import counting_review_states, is_done, status_expression, task_status


def today() -> date:
    return timezone.localdate()


def counting_reports(*, as_of: date, view: str) -> QuerySet[Report]:
    """Return the reports that count as of a date in a view, latest first."""
    return Report.objects.filter(
        effective_date__lte=as_of,
        review_state__in=counting_review_states(view),
    ).order_by("-effective_date", "-submitted_at", "-pk")


def assignments_with_status(
    *,
    as_of: date,
    view: str = View.VERIFIED,
    queryset: QuerySet[Assignment] | None = None,
) -> QuerySet[Assignment]:
    """Annotate assignments with ``status``, ``latest_percent`` and ``latest_report_id`` as of a date."""
    queryset = Assignment.objects.all() if queryset is None else queryset
    latest = counting_reports(as_of=as_of, view=view).filter(assignment=OuterRef("pk"))
    return queryset.annotate(
        latest_report_id=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_completed_on=Subquery(latest.values("completed_on")[:1]),
        latest_percent=Subquery(latest.values("percent")[:1]),
    ).annotate(
        status=status_expression(
            as_of=as_of,
            report_status="latest_status",
            completed_on="latest_completed_on",
        )
    )


def assignment_status_as_of(assignment: Assignment, *, as_of: date, view: str = View.VERIFIED) -> str:
    """Return one assignment's status as of a date."""
    return (
        assignments_with_status(as_of=as_of, view=view, queryset=Assignment.objects.filter(pk=assignment.pk))
        .values_list("status", flat=True)
        .get()
    )


def programme_assignments(
    *,
    programme: Programme,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> QuerySet[Assignment]:
    """Return a programme's assignments, limited to a unit's subtree and to kinds of unit if given."""
    queryset = Assignment.objects.filter(task__programme=programme)
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if unit_kinds:
        queryset = queryset.filter(unit__kind__in=unit_kinds)
    return queryset


def assignment_status_counts(
    *,
    programme: Programme,
    as_of: date,
    view: str = View.VERIFIED,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Return the number of assignments in each status, and their total."""
    queryset = programme_assignments(programme=programme, unit=unit, unit_kinds=unit_kinds)
    statuses = assignments_with_status(as_of=as_of, view=view, queryset=queryset).values_list(
        "status", flat=True
    )
    counts = Counter(statuses)
    result = {status.value: counts.get(status.value, 0) for status in AssignmentStatus}
    result["total"] = sum(counts.values())
    return result


def task_statuses(
    *,
    programme: Programme,
    as_of: date,
    view: str = View.VERIFIED,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> dict[int, TaskStatus]:
    """Return each task's status over its assignments in scope; tasks with none in scope are left out."""
    queryset = programme_assignments(programme=programme, unit=unit, unit_kinds=unit_kinds)
    by_task = defaultdict(list)
    for task_id, status in assignments_with_status(as_of=as_of, view=view, queryset=queryset).values_list(
        "task_id", "status"
    ):
        by_task[task_id].append(status)
    return {task_id: task_status(statuses) for task_id, statuses in by_task.items()}


def task_status_counts(**scope) -> dict[str, int]:
    """Return the number of tasks in each status, and their total (same arguments as task_statuses)."""
    counts = Counter(task_statuses(**scope).values())
    result = {status.value: counts.get(status.value, 0) for status in TaskStatus}
    result["total"] = sum(counts.values())
    return result


def units_done(*, programme: Programme, kind: str, as_of: date, view: str = View.VERIFIED) -> dict[str, int]:
    """Return how many units of a kind have done every assignment in their subtree, of those with any."""
    units = list(Unit.objects.filter(kind=kind).values_list("path", flat=True))
    statuses = assignments_with_status(
        as_of=as_of,
        view=view,
        queryset=programme_assignments(programme=programme),
    ).values_list("unit__path", "status")
    all_done: dict[str, bool] = {}
    for path, status in statuses:
        owner = _owning_path(path, units)
        if owner is not None:
            all_done[owner] = all_done.get(owner, True) and is_done(status)
    return {"done": sum(all_done.values()), "total": len(all_done)}


def _owning_path(path: str, candidate_paths: list[str]) -> str | None:
    for candidate in candidate_paths:
        if path.startswith(candidate):
            return candidate
    return None


def goal_assessments(*, programme: Programme, as_of: date, view: str = View.VERIFIED) -> dict[int, bool]:
    """Return, for each goal with a counting assessment, whether the latest one says it is achieved."""
    latest = counting_reports(as_of=as_of, view=view).filter(goal=OuterRef("pk"))
    rows = (
        Goal.objects.filter(programme=programme)
        .annotate(latest_status=Subquery(latest.values("status")[:1]))
        .exclude(latest_status=None)
        .values_list("pk", "latest_status")
    )
    return {goal_id: status == ReportStatus.DONE for goal_id, status in rows}


def tasks_for_programme(programme: Programme) -> QuerySet[Task]:
    return Task.objects.filter(programme=programme).select_related("goal", "lead_unit").order_by("code")


def units_for_user(user, role: str) -> QuerySet[Unit]:
    """Return the units, with their subtrees, in which a user holds a role."""
    if not user.is_authenticated:
        return Unit.objects.none()
    paths = Membership.objects.filter(user=user, role=role, unit__isnull=False).values_list(
        "unit__path", flat=True
    )
    queryset = Unit.objects.none()
    for path in paths:
        queryset = queryset | Unit.objects.filter(path__startswith=path)
    return queryset


def assignments_for_user(user) -> QuerySet[Assignment]:
    """Return the assignments a user reports on: those of units in their reporter subtrees."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    paths = list(
        Membership.objects.filter(user=user, role=Role.REPORTER).values_list("unit__path", flat=True)
    )
    queryset = Assignment.objects.none()
    for path in paths:
        queryset = queryset | Assignment.objects.filter(unit__path__startswith=path)
    return queryset.select_related("task__programme", "unit", "verified_report", "reported_report")
