"""Set-based recompute of every rollup: status counts, goals achieved and indicator values.

One grouped query per programme reads every assignment's status as of a day in both views, using the
report chains (``effective_date <= D AND (until IS NULL OR until > D)``, kept by projects.services);
the tree is rolled up in memory along ``Unit.parent``, one merge per unit, deepest level first; the
rows are written in one transaction under a per-programme lock. So a run is idempotent, two runs at
once serialise and give the same rows as one, and a worker killed mid-run leaves the previous rows.

A refresh after a change recomputes only the units on the changed paths to the nation: the same
query, grouped by the deepest changed unit that holds each assignment, rolls up a tree of a few rows.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from metrics import generation, memo
from metrics import selectors as metric_selectors
from metrics.choices import Aggregation
from metrics.models import (
    GoalRollup,
    Indicator,
    IndicatorRollup,
    Observation,
    RollupDay,
    RollupOutcome,
    RollupPending,
    RollupRun,
    RollupScope,
    StatusRollup,
    TaskRollup,
)
from projects import selectors as project_selectors
from projects.choices import CENTRAL_KINDS, AssignmentStatus, ReviewState, View
from projects.models import Programme, Unit

logger = logging.getLogger(__name__)

VIEWS = (View.VERIFIED, View.REPORTED)
# Statuses as small integers, in this order, so that the hot loop indexes lists instead of hashing.
STATUSES = (
    AssignmentStatus.DONE_ON_TIME,
    AssignmentStatus.DONE_LATE,
    AssignmentStatus.OVERDUE,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.NOT_STARTED,
)
DONE_ON_TIME, DONE_LATE, OVERDUE, IN_PROGRESS, NOT_STARTED = range(5)
# Days before the latest keep rows down to this depth only: the nation and the units right below it.
SNAPSHOT_DEPTH = 1
LOCK_NAMESPACE = 7_261_006
BATCH_SIZE = 5000
STATUS_FIELDS = [s.value for s in STATUSES]


def today() -> date:
    return timezone.localdate()


# The status rule of projects.status, as SQL over one counting report per view ------------------------


def _status_case(alias: str) -> str:
    return (
        f"CASE WHEN {alias}.status = 'done' AND (a.deadline IS NULL OR {alias}.completed_on <= a.deadline) "
        f"THEN {DONE_ON_TIME} "
        f"WHEN {alias}.status = 'done' THEN {DONE_LATE} "
        f"WHEN a.deadline < %s THEN {OVERDUE} "
        f"WHEN {alias}.status = 'in_progress' THEN {IN_PROGRESS} "
        f"ELSE {NOT_STARTED} END"
    )


def _counting_join(alias: str, view: str) -> tuple[str, list]:
    states = (
        [ReviewState.ACCEPTED.value]
        if view == View.VERIFIED
        else [
            ReviewState.ACCEPTED.value,
            ReviewState.SUBMITTED.value,
        ]
    )
    until = f"{alias}.{view}_until"
    placeholders = ", ".join(["%s"] * len(states))
    sql = (
        f"LEFT JOIN projects_report {alias} ON {alias}.assignment_id = a.id "
        f"AND {alias}.review_state IN ({placeholders}) AND {alias}.effective_date <= %s "
        f"AND ({until} IS NULL OR {until} > %s)"
    )
    return sql, states


def _status_query(*, programme_id: int, day: date, group: str, group_params: list, where: str, where_params):
    """Return the grouped query of assignment statuses: (group, task, central, verified, reported, n)."""
    join_v, states_v = _counting_join("rv", View.VERIFIED)
    join_r, states_r = _counting_join("rr", View.REPORTED)
    central = ", ".join(["%s"] * len(CENTRAL_KINDS))
    # Only placeholders and fixed fragments are interpolated; every value travels as a parameter.
    sql = (
        f"SELECT {group} AS grp, "  # noqa: S608
        f"a.task_id, CASE WHEN u.kind IN ({central}) THEN 1 ELSE 0 END AS central, "
        f"{_status_case('rv')} AS sv, {_status_case('rr')} AS sr, COUNT(*) "
        "FROM projects_assignment a "
        "JOIN projects_task t ON t.id = a.task_id "
        "JOIN projects_unit u ON u.id = a.unit_id "
        f"{join_v} {join_r} "
        # Only the assignments valid on the day: a carried one counts on its predecessor's unit until
        # that unit's last day and on the successor from the next (projects.lineage), never on both.
        "WHERE t.programme_id = %s AND (a.valid_from IS NULL OR a.valid_from <= %s) "
        f"AND (a.valid_to IS NULL OR a.valid_to >= %s) {where} "
        "GROUP BY 1, 2, 3, 4, 5"
    )
    params = [
        *group_params,
        *[k.value for k in CENTRAL_KINDS],
        day,
        day,
        *states_v,
        day,
        day,
        *states_r,
        day,
        day,
        programme_id,
        day,
        day,
        *where_params,
    ]
    return sql, params


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The roll-up in memory -----------------------------------------------------------------------------


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
):
    """Count a programme's status figures for every unit (or every unit of one subtree) as of a day.

    With ``accumulators``, also fill in the per-task figures of the units right below the nation.
    """
    where, where_params = "", []
    if within is not None:
        where, where_params = "AND u.path LIKE %s", [within.path + "%"]
    sql, params = _status_query(
        programme_id=programme.pk,
        day=day,
        group="a.unit_id",
        group_params=[],
        where=where,
        where_params=where_params,
    )
    if tree is None:
        tree = unit_tree(Unit.objects.subtree(within) if within is not None else None)
    keep = {unit_id for unit_id, depth in tree.depth.items() if depth == SNAPSHOT_DEPTH}
    return roll_up(_fetch(sql, params), tree, keep=keep, accumulators=accumulators)


# Indicators ----------------------------------------------------------------------------------------


def latest_observations(*, indicator_ids: list[int], day: date) -> list[tuple]:
    """Return (indicator, unit, value, denominator, period) of each unit's latest observation as of a day."""
    if not indicator_ids:
        return []
    if connection.vendor == "postgresql":
        placeholders = ", ".join(["%s"] * len(indicator_ids))
        return _fetch(
            "SELECT DISTINCT ON (indicator_id, unit_id) indicator_id, unit_id, value, denominator, period "  # noqa: S608
            f"FROM metrics_observation WHERE indicator_id IN ({placeholders}) AND period <= %s "
            "ORDER BY indicator_id, unit_id, period DESC, reported_at DESC, id DESC",
            [*indicator_ids, day],
        )
    latest = {}
    rows = (
        Observation.objects.filter(indicator_id__in=indicator_ids, period__lte=day)
        .order_by("indicator_id", "unit_id", "period", "reported_at", "pk")
        .values_list("indicator_id", "unit_id", "value", "denominator", "period")
    )
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        latest[row[0], row[1]] = row
    return list(latest.values())


