"""The rows of the task and goal tables: each task's status and assignment counts in both views, each goal's
measure, and the tasks grouped.

Split from metrics.dashboard (issue 13). For the whole programme the counts are the rollups' per-task rows when the
day is stored, or moved from the nearest stored day (metrics.rollups.any_day).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Exists, Sum

from metrics import figure_cache, readers
from metrics.dashboard import (
    DONE,
    STATUSES,
    grouped_statuses,
    programme_assignments,
    status_counts_by,
    stored_task_sums,
    summarise,
)
from projects.choices import AssignmentStatus, TaskStatus, View
from projects.models import Assignment, Goal, Programme, Task, Unit


def task_status_from_counts(counts: dict[str, int]) -> str:
    """Return a task's status from its assignments' status counts, as projects.status.task_status does."""
    total = sum(counts[s] for s in STATUSES)
    done = sum(counts[s] for s in DONE)
    if total and done == total:
        return TaskStatus.DONE
    if counts[AssignmentStatus.OVERDUE]:
        return TaskStatus.OVERDUE
    if done or counts[AssignmentStatus.IN_PROGRESS]:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


def task_rows(
    *, programme: Programme, as_of: date, kinds: tuple[str, ...] | None = None, unit: Unit | None = None
) -> list[dict]:
    """Return each task of a programme with its status and assignment counts, in both views.

    Tasks with no assignment in scope are left out, as the headline counts them. For the whole programme
    the counts are the rollups' per-task rows when the day is stored; otherwise they are counted.
    """
    if kinds is None and unit is None:
        stored = task_rows_stored(programme=programme, as_of=as_of)
        if stored is not None:
            return stored
    return figure_cache.remember(
        programme,
        as_of,
        ("task_rows", kinds, unit.pk if unit else None),
        lambda: task_rows_fresh(programme=programme, as_of=as_of, kinds=kinds, unit=unit),
    )


def task_rows_stored(*, programme: Programme, as_of: date) -> list[dict] | None:
    """Return task_rows() from the rollups' per-task rows of the day, or None when they cannot say: the day
    is not stored or is stale, or the nation holds an assignment itself (no row below the nation counts it)."""
    from metrics.models import TaskRollup

    task_fields = (
        "task__code",
        "task__title",
        "task__group",
        "task__deadline",
        "task__goal__code",
        "task__lead_unit__name",
        "task__lead_unit__short_name",
    )
    # A day not stored (or stale: reached back to by a backdated change) has the per-task figures the
    # readers counted it with.
    day = readers.stored_day(programme, as_of)
    if not day.is_stored:
        return _task_rows_any_day(day, task_fields)
    # One grouped read: each task's sums over its depth-one units, with the task's own fields.
    sums = (
        TaskRollup.objects.filter(programme=programme, day=as_of)
        .values("view", *task_fields)
        .annotate(
            total=Sum("assignments"),
            done_count=Sum("done"),
            overdue_count=Sum("overdue"),
            active_count=Sum("active"),
            nation_holds=Exists(
                Assignment.objects.filter(task__programme=programme, unit__parent__isnull=True)
            ),
        )
        .order_by()
    )
    by_task: dict = defaultdict(dict)
    for row in sums:
        if row["nation_holds"]:
            return None
        by_task[row["task__code"]][row["view"]] = row
    if not by_task:
        return None
    rows = []
    for code in sorted(by_task):
        verified = by_task[code].get(View.VERIFIED)
        reported = by_task[code].get(View.REPORTED) or verified
        if not verified or not verified["total"]:
            continue
        rows.append(
            {
                "code": code,
                "title": verified["task__title"],
                "group": verified["task__group"],
                "goal": verified["task__goal__code"] or "",
                "lead_unit": verified["task__lead_unit__short_name"] or verified["task__lead_unit__name"],
                "deadline": verified["task__deadline"],
                "status": _stored_task_status(verified),
                "reported_status": _stored_task_status(reported),
                "assignments": verified["total"],
                "done": verified["done_count"],
                "reported_done": reported["done_count"],
                "overdue": verified["overdue_count"],
                "percent": 100 * verified["done_count"] / verified["total"],
            }
        )
    return rows


def _task_rows_any_day(day, task_fields) -> list[dict] | None:
    sums = stored_task_sums(day)
    if sums is None:
        return None
    fields = [name.removeprefix("task__") for name in task_fields]
    tasks = {row["pk"]: row for row in Task.objects.filter(pk__in=list(sums)).values("pk", *fields)}
    rows = []
    for task_id, by_view in sums.items():
        verified = by_view.get(View.VERIFIED)
        if not verified or not verified["n_total"]:
            continue
        reported = by_view.get(View.REPORTED) or verified
        task = tasks[task_id]
        verified_row, reported_row = (
            {
                "total": v["n_total"],
                "done_count": v["n_done"],
                "overdue_count": v["n_overdue"],
                "active_count": v["n_active"],
            }
            for v in (verified, reported)
        )
        rows.append(
            {
                "code": task["code"],
                "title": task["title"],
                "group": task["group"],
                "goal": task["goal__code"] or "",
                "lead_unit": task["lead_unit__short_name"] or task["lead_unit__name"],
                "deadline": task["deadline"],
                "status": _stored_task_status(verified_row),
                "reported_status": _stored_task_status(reported_row),
                "assignments": verified["n_total"],
                "done": verified["n_done"],
                "reported_done": reported["n_done"],
                "overdue": verified["n_overdue"],
                "percent": 100 * verified["n_done"] / verified["n_total"],
            }
        )
    return sorted(rows, key=lambda row: row["code"])


def _stored_task_status(row: dict) -> str:
    if row["total"] and row["done_count"] == row["total"]:
        return TaskStatus.DONE
    if row["overdue_count"]:
        return TaskStatus.OVERDUE
    if row["active_count"]:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


def task_rows_fresh(
    *, programme: Programme, as_of: date, kinds: tuple[str, ...] | None = None, unit: Unit | None = None
) -> list[dict]:
    """Count task_rows() from the reports: one grouped query that carries each task's fields too."""
    task_fields = (
        "task__code",
        "task__title",
        "task__group",
        "task__deadline",
        "task__goal__code",
        "task__lead_unit__name",
        "task__lead_unit__short_name",
    )
    # One grouped query carries each task's own fields too, so no second read of the tasks.
    grouped = grouped_statuses(
        programme_assignments(programme=programme, as_of=as_of, kinds=kinds, unit=unit), *task_fields
    )
    tasks = {}
    for row in grouped:
        tasks.setdefault(row["task__code"], {field: row[field] for field in task_fields})
    counts = status_counts_by(grouped, key=lambda row: row["task__code"])
    rows = []
    for code in sorted(tasks):
        task = tasks[code]
        verified, reported = (summarise(counts[code][view]) for view in ("verified", "reported"))
        rows.append(
            {
                "code": code,
                "title": task["task__title"],
                "group": task["task__group"],
                "goal": task["task__goal__code"] or "",
                "lead_unit": task["task__lead_unit__short_name"] or task["task__lead_unit__name"],
                "deadline": task["task__deadline"],
                "status": task_status_from_counts(verified),
                "reported_status": task_status_from_counts(reported),
                "assignments": verified["total"],
                "done": verified["done"],
                "reported_done": reported["done"],
                "overdue": verified[AssignmentStatus.OVERDUE],
                "percent": verified["percent"],
            }
        )
    return rows


