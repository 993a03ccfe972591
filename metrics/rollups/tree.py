"""The roll-up in memory: grouped status rows added up the unit tree, one merge per unit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from metrics import memo
from metrics.rollups.status_sql import (
    BATCH_SIZE,
    DONE_LATE,
    IN_PROGRESS,
    OVERDUE,
    SNAPSHOT_DEPTH,
    STATUS_FIELDS,
    VIEWS,
    _fetch,
    _status_query,
)
from projects.models import Programme, Unit


@dataclass
class Tree:
    """Units as parent links and depths; a refresh builds a small tree of the changed paths only."""

    parent: dict[int, int | None]
    depth: dict[int, int]
    order: list[int] = field(default_factory=list)

    def __post_init__(self):
        # Children before parents, so that each unit is merged into its parent exactly once.
        self.order = sorted(self.parent, key=lambda unit_id: -self.depth[unit_id])


def unit_tree(queryset=None) -> Tree:
    """Return the tree of the given units, or of all units (read once per request: memo)."""
    if queryset is None:
        return memo.once(("unit_tree",), lambda: _unit_tree(Unit.objects.all()))
    return _unit_tree(queryset)


def _unit_tree(queryset) -> Tree:
    rows = queryset.values_list("pk", "parent_id", "depth")
    parent, depth = {}, {}
    for pk, parent_id, unit_depth in rows.iterator(chunk_size=BATCH_SIZE):
        parent[pk] = parent_id
        depth[pk] = unit_depth
    return Tree(parent, depth)


def _task_status_counts(tasks: dict) -> tuple[int, int, int, int, int]:
    done = overdue = active = 0
    for n, n_done, n_overdue, n_active, *_late in tasks.values():
        if n_done == n:
            done += 1
        elif n_overdue:
            overdue += 1
        elif n_active:
            active += 1
    return len(tasks), done, overdue, active, len(tasks) - done - overdue - active


def _figures(status_counts, task_accs: dict, central_accs: dict) -> dict[str, int]:
    n_tasks, done, overdue, active, not_started = _task_status_counts(task_accs)
    figures = dict(zip(STATUS_FIELDS, status_counts, strict=True))
    figures.update(
        assignments=sum(status_counts),
        tasks=n_tasks,
        tasks_done=done,
        tasks_overdue=overdue,
        tasks_in_progress=active,
        tasks_not_started=not_started,
        central_tasks=len(central_accs),
        central_tasks_done=sum(1 for n, n_done in central_accs.values() if n == n_done),
    )
    return figures


def roll_up(
    rows: Iterable[tuple], tree: Tree, *, keep: set[int] = frozenset(), accumulators: dict | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """Roll grouped status rows up the tree; return unit id → view → the counts of a StatusRollup row.

    Each row is (unit, task, central, verified status, reported status, count), the unit being a node
    of ``tree``. Assignment counts add up; task counts do not, so each unit keeps per task the number
    of assignments, done, overdue and active (in progress or done) below it, and a task's status in a
    subtree follows from those four (projects.status.task_status). A fifth, done late, lets a task's
    page read its assignments by status from TaskRollup.

    ``accumulators`` receives, for the units in ``keep``, (unit, view) → task → (assignments, done,
    overdue, active, central, central done, done late): the fields of their TaskRollup rows.
    """
    counts = [defaultdict(lambda: [0] * 5) for _ in VIEWS]
    tasks = [defaultdict(dict) for _ in VIEWS]
    central = [defaultdict(dict) for _ in VIEWS]
    for unit_id, task_id, is_central, sv, sr, n in rows:
        for index, status in ((0, sv), (1, sr)):
            counts[index][unit_id][status] += n
            acc = tasks[index][unit_id].get(task_id)
            if acc is None:
                acc = tasks[index][unit_id][task_id] = [0, 0, 0, 0, 0]
            acc[0] += n
            if status <= DONE_LATE:
                acc[1] += n
                acc[3] += n
                if status == DONE_LATE:
                    acc[4] += n
            elif status == OVERDUE:
                acc[2] += n
            elif status == IN_PROGRESS:
                acc[3] += n
            if is_central:
                c_acc = central[index][unit_id].get(task_id)
                if c_acc is None:
                    c_acc = central[index][unit_id][task_id] = [0, 0]
                c_acc[0] += n
                if status <= DONE_LATE:
                    c_acc[1] += n

    for unit_id in tree.order:
        parent_id = tree.parent[unit_id]
        if parent_id is None:
            continue
        for index in range(len(VIEWS)):
            own = counts[index].get(unit_id)
            if own is None:
                continue
            above = counts[index][parent_id]
            for status in range(5):
                above[status] += own[status]
            above_tasks = tasks[index][parent_id]
            for task_id, acc in tasks[index][unit_id].items():
                target = above_tasks.get(task_id)
                if target is None:
                    above_tasks[task_id] = acc.copy()
                else:
                    target[0] += acc[0]
                    target[1] += acc[1]
                    target[2] += acc[2]
                    target[3] += acc[3]
                    target[4] += acc[4]
            if unit_id in central[index]:
                above_central = central[index][parent_id]
                for task_id, acc in central[index][unit_id].items():
                    target = above_central.get(task_id)
                    if target is None:
                        above_central[task_id] = acc.copy()
                    else:
                        target[0] += acc[0]
                        target[1] += acc[1]

    result: dict[int, dict[str, dict[str, int]]] = {}
    for index, view in enumerate(VIEWS):
        for unit_id, status_counts in counts[index].items():
            unit_central = central[index].get(unit_id, {})
            result.setdefault(unit_id, {})[view] = _figures(
                status_counts, tasks[index][unit_id], unit_central
            )
            if accumulators is not None and unit_id in keep:
                accumulators[unit_id, view] = {
                    task_id: (*acc[:4], *unit_central.get(task_id, (0, 0)), acc[4])
                    for task_id, acc in tasks[index][unit_id].items()
                }
    return result


def compute_status(
    *,
    programme: Programme,
    day: date,
    within: Unit | None = None,
    tree: Tree | None = None,
    accumulators: dict | None = None,
    keep: set[int] | None = None,
):
    """Count a programme's status figures for every unit (or every unit of one subtree) as of a day.

    With ``accumulators``, also fill in the per-task figures of the units in ``keep`` (by default the units
    right below the nation).
    """
    given_tree = tree is not None
    if tree is None:
        tree = unit_tree(Unit.objects.subtree(within) if within is not None else None)
    where, where_params = "", []
    if within is not None:
        # By the subtree's unit ids rather than ``u.path LIKE``: PostgreSQL estimates a path prefix at a
        # fraction of its units and scans every assignment of the country (Hà Nội on the map of 2022, at
        # scale 1: 122 ms against 66), where it knows how many assignments each unit id holds.
        unit_ids = (
            list(Unit.objects.subtree(within).values_list("pk", flat=True)) if given_tree else list(tree.parent)
        )
        where = f"AND a.unit_id IN ({', '.join(['%s'] * len(unit_ids))})"
        where_params = unit_ids
    sql, params = _status_query(
        programme_id=programme.pk,
        day=day,
        group="a.unit_id",
        group_params=[],
        where=where,
        where_params=where_params,
    )
    if keep is None:
        keep = {unit_id for unit_id, depth in tree.depth.items() if depth == SNAPSHOT_DEPTH}
    return roll_up(_fetch(sql, params), tree, keep=keep, accumulators=accumulators)