def compute_indicators(*, indicators: list[Indicator], day: date, tree: Tree) -> dict[tuple[int, int], dict]:
    """Return (indicator, unit) → the fields of an IndicatorRollup row, by metrics.selectors semantics.

    A unit's value is its own latest observation if it has one, else the aggregate by the indicator's
    rule of the latest observations of every unit below it.
    """
    by_id = {indicator.pk: indicator for indicator in indicators}
    own: dict[tuple[int, int], dict] = {}
    # (indicator, unit) → [sum, count, min, max, denominator sum, latest period]
    below: dict[tuple[int, int], list] = {}
    for indicator_id, unit_id, value, denominator, period in latest_observations(
        indicator_ids=list(by_id), day=day
    ):
        value = Decimal(value)
        denominator = Decimal(denominator) if denominator is not None else None
        own[indicator_id, unit_id] = {
            "value": value,
            "denominator": denominator,
            "period": period,
            "units": 1,
            "own": True,
        }
        ancestor = tree.parent.get(unit_id)
        while ancestor is not None:
            acc = below.get((indicator_id, ancestor))
            if acc is None:
                below[indicator_id, ancestor] = [value, 1, value, value, denominator or 0, period]
            else:
                acc[0] += value
                acc[1] += 1
                acc[2] = min(acc[2], value)
                acc[3] = max(acc[3], value)
                acc[4] += denominator or 0
                acc[5] = max(acc[5], period)
            ancestor = tree.parent.get(ancestor)
    result = dict(own)
    for key, (total, count, low, high, denominators, period) in below.items():
        if key in own:
            continue
        rule = by_id[key[0]].aggregation
        values = {
            Aggregation.SUM: (total, None),
            Aggregation.MEAN: (total / count, None),
            Aggregation.MIN: (low, None),
            Aggregation.MAX: (high, None),
            Aggregation.RATIO: (total, denominators or None),
        }
        if rule not in values:
            continue
        value, denominator = values[rule]
        result[key] = {
            "value": value,
            "denominator": denominator,
            "period": period,
            "units": count,
            "own": False,
        }
    return result


def indicator_value_of(figures: dict | None) -> metric_selectors.IndicatorValue:
    if figures is None or figures.get("value") is None:
        return metric_selectors.IndicatorValue(None)
    return metric_selectors.IndicatorValue(
        figures["value"], figures["denominator"], figures["period"], figures["units"]
    )


nation_of = metric_selectors.nation_of


def compute_goals(
    *, programme: Programme, day: date, nation_values: dict[int, dict], indicators: list[Indicator]
) -> dict[str, dict]:
    """Return view → achieved goal ids and total, by metrics.selectors.goals_achieved semantics."""
    assessments = project_selectors.goal_assessments_by_view(programme=programme, as_of=day)
    total = len(assessments)
    result = {}
    for view in VIEWS:
        achieved = {goal_id for goal_id, by_view in assessments.items() if by_view[view]}
        for indicator in indicators:
            if indicator.goal_id is None or indicator.goal_id in achieved:
                continue
            if metric_selectors.target_reached(
                indicator, indicator_value_of(nation_values.get(indicator.pk))
            ):
                achieved.add(indicator.goal_id)
        result[view] = {"achieved": len(achieved), "total": total, "achieved_goals": sorted(achieved)}
    return result


