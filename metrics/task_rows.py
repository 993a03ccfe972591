"""The rows of the task and goal tables: each task's status and assignment counts in both views, each goal's
measure, and the tasks grouped.

Split from metrics.dashboard (issue 13). The counts are read through the one interface, readers.StoredDay.task_sums:
the rollups' per-task rows of a stored day, or those moved from the nearest stored day (metrics.rollups.any_day).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from metrics import readers
from projects.choices import TaskStatus, View
from projects.models import Goal, Programme, Task, Unit


def task_rows(
    *, programme: Programme, as_of: date, kinds: tuple[str, ...] | None = None, unit: Unit | None = None
) -> list[dict]:
    """Return each task of a programme with its status and assignment counts, in both views.

    The scope is the whole programme, a unit's subtree, or the subtrees of the units of some kinds right
    below the nation; its per-task figures come from the one read interface (readers.StoredDay.task_sums),
    for any day. Tasks with no assignment in scope are left out, as the headline counts them.
    """
    sums = readers.stored_day(programme, as_of).task_sums(unit, kinds=kinds)
    verified_sums, reported_sums = sums[View.VERIFIED], sums[View.REPORTED]
    counted = [task_id for task_id, acc in verified_sums.items() if acc[0]]
    tasks = Task.objects.filter(pk__in=counted).values(
        "pk", "code", "title", "group", "deadline", "goal__code", "lead_unit__name", "lead_unit__short_name"
    )
    rows = []
    for task in tasks:
        verified = verified_sums[task["pk"]]
        reported = reported_sums.get(task["pk"]) or verified
        total, done, overdue = verified[0], verified[1], verified[2]
        rows.append(
            {
                "code": task["code"],
                "title": task["title"],
                "group": task["group"],
                "goal": task["goal__code"] or "",
                "lead_unit": task["lead_unit__short_name"] or task["lead_unit__name"],
                "deadline": task["deadline"],
                "status": task_status_from_sums(verified),
                "reported_status": task_status_from_sums(reported),
                "assignments": total,
                "done": done,
                "reported_done": reported[1],
                "overdue": overdue,
                "percent": 100 * done / total,
            }
        )
    return sorted(rows, key=lambda row: row["code"])


def task_status_from_sums(acc: list[int]) -> str:
    """Return a task's status from its TASK_FIELDS (assignments, done, overdue, active, …), as
    projects.status.task_status does from its assignments."""
    total, done, overdue, active = acc[:4]
    if total and done == total:
        return TaskStatus.DONE
    if overdue:
        return TaskStatus.OVERDUE
    if active:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


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