def goal_rows(*, programme: Programme, as_of: date, tasks: list[dict] | None = None) -> list[dict]:
    """Return each goal with whether it is achieved, in both views, and its tasks done.

    Achievement follows metrics.selectors.goals_achieved, with the nation's indicator values read from
    the rollups.
    """
    from metrics import rollups
    from metrics.selectors import target_reached

    day = readers.stored_day(programme, as_of)
    indicators = day.indicators()
    goals = day.goals()
    achieved = {view: set(goals[view]["achieved_goals"]) for view in goals}
    tasks_by_goal: dict = defaultdict(lambda: {"total": 0, "done": 0})
    for row in task_rows(programme=programme, as_of=as_of) if tasks is None else tasks:
        if row["goal"]:
            tasks_by_goal[row["goal"]]["total"] += 1
            tasks_by_goal[row["goal"]]["done"] += row["status"] == TaskStatus.DONE
    measured_by = {i.goal_id: i for i in indicators if i.goal_id}
    values = day.indicator_values(list(measured_by.values()), nation_only=True) if measured_by else {}
    rows = []
    for goal in Goal.objects.filter(programme=programme).order_by("code"):
        indicator = measured_by.get(goal.pk)
        value = rollups.indicator_value_of(values.get(indicator.pk)) if indicator else None
        reached = indicator is not None and target_reached(indicator, value)
        is_achieved = goal.pk in achieved[View.VERIFIED]
        rows.append(
            {
                "goal": goal,
                "code": goal.code,
                "title": goal.title,
                "group": goal.group,
                "deadline": goal.deadline,
                "achieved": is_achieved,
                "reported_achieved": goal.pk in achieved[View.REPORTED],
                # Why a goal counts as achieved (its tasks need not be done): its indicator reached
                # the target, or the programme office accepted an assessment saying so.
                "achieved_by": ("indicator" if reached else "assessment") if is_achieved else None,
                "overdue": not is_achieved and goal.deadline is not None and goal.deadline < as_of,
                "indicator": indicator,
                "indicator_value": value,
                "tasks": tasks_by_goal[goal.code]["total"],
                "tasks_done": tasks_by_goal[goal.code]["done"],
            }
        )
    return rows


def group_rows(tasks: list[dict]) -> list[dict]:
    """Return completion by task group: tasks done of tasks, verified and reported."""
    groups: dict = {}
    for row in tasks:
        entry = groups.setdefault(
            row["group"] or "—", {"group": row["group"] or "—", "total": 0, "done": 0, "reported_done": 0}
        )
        entry["total"] += 1
        entry["done"] += row["status"] == TaskStatus.DONE
        entry["reported_done"] += row["reported_status"] == TaskStatus.DONE
    return sorted(groups.values(), key=lambda g: g["group"])