# Writing -------------------------------------------------------------------------------------------


def _lock(programme_id: int) -> None:
    """Serialise writers of one programme's rollups; released when the transaction ends.

    Every writer takes it, so it also bumps the programme's page generation on commit.
    """
    generation.bump([programme_id])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, programme_id])


def _pause_for_tests(stage: str) -> None:
    """Hold a run half-written so that a test can kill the worker there; off unless the test asks."""
    marker = os.environ.get("TIENDO_ROLLUPS_PAUSE_FILE")
    if marker and stage == "half-written":
        with open(marker, "w") as handle:
            handle.write(stage)
        time.sleep(float(os.environ.get("TIENDO_ROLLUPS_PAUSE_SECONDS", "60")))


def _status_objects(programme_id: int, day: date, figures: dict) -> list[StatusRollup]:
    return [
        StatusRollup(programme_id=programme_id, unit_id=unit_id, view=view, day=day, **counts)
        for unit_id, by_view in figures.items()
        for view, counts in by_view.items()
    ]


def _bulk_insert(model, objects: list, *, after_first_batch: Callable[[], None] | None = None) -> None:
    """Insert rows in batches: COPY on PostgreSQL (several times faster for 100,000 rows), else bulk_create."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        for start in range(0, len(objects), BATCH_SIZE):
            model.objects.bulk_create(objects[start : start + BATCH_SIZE])
            if start == 0 and after_first_batch:
                after_first_batch()
        return
    from metrics.national import BulkWriter

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    writer = BulkWriter(model, [f.column for f in fields])
    writer.CHUNK = BATCH_SIZE
    attnames = [f.attname for f in fields]
    for index, obj in enumerate(objects, start=1):
        writer.add(tuple(getattr(obj, name) for name in attnames))
        if index == BATCH_SIZE and after_first_batch:
            after_first_batch()
    writer.flush()
    if len(objects) < BATCH_SIZE and after_first_batch:
        after_first_batch()


def _write_status(objects: list[StatusRollup]) -> None:
    _bulk_insert(StatusRollup, objects, after_first_batch=lambda: _pause_for_tests("half-written"))


def _write_tasks(programme_id: int, day: date, accumulators: dict) -> int:
    objects = [
        TaskRollup(
            programme_id=programme_id,
            unit_id=unit_id,
            task_id=task_id,
            view=view,
            day=day,
            assignments=acc[0],
            done=acc[1],
            overdue=acc[2],
            active=acc[3],
            central=acc[4],
            central_done=acc[5],
            done_late=acc[6],
        )
        for (unit_id, view), by_task in accumulators.items()
        for task_id, acc in by_task.items()
    ]
    _bulk_insert(TaskRollup, objects)
    return len(objects)


class _Run:
    """Record a RollupRun: started before the work when possible, finished or failed after it."""

    def __init__(self, *, programme: Programme | None, scope: str, day: date | None):
        self.started = time.monotonic()
        self.run = RollupRun(programme=programme, scope=scope, day=day, started_at=timezone.now())
        if not connection.in_atomic_block:
            self.run.save()

    def finish(self, rows: int) -> RollupRun:
        self.run.finished_at = timezone.now()
        self.run.duration = time.monotonic() - self.started
        self.run.rows = rows
        self.run.outcome = RollupOutcome.SUCCEEDED
        self.run.save()
        return self.run

    def fail(self, error: BaseException) -> None:
        if connection.in_atomic_block and connection.needs_rollback:
            return
        self.run.finished_at = timezone.now()
        self.run.duration = time.monotonic() - self.started
        self.run.outcome = RollupOutcome.FAILED
        self.run.detail = repr(error)[:2000]
        try:
            self.run.save()
        except Exception:  # recording the failure must not hide the error itself
            logger.exception("could not record the failed rollup run")


def recompute_programme(
    programme: Programme,
    *,
    day: date | None = None,
    max_depth: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Recompute every rollup of a programme for a day (today by default); return the rows written.

    With ``max_depth`` only the units down to that depth are written (history for trend charts).
    """
    day = day or today()
    step = progress or (lambda _stage: None)
    run = _Run(
        programme=programme, scope=RollupScope.FULL if max_depth is None else RollupScope.HISTORY, day=day
    )
    try:
        with transaction.atomic():
            _lock(programme.pk)
            tree = unit_tree()
            step("status")
            accumulators: dict = {}
            figures = compute_status(programme=programme, day=day, tree=tree, accumulators=accumulators)
            if max_depth is not None:
                figures = {u: f for u, f in figures.items() if tree.depth[u] <= max_depth}
            step("indicators")
            indicators = list(Indicator.objects.filter(programme=programme))
            values = compute_indicators(indicators=indicators, day=day, tree=tree)
            if max_depth is not None:
                values = {key: v for key, v in values.items() if tree.depth[key[1]] <= max_depth}
            nation_id = nation_of(programme).pk
            nation_values = {ind: v for (ind, unit), v in values.items() if unit == nation_id}
            goals = compute_goals(
                programme=programme, day=day, nation_values=nation_values, indicators=indicators
            )
            step("write")
            existing = RollupDay.objects.filter(programme=programme, day=day).first()
            depth_filter = {} if max_depth is None else {"unit__depth__lte": max_depth}
            StatusRollup.objects.filter(programme=programme, day=day, **depth_filter).delete()
            TaskRollup.objects.filter(programme=programme, day=day).delete()
            _write_tasks(programme.pk, day, accumulators)
            IndicatorRollup.objects.filter(indicator__programme=programme, day=day, **depth_filter).delete()
            GoalRollup.objects.filter(programme=programme, day=day).delete()
            status_objects = _status_objects(programme.pk, day, figures)
            _write_status(status_objects)
            indicator_objects = [
                IndicatorRollup(indicator_id=ind, unit_id=unit, day=day, **v)
                for (ind, unit), v in values.items()
            ]
            _bulk_insert(IndicatorRollup, indicator_objects)
            GoalRollup.objects.bulk_create(
                [GoalRollup(programme=programme, view=view, day=day, **g) for view, g in goals.items()]
            )
            if (
                max_depth is not None
                and existing is not None
                and existing.max_depth is None
                and not existing.stale
            ):
                # A history run never narrows a day that is already complete.
                stored_depth = None
            else:
                stored_depth = max_depth
            RollupDay.objects.update_or_create(
                programme=programme,
                day=day,
                defaults={"max_depth": stored_depth, "computed_at": timezone.now(), "stale": False},
            )
            rows = len(status_objects) + len(indicator_objects) + len(goals)
    except BaseException as error:
        run.fail(error)
        raise
    run.finish(rows)
    return rows


def recompute_all(*, day: date | None = None, programmes=None, progress=None) -> int:
    """Recompute every programme for a day (the nightly job then prunes earlier days with prune())."""
    day = day or today()
    rows = 0
    for programme in programmes if programmes is not None else Programme.objects.order_by("code"):
        rows += recompute_programme(programme, day=day, progress=progress)
    return rows


def prune(*, before: date, programmes=None) -> int:
    """Delete rows below the snapshot depth for days before ``before``; trends read only the top."""
    programmes = list(programmes if programmes is not None else Programme.objects.all())
    deleted = 0
    for programme in programmes:
        with transaction.atomic():
            _lock(programme.pk)
            deleted += StatusRollup.objects.filter(
                programme=programme, day__lt=before, unit__depth__gt=SNAPSHOT_DEPTH
            ).delete()[0]
            deleted += TaskRollup.objects.filter(programme=programme, day__lt=before).delete()[0]
            deleted += IndicatorRollup.objects.filter(
                indicator__programme=programme, day__lt=before, unit__depth__gt=SNAPSHOT_DEPTH
            ).delete()[0]
            RollupDay.objects.filter(programme=programme, day__lt=before, max_depth=None).update(
                max_depth=SNAPSHOT_DEPTH
            )
    return deleted


def history_days(
    programme: Programme, *, until: date, step_days: int = 7, since: date | None = None
) -> list[date]:
    """Return the days of a trend's history: every ``step_days`` from the programme's start, and ``until``."""
    from datetime import timedelta

    first = since or programme.start
    days = []
    current = first
    while current < until:
        days.append(current)
        current += timedelta(days=step_days)
    days.append(until)
    return days


def recompute_history(programme: Programme, *, days: Iterable[date], progress=None) -> int:
    """Store the top of the tree for past days, for trend charts; a complete day stays complete."""
    rows = 0
    for day in days:
        rows += recompute_programme(programme, day=day, max_depth=SNAPSHOT_DEPTH)
        if progress:
            progress(day)
    if rows:
        analyze_rollups()
    return rows


def analyze_rollups() -> None:
    """Refresh the planner's statistics of the rollup tables after a bulk write.

    Until autovacuum gets to it, PostgreSQL would still believe the rows of the newest day are most of
    the table, and read a day's per-task rows by programme alone: 38 ms instead of 4 at scale 1.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (StatusRollup, TaskRollup, IndicatorRollup, GoalRollup, RollupDay):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# Refresh after a change ----------------------------------------------------------------------------


def _path_prefixes(paths: Iterable[str]) -> set[str]:
    prefixes = set()
    for path in paths:
        parts = [part for part in path.split("/") if part]
        prefixes.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return prefixes


def refresh_paths(programme: Programme, paths: Iterable[str], *, day: date | None = None) -> int:
    """Recompute the rows of every unit on the given paths to the nation, and the programme's goals.

    The assignments of the changed units' subtrees are read once, grouped by unit and given to the
    deepest changed unit above each, so that a refresh costs the subtrees it reads, for one changed
    commune or a thousand (a bulk review). A day not yet computed in full is computed in full
    instead, so that a refresh never leaves a partial day behind.
    """
    day = day or today()
    paths = list(paths)
    prefixes = _path_prefixes(paths)
    stored = RollupDay.objects.filter(programme=programme, day=day, max_depth__isnull=True).first()
    if stored is None:
        rows = recompute_programme(programme, day=day)
        mark_history_stale(programme, paths, day=day, since=stored.computed_at if stored else None)
        return rows
    run = _Run(programme=programme, scope=RollupScope.PATHS, day=day)
    try:
        with transaction.atomic():
            _lock(programme.pk)
            targets = list(Unit.objects.filter(path__in=prefixes).values_list("pk", "path", "depth"))
            figures, accumulators = _refresh_figures(programme, day, targets)
            target_ids = [pk for pk, _path, _depth in targets]
            StatusRollup.objects.filter(programme=programme, day=day, unit_id__in=target_ids).delete()
            TaskRollup.objects.filter(programme=programme, day=day, unit_id__in=target_ids).delete()
            status_objects = _status_objects(programme.pk, day, figures)
            _write_status(status_objects)
            _write_tasks(programme.pk, day, accumulators)
            goals_written = _refresh_goals(programme, day)
            mark_history_stale(programme, paths, day=day, since=stored.computed_at)
            RollupDay.objects.filter(programme=programme, day=day).update(computed_at=timezone.now())
    except BaseException as error:
        run.fail(error)
        raise
    run.finish(len(status_objects) + goals_written)
    return len(status_objects) + goals_written


def _refresh_figures(programme: Programme, day: date, targets: list[tuple[int, str, int]]):
    """Count the figures of the changed units without reading the whole programme.

    Below the nation, each changed unit's subtree is read (a province is a few thousand assignments),
    grouped by the deepest changed unit above each assignment. The nation's row is then the sum of
    the stored rows of the units right below it, with the changed ones replaced: assignment counts
    add up, and task counts follow from the per-task rows (TaskRollup) of those units.
    """
    figures: dict[int, dict[str, dict]] = {}
    accumulators: dict = {}
    deep = sorted((t for t in targets if t[2] >= SNAPSHOT_DEPTH), key=lambda t: -t[2])
    tops = [t for t in deep if t[2] == SNAPSHOT_DEPTH]
    if deep and tops:
        # Each assignment counted under the deepest changed unit above it: the query costs the size of
        # the subtrees read, however many units changed in them (a bulk review touches a thousand communes).
        from metrics import refresh_grouped

        rows = refresh_grouped.status_rows(programme.pk, day, deep)
        figures = roll_up(
            rows, _target_tree(deep), keep={pk for pk, _p, _d in tops}, accumulators=accumulators
        )
    for root_pk, root_path, _depth in (t for t in targets if t[2] < SNAPSHOT_DEPTH):
        root_figures = _root_figures(
            programme, day, root_pk, root_path, [pk for pk, _p, _d in tops], figures, accumulators
        )
        if root_figures:
            figures[root_pk] = root_figures
    return figures, accumulators


def _root_figures(programme, day, root_pk, root_path, refreshed, figures, accumulators) -> dict | None:
    counts = {view: [0] * 5 for view in VIEWS}
    task_accs: dict[str, dict[int, list[int]]] = {view: {} for view in VIEWS}

    def add_task(view, task_id, values):
        acc = task_accs[view].get(task_id)
        if acc is None:
            task_accs[view][task_id] = list(values)
        else:
            for index, value in enumerate(values):
                acc[index] += value

    below = {
        "programme": programme,
        "day": day,
        "unit__depth": SNAPSHOT_DEPTH,
        "unit__path__startswith": root_path,
    }
    for row in (
        StatusRollup.objects.filter(**below)
        .exclude(unit_id__in=refreshed)
        .values_list("view", *STATUS_FIELDS)
    ):
        for index, value in enumerate(row[1:]):
            counts[row[0]][index] += value
    stored_tasks = TaskRollup.objects.filter(**below).exclude(unit_id__in=refreshed)
    for view, task_id, *values in stored_tasks.values_list(
        "view", "task_id", "assignments", "done", "overdue", "active", "central", "central_done"
    ):
        add_task(view, task_id, values)
    for unit_id in refreshed:
        for view in VIEWS:
            unit_figures = figures.get(unit_id, {}).get(view)
            if unit_figures:
                for index, name in enumerate(STATUS_FIELDS):
                    counts[view][index] += unit_figures[name]
            for task_id, values in accumulators.get((unit_id, view), {}).items():
                add_task(view, task_id, values[:6])  # the nation's figures need no late count
    # The root's own assignments, counted as the full recompute does.
    sql, params = _status_query(
        programme_id=programme.pk,
        day=day,
        group="a.unit_id",
        group_params=[],
        where="AND a.unit_id = %s",
        where_params=[root_pk],
    )
    own = roll_up(
        _fetch(sql, params),
        Tree({root_pk: None}, {root_pk: 0}),
        keep={root_pk},
        accumulators=(own_accs := {}),
    )
    for view in VIEWS:
        if view in own.get(root_pk, {}):
            for index, name in enumerate(STATUS_FIELDS):
                counts[view][index] += own[root_pk][view][name]
        for task_id, values in own_accs.get((root_pk, view), {}).items():
            add_task(view, task_id, values[:6])
    if not any(sum(c) for c in counts.values()):
        return None
    result = {}
    for view in VIEWS:
        accs = task_accs[view]
        result[view] = _figures(
            counts[view],
            {task_id: acc[:4] for task_id, acc in accs.items()},
            {task_id: acc[4:6] for task_id, acc in accs.items() if acc[4]},
        )
    return result


def mark_history_stale(
    programme: Programme, paths: Iterable[str], *, day: date, since: datetime | None
) -> int:
    """Flag the stored days before ``day`` that a change may reach back to; return how many.

    A report submitted or reviewed since the last computation reaches back to its effective date.
    A change without such a report (a deadline, a new assignment, a unit moved) may change any
    earlier day. Flagged days are counted afresh by the readers until recompute_stale() runs.
    """
    from django.db.models import Min, Q

    from projects.models import Report

    earliest = None
    if since is not None:
        changed = Report.objects.filter(programme=programme).filter(
            Q(submitted_at__gte=since) | Q(reviewed_at__gte=since)
        )
        unit_paths = [path for path in paths if path]
        changed = (
            changed.filter(assignment__unit__path__in=unit_paths)
            if unit_paths
            else changed.filter(goal__isnull=False)
        )
        earliest = changed.aggregate(earliest=Min("effective_date"))["earliest"]
    days = RollupDay.objects.filter(programme=programme, day__lt=day, stale=False)
    if earliest is not None:
        days = days.filter(day__gte=earliest)
    generation.bump([programme.pk])  # pages of those days read other figures from now on
    return days.update(stale=True)


def recompute_stale(*, programmes=None, limit: int = 60, progress=None) -> int:
    """Recompute the stored earlier days flagged stale, latest first, at most ``limit`` of them."""
    days = RollupDay.objects.filter(stale=True).select_related("programme").order_by("-day")
    if programmes is not None:
        days = days.filter(programme__in=list(programmes))
    rows = 0
    for stored in days[:limit]:
        rows += recompute_programme(stored.programme, day=stored.day, max_depth=stored.max_depth)
        if progress:
            progress(stored.day)
    return rows


def _target_tree(targets: list[tuple[int, str, int]]) -> Tree:
    """Link each changed unit to the nearest changed unit above it."""
    by_path = {path: pk for pk, path, _depth in targets}
    parent, depth = {}, {}
    for pk, path, unit_depth in targets:
        depth[pk] = unit_depth
        parent[pk] = None
        prefixes = sorted(_path_prefixes([path]) - {path}, key=len, reverse=True)
        for prefix in prefixes:
            if prefix in by_path:
                parent[pk] = by_path[prefix]
                break
    return Tree(parent, depth)


def _refresh_goals(programme: Programme, day: date) -> int:
    indicators = list(Indicator.objects.filter(programme=programme))
    nation_values = {
        row["indicator_id"]: row
        for row in IndicatorRollup.objects.filter(
            indicator__programme=programme, day=day, unit=nation_of(programme)
        ).values("indicator_id", "value", "denominator", "period", "units")
    }
    goals = compute_goals(programme=programme, day=day, nation_values=nation_values, indicators=indicators)
    GoalRollup.objects.filter(programme=programme, day=day).delete()
    GoalRollup.objects.bulk_create(
        [GoalRollup(programme=programme, view=view, day=day, **g) for view, g in goals.items()]
    )
    return len(goals)


# Pending refreshes ---------------------------------------------------------------------------------


def mark_pending(*, programme_ids: Iterable[int], unit_paths: Iterable[str]) -> int:
    """Record what a change affected; the flush that follows refreshes it all at once.

    Called inside the change's transaction. A path already pending gets a new ``requested_at``, so a
    flush that read the figures before this change committed does not clear it (see flush_pending).
    Rows are written in one order, so that two changes never wait on each other's rows in a cycle.
    """
    now = timezone.now()
    paths = set(unit_paths) or {""}
    rows = [
        RollupPending(programme_id=programme_id, path=path, requested_at=now)
        for programme_id in sorted(set(programme_ids))
        for path in sorted(paths)
    ]
    RollupPending.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["programme", "path"], update_fields=["requested_at"]
    )
    return len(rows)


def flush_pending(*, day: date | None = None) -> int:
    """Refresh every pending path, one refresh per programme, and clear what was refreshed.

    The pending rows are read without locking them, so that a change marking a path pending never
    waits for a flush. Only the rows still as they were read are deleted, in the refresh's
    transaction: a path marked again meanwhile stays pending for the next flush, and a worker killed
    here leaves every row for the next flush.
    """
    rows = 0
    pending = list(
        RollupPending.objects.order_by("programme_id", "path").values_list(
            "pk", "programme_id", "path", "requested_at"
        )
    )
    if not pending:
        return 0
    by_programme: dict[int, set[str]] = defaultdict(set)
    for _pk, programme_id, path, _at in pending:
        by_programme[programme_id].add(path)
    with transaction.atomic():
        for programme in Programme.objects.filter(pk__in=list(by_programme)).order_by("pk"):
            rows += refresh_paths(programme, {p for p in by_programme[programme.pk] if p}, day=day)
        for start in range(0, len(pending), 500):
            done = Q()
            for pk, _programme_id, _path, requested_at in pending[start : start + 500]:
                done |= Q(pk=pk, requested_at=requested_at)
            RollupPending.objects.filter(done).delete()
    return rows


def stale_after():
    return settings.TIENDO_STALE_AFTER


def computed_at_of(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# Verification --------------------------------------------------------------------------------------


def _fresh_status(programme: Programme, day: date) -> dict[str, dict[int, dict]]:
    """Count every subtree's figures from the status selectors, by walking path prefixes: view → unit → figures."""
    from projects.status import task_status

    units = {path: (pk, kind) for pk, path, kind in Unit.objects.values_list("pk", "path", "kind")}
    result: dict[str, dict[int, dict]] = {}
    for view in VIEWS:
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
        by_task: dict[tuple[str, int], list[str]] = defaultdict(list)
        central_by_task: dict[tuple[str, int], list[str]] = defaultdict(list)
        rows = project_selectors.assignments_with_status(
            as_of=day, view=view, queryset=project_selectors.programme_assignments(programme=programme)
        ).values_list("unit__path", "unit__kind", "task_id", "status")
        for path, kind, task_id, status in rows.iterator(chunk_size=BATCH_SIZE):
            index = STATUS_FIELDS.index(status)
            for prefix in _path_prefixes([path]):
                counts[prefix][index] += 1
                by_task[prefix, task_id].append(status)
                if kind in CENTRAL_KINDS:
                    central_by_task[prefix, task_id].append(status)
        tasks: dict[str, list[str]] = defaultdict(list)
        for (prefix, _task_id), statuses in by_task.items():
            tasks[prefix].append(task_status(statuses))
        central: dict[str, list[str]] = defaultdict(list)
        for (prefix, _task_id), statuses in central_by_task.items():
            central[prefix].append(task_status(statuses))
        view_result = {}
        for prefix, status_counts in counts.items():
            figures = dict(zip(STATUS_FIELDS, status_counts, strict=True))
            task_list = tasks[prefix]
            figures.update(
                assignments=sum(status_counts),
                tasks=len(task_list),
                tasks_done=task_list.count("done"),
                tasks_overdue=task_list.count("overdue"),
                tasks_in_progress=task_list.count("in_progress"),
                tasks_not_started=task_list.count("not_started"),
                central_tasks=len(central[prefix]),
                central_tasks_done=central[prefix].count("done"),
            )
            view_result[units[prefix][0]] = figures
        result[view] = view_result
    return result


def verify_programme(programme: Programme, day: date) -> list[str]:
    """Compare every stored figure of a programme and day with a fresh count; return the differences."""
    differences: list[str] = []
    stored_day = RollupDay.objects.filter(programme=programme, day=day).first()
    if stored_day is None:
        return [f"{programme.code} {day}: no rollups stored"]
    fresh = _fresh_status(programme, day)
    codes = dict(Unit.objects.values_list("pk", "code"))
    depths = dict(Unit.objects.values_list("pk", "depth"))
    fields = [
        *STATUS_FIELDS,
        "assignments",
        "tasks",
        "tasks_done",
        "tasks_overdue",
        "tasks_in_progress",
        "tasks_not_started",
        "central_tasks",
        "central_tasks_done",
    ]
    stored = {
        (row["unit_id"], row["view"]): row
        for row in StatusRollup.objects.filter(programme=programme, day=day).values(
            "unit_id", "view", *fields
        )
    }
    for view in VIEWS:
        for unit_id, figures in fresh[view].items():
            if not stored_day.covers(depths[unit_id]):
                continue
            row = stored.pop((unit_id, view), None)
            if row is None:
                differences.append(f"{programme.code} {day} {view} {codes[unit_id]}: row missing")
                continue
            for name in fields:
                if row[name] != figures[name]:
                    differences.append(
                        f"{programme.code} {day} {view} {codes[unit_id]} {name}: "
                        f"stored {row[name]}, counted {figures[name]}"
                    )
    for (unit_id, view), row in stored.items():
        if any(row[name] for name in fields):
            differences.append(
                f"{programme.code} {day} {view} {codes[unit_id]}: stored figures for nothing assigned"
            )

    for view in VIEWS:
        goal = GoalRollup.objects.filter(programme=programme, day=day, view=view).first()
        achieved = metric_selectors.goals_achieved(programme=programme, as_of=day, view=view)
        total = programme.goals.count()
        if goal is None:
            differences.append(f"{programme.code} {day} {view} goals: row missing")
        elif (goal.achieved, goal.total) != (len(achieved), total):
            differences.append(
                f"{programme.code} {day} {view} goals: stored {goal.achieved}/{goal.total}, "
                f"counted {len(achieved)}/{total}"
            )

    differences.extend(_verify_tasks(programme, day, codes))
    differences.extend(_verify_indicators(programme, day, stored_day, codes, depths))
    return differences


TASK_FIELDS = ("assignments", "done", "overdue", "active", "central", "central_done", "done_late")


def _verify_tasks(programme: Programme, day: date, codes: dict[int, str]) -> list[str]:
    """Compare the per-task rows of the units right below the nation with a count from the status
    selectors (days older than the retention keep none: nothing to compare)."""
    stored = {
        (row[0], row[1], row[2]): list(row[3:])
        for row in TaskRollup.objects.filter(programme=programme, day=day).values_list(
            "unit_id", "task_id", "view", *TASK_FIELDS
        )
    }
    if not stored:
        return []
    tops = dict(Unit.objects.filter(depth=SNAPSHOT_DEPTH).values_list("path", "pk"))
    done = {AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE}
    counted: dict[tuple[int, int, str], list[int]] = {}
    for view in VIEWS:
        rows = project_selectors.assignments_with_status(
            as_of=day, view=view, queryset=project_selectors.programme_assignments(programme=programme)
        ).values_list("unit__path", "unit__kind", "task_id", "status")
        for path, kind, task_id, status in rows.iterator(chunk_size=BATCH_SIZE):
            top = tops.get("/".join(path.split("/")[:2]) + "/")
            if top is None:  # the nation's own assignment: no unit below the nation holds it
                continue
            acc = counted.setdefault((top, task_id, view), [0] * len(TASK_FIELDS))
            is_done = status in done
            central = kind in CENTRAL_KINDS
            for index, add in enumerate(
                (
                    True,
                    is_done,
                    status == AssignmentStatus.OVERDUE,
                    is_done or status == AssignmentStatus.IN_PROGRESS,
                    central,
                    central and is_done,
                    status == AssignmentStatus.DONE_LATE,
                )
            ):
                acc[index] += add
    differences = []
    for key in sorted(set(stored) | set(counted), key=lambda k: (k[2], codes.get(k[0], ""), k[1])):
        unit_id, task_id, view = key
        have, want = stored.get(key), counted.get(key)
        where = f"{programme.code} {day} {view} {codes.get(unit_id)} task {task_id}"
        if have is None:
            differences.append(f"{where}: task row missing")
        elif want is None:
            if any(have):
                differences.append(f"{where}: stored task figures for nothing assigned")
        else:
            differences.extend(
                f"{where} {name}: stored {a}, counted {b}"
                for name, a, b in zip(TASK_FIELDS, have, want, strict=True)
                if a != b
            )
    return differences


def _verify_indicators(programme, day, stored_day, codes, depths) -> list[str]:
    differences = []
    paths = dict(Unit.objects.values_list("pk", "path"))
    quantum = Decimal("0.0001")
    for indicator in Indicator.objects.filter(programme=programme):
        latest = metric_selectors.latest_observations(indicator=indicator, as_of=day)
        stored = {
            row["unit_id"]: row
            for row in IndicatorRollup.objects.filter(indicator=indicator, day=day).values(
                "unit_id", "value", "denominator", "units"
            )
        }
        below: dict[int, list] = defaultdict(list)
        for observation in latest.values():
            for prefix in _path_prefixes([paths[observation.unit_id]]):
                below[prefix].append(observation)
        by_path = {path: pk for pk, path in paths.items()}
        for prefix, observations in below.items():
            unit_id = by_path[prefix]
            if not stored_day.covers(depths[unit_id]):
                continue
            own = latest.get(unit_id)
            others = [o for o in observations if o.unit_id != unit_id]
            if own is not None:
                want = (own.value, own.denominator)
            else:
                want = _aggregate(indicator.aggregation, others)
            row = stored.pop(unit_id, None)
            got = (row["value"], row["denominator"]) if row else (None, None)

            def same(a, b):
                if a is None or b is None:
                    return a is None and b is None
                return Decimal(a).quantize(quantum) == Decimal(b).quantize(quantum)

            if not (same(got[0], want[0]) and same(got[1], want[1])):
                differences.append(
                    f"{indicator.code} {day} {codes[unit_id]}: stored {got[0]}/{got[1]}, counted {want[0]}/{want[1]}"
                )
        for unit_id, row in stored.items():
            differences.append(
                f"{indicator.code} {day} {codes[unit_id]}: stored {row['value']} for no observation"
            )
    return differences


def _aggregate(rule: str, observations: list) -> tuple:
    return metric_selectors.aggregate(rule, [(o.value, o.denominator) for o in observations])


def verify(*, programmes=None, days: Iterable[date] | None = None) -> list[str]:
    """Compare every stored figure (every stored day, unless days are given) with a fresh count."""
    differences = []
    for programme in programmes if programmes is not None else Programme.objects.order_by("code"):
        programme_days = (
            list(days)
            if days is not None
            else list(
                RollupDay.objects.filter(programme=programme).order_by("day").values_list("day", flat=True)
            )
        )
        for day in programme_days:
            differences.extend(verify_programme(programme, day))
    return differences
