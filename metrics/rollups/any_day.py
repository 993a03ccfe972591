"""The figures of a day whose rollups are not stored, from the nearest stored day and what changed since.

An assignment's status changes only on the effective date of a counting report (in either view), on the
day after its deadline (overdue from then) and on its ``valid_from`` / ``valid_to`` (projects.lineage).
So the figures of a day D are those of a stored, not stale day S, plus, for only the assignments with a
report effective, a deadline or a validity boundary between S and D, their status on D less their status
on S (one grouped query over those assignments, indexed by ``report_programme_effective`` and the
assignment date indexes). Assignment counts add up; task counts do not, so the per-task rows that every
stored day keeps for the units right below the nation (TaskRollup: assignments, done, overdue, active,
central, central done, done late) are moved by the same difference, and each task's status in a subtree
follows from them. The nation's own assignments (rarely any) are counted directly.

This gives the nation and the units right below it, the depths that every stored day keeps. A deeper
unit (a province's communes on the province's page) is counted from its depth-one ancestor's subtree
(metrics.readers): at scale 1 a province holds about 8,000 assignments, a fraction of a second.

Indicator values as of D depend only on which observation periods are on or before D (an observation
counts from its period): a stored day with no observation period between it and D has D's values.

Why not a table of per-unit, per-day changes summed up to D (issue 13's own design): it needs a write on
every report, review, deadline and carry-over in projects.services and a running sum over every day
since the programme's start for each read, where this reads the stored day's ~10,000 task rows and the
assignments that changed in a window of at most half the history step (15 days with ``--step 30``; the
nightly run stores each day from then on). Measured at scale 1 in the README.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

from django.db import connection
from django.db.models import Count

from metrics import memo
from metrics.models import IndicatorRollup, Observation, RollupDay, StatusRollup
from metrics.rollups.bases import base_days
from metrics.rollups.indicators import nation_of
from metrics.rollups.status_sql import (
    DONE_LATE,
    DONE_ON_TIME,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    SNAPSHOT_DEPTH,
    STATUS_FIELDS,
    VIEWS,
    _fetch,
)
from metrics.rollups.tree import _figures
from projects.choices import CENTRAL_KINDS, ReviewState, View
from projects.models import Programme, Unit

# The fields of a task's accumulator, as a TaskRollup row holds them.
TASK_FIELDS = ("assignments", "done", "overdue", "active", "central", "central_done", "done_late")


class PackedTasks(Mapping):
    """(unit id, view) → task id → TASK_FIELDS, kept as two flat arrays per key and opened key by key.

    The figure cache keeps a day's TopFigures pickled, and every page that reads the day unpickles it:
    as dicts of lists, the ten thousand per-task rows of scale 1 took 12 ms to rebuild, most of an
    uncached page's budget, where a table of the whole programme needs only their sums (task_totals).
    """

    def __init__(self, tasks: dict[tuple[int, str], dict[int, list[int]]]):
        self._packed = {
            key: (array("q", by_task), array("q", chain.from_iterable(by_task.values())))
            for key, by_task in tasks.items()
        }
        self._open: dict = {}

    def __getitem__(self, key):
        found = self._open.get(key)
        if found is None:
            ids, flat = self._packed[key]
            width = len(TASK_FIELDS)
            found = self._open[key] = {
                task: list(flat[index * width : (index + 1) * width]) for index, task in enumerate(ids)
            }
        return found

    def __iter__(self):
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __getstate__(self):
        return self._packed

    def __setstate__(self, state):
        self._packed, self._open = state, {}


@dataclass
class TopFigures:
    """The figures of the nation and the units right below it on one day.

    ``status``: unit id → view → the fields of a StatusRollup row. ``tasks``: (unit id, view) → task id →
    the TASK_FIELDS of a TaskRollup row, for the units right below the nation. ``nation_holds``: whether the
    nation holds assignments itself (then no per-task row below it counts them).
    """

    status: dict[int, dict[str, dict]] = field(default_factory=dict)
    tasks: dict[tuple[int, str], dict[int, list[int]]] = field(default_factory=dict)
    nation_holds: bool = False
    base_day: date | None = None
    # view → task id → TASK_FIELDS summed over the units right below the nation (a task's row of a table).
    task_totals: dict[str, dict[int, list[int]]] = field(default_factory=dict)

    def __getstate__(self):
        state = dict(self.__dict__)
        if not isinstance(state["tasks"], PackedTasks):
            state["tasks"] = PackedTasks(state["tasks"])
        return state


def task_totals(tasks: dict[tuple[int, str], dict[int, list[int]]]) -> dict[str, dict[int, list[int]]]:
    """Sum per-task figures over units: view → task id → TASK_FIELDS."""
    grouped: dict[str, dict[int, list]] = {view: {} for view in VIEWS}
    for (_unit_id, view), by_task in tasks.items():
        into = grouped[view]
        for task, acc in by_task.items():
            into.setdefault(task, []).append(acc)
    # Column sums in C (zip, sum): some ten thousand rows at scale 1.
    return {
        view: {task: [sum(column) for column in zip(*accs, strict=True)] for task, accs in by_task.items()}
        for view, by_task in grouped.items()
    }


# A day on which at least this many units began is a new map (the 2025 reorganisation began some 3,300):
# crossing it moves every carried assignment. A few communes merged on some day move a few hundred, less
# than the reports of a day, and are crossed like any other day.
NEW_MAP_UNITS = 100


def map_changes() -> list[date]:
    """Return the days a new map began (NEW_MAP_UNITS or more units valid from them: 01/07/2025), read once
    per request."""
    return memo.once(
        ("map_changes",),
        lambda: sorted(
            Unit.objects.filter(valid_from__isnull=False)
            .order_by()
            .values("valid_from")
            .annotate(units=Count("pk"))
            .filter(units__gte=NEW_MAP_UNITS)
            .values_list("valid_from", flat=True)
        ),
    )


def base_day(programme: Programme, day: date, bases: list[date] | None = None) -> date | None:
    """Return the stored, not stale day nearest to ``day`` on the same map that has its per-task rows, or
    None (the day is then counted in full from the report chains).

    Never one on another map: between two maps every carried assignment changes (its validity ends on one
    side and its copy's begins on the other), and moving half a million of them from a base takes twice
    as long as counting the day afresh (at scale 1: 7.0 s against 3.6 s, 2025-03-24 from 2026-12-04).
    ``history_days`` stores the last day of each map, so there is one unless it is stale (a backdated
    report flags every later stored day until they are recomputed). ``bases`` are those days when the
    caller has read them already (metrics.readers, with the day itself).
    """
    if bases is None:
        bases = base_days(programme).values_list("day", flat=True)
    bases = list(bases)
    changes = map_changes() if bases else []

    def same_map(base: date) -> bool:
        low, high = sorted((base, day))
        return not any(low < change <= high for change in changes)

    candidates = [base for base in bases if same_map(base)]
    return min(candidates, key=lambda d: (abs((d - day).days), d), default=None)


def _changed(programme_id: int, low: date, high: date, nation_id: int) -> tuple[str, list]:
    """SQL (and parameters) of the ids of the assignments whose status may differ between two days, and of
    the nation's own (counted on the day itself, in the same statement)."""
    sql = (
        "SELECT r.assignment_id FROM projects_report r WHERE r.programme_id = %s "
        "AND r.effective_date > %s AND r.effective_date <= %s AND r.assignment_id IS NOT NULL "
        "UNION SELECT a2.id FROM projects_assignment a2 JOIN projects_task t2 ON t2.id = a2.task_id "
        "WHERE t2.programme_id = %s AND (a2.unit_id = %s OR (a2.deadline >= %s AND a2.deadline < %s) "
        "OR (a2.valid_from > %s AND a2.valid_from <= %s) OR (a2.valid_to >= %s AND a2.valid_to < %s))"
    )
    return sql, [programme_id, low, high, programme_id, nation_id, low, high, low, high, low, high]


def _difference_rows(programme: Programme, base: date, day: date, nation: Unit) -> list[tuple]:
    """Return (the path of the unit right below the nation that holds them, None for the nation's own;
    task, central, verified and reported status on ``day``, the same on ``base``, valid on ``day``, valid
    on ``base``, n) of the assignments that moved between the two days, and of all the nation's own.

    Each changed assignment's reports up to the later day are read once (one probe of its timeline
    index); the one report that counts on each day in each view is picked out of them by its chain
    (``effective_date <= D < until``: exactly one, or none).
    """
    low, high = min(base, day), max(base, day)
    changed, changed_params = _changed(programme.pk, low, high, nation.pk)
    nation_path_length = len(nation.path)
    position = "strpos" if connection.vendor == "postgresql" else "instr"  # SQLite's name for it
    picks, pick_params = [], []
    for name, on in (("d", day), ("b", base)):
        for view in VIEWS:
            states = [ReviewState.ACCEPTED.value] + (
                [ReviewState.SUBMITTED.value] if view == View.REPORTED else []
            )
            until = f"r.{view}_until"
            condition = (
                f"r.review_state IN ({', '.join(['%s'] * len(states))}) AND r.effective_date <= %s "
                f"AND ({until} IS NULL OR {until} > %s)"
            )
            for column in ("status", "completed_on"):
                picks.append(f"MAX(r.{column}) FILTER (WHERE {condition}) AS {name}_{view[0]}_{column}")
                pick_params.extend([*states, on, on])
    cases, case_params = [], []
    for name, on in (("d", day), ("b", base)):
        for view in VIEWS:
            status, completed = f"{name}_{view[0]}_status", f"{name}_{view[0]}_completed_on"
            cases.append(
                f"CASE WHEN {status} = 'done' AND (deadline IS NULL OR {completed} <= deadline) "
                f"THEN {DONE_ON_TIME} WHEN {status} = 'done' THEN {DONE_LATE} "
                f"WHEN deadline < %s THEN {OVERDUE} WHEN {status} = 'in_progress' THEN {IN_PROGRESS} "
                f"ELSE {NOT_STARTED} END AS {name}_{view[0]}"
            )
            case_params.append(on)
    valid = (
        "CASE WHEN (valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to >= %s) "
        "THEN 1 ELSE 0 END"
    )
    central = ", ".join(["%s"] * len(CENTRAL_KINDS))
    # Only placeholders and fixed fragments are interpolated; every value travels as a parameter.
    sql = (
        f"WITH changed AS MATERIALIZED ({changed}), per AS ("  # noqa: S608
        "SELECT a.id, a.task_id, a.deadline, a.valid_from, a.valid_to, u.depth, "
        # The path of the unit right below the nation that holds it: the nation's path and one more part.
        f"substr(u.path, 1, %s + {position}(substr(u.path, %s + 1), '/')) AS top, "
        f"CASE WHEN u.kind IN ({central}) THEN 1 ELSE 0 END AS central, {', '.join(picks)} "
        "FROM changed c JOIN projects_assignment a ON a.id = c.assignment_id "
        "JOIN projects_unit u ON u.id = a.unit_id "
        "LEFT JOIN projects_report r ON r.assignment_id = a.id AND r.effective_date <= %s "
        "GROUP BY a.id, u.path, u.depth, u.kind), "
        f"moved AS (SELECT top, depth, task_id, central, {', '.join(cases)}, {valid} AS on_day, "
        f"{valid} AS on_base FROM per) "
        # An assignment in the same class on both days, counted on both or neither, moves nothing; the
        # nation's own are counted on the day itself, moved or not. (Every column compared is a number.)
        "SELECT CASE WHEN depth = 0 THEN NULL ELSE top END, task_id, central, d_v, d_r, b_v, b_r, "
        "on_day, on_base, COUNT(*) FROM moved "
        "WHERE depth = 0 OR NOT (d_v = b_v AND d_r = b_r AND on_day = on_base) "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
    )
    params = [
        *changed_params,
        nation_path_length,
        nation_path_length,
        *[k.value for k in CENTRAL_KINDS],
        *pick_params,
        high,
        *case_params,
        day,
        day,
        base,
        base,
    ]
    return _fetch(sql, params)


def _add(acc: list[int], status: int, central: int, n: int) -> None:
    acc[0] += n
    if status <= DONE_LATE:
        acc[1] += n
        acc[3] += n
        if status == DONE_LATE:
            acc[6] += n
    elif status == OVERDUE:
        acc[2] += n
    elif status == IN_PROGRESS:
        acc[3] += n
    if central:
        acc[4] += n
        if status <= DONE_LATE:
            acc[5] += n


def top_figures(programme: Programme, day: date, *, bases: list[date] | None = None) -> TopFigures | None:
    """Return the figures of the nation and the units right below it on ``day``; None without a base day."""
    base = base_day(programme, day, bases)
    if base is None:
        return None
    nation = nation_of(programme)
    tops = memo.once(
        ("any_day_tops",), lambda: dict(Unit.objects.filter(depth=SNAPSHOT_DEPTH).values_list("path", "pk"))
    )
    counts: dict[tuple[int, str], list[int]] = {}
    tasks: dict[tuple[int, str], dict[int, list[int]]] = {}
    # Some ten thousand rows at scale 1: read as plain tuples (a model row each costs a third of a second).
    unknown_late = False
    for unit_id, view, task_id, *values in _fetch(
        "SELECT unit_id, view, task_id, assignments, done, overdue, active, central, central_done, done_late "
        "FROM metrics_taskrollup WHERE programme_id = %s AND day = %s",
        [programme.pk, base],
    ):
        if values[6] is None:  # written before late completions were counted
            unknown_late = True
            values[6] = 0
        tasks.setdefault((unit_id, view), {})[task_id] = values
    if unknown_late:
        for unit_id, view, *values in (
            StatusRollup.objects.filter(programme=programme, day=base, unit__depth=SNAPSHOT_DEPTH)
            .values_list("unit_id", "view", *STATUS_FIELDS)
            .order_by()
        ):
            counts[unit_id, view] = list(values)
    else:
        # A unit's assignments by status are the sums of its tasks' (so the StatusRollup rows need no read).
        for key, by_task in tasks.items():
            total, done, overdue, active, _central, _central_done, late = (
                sum(column) for column in zip(*by_task.values(), strict=True)
            )
            counts[key] = [done - late, late, overdue, active - done, total - active - overdue]

    own_counts = {view: [0] * 5 for view in VIEWS}
    own_tasks: dict[str, dict[int, list[int]]] = {view: {} for view in VIEWS}
    nation_holds = False
    for top, task_id, central, dv, dr, bv, br, valid_day, valid_base, n in _difference_rows(
        programme, base, day, nation
    ):
        top_id = tops.get(top) if top is not None else None
        if top_id is None:  # the nation's own assignments: counted on the day itself
            if valid_day:
                nation_holds = True
                for view, status in zip(VIEWS, (dv, dr), strict=True):
                    own_counts[view][status] += n
                    _add(own_tasks[view].setdefault(task_id, [0] * len(TASK_FIELDS)), status, central, n)
            continue
        for sign, valid, statuses in ((1, valid_day, (dv, dr)), (-1, valid_base, (bv, br))):
            if not valid:  # not counted on that day (projects.lineage)
                continue
            for view, status in zip(VIEWS, statuses, strict=True):
                counts.setdefault((top_id, view), [0] * 5)[status] += sign * n
                acc = tasks.setdefault((top_id, view), {}).setdefault(task_id, [0] * len(TASK_FIELDS))
                _add(acc, status, central, sign * n)

    result = TopFigures(nation_holds=nation_holds, base_day=base)
    nation_counts = {view: list(own_counts[view]) for view in VIEWS}
    for (unit_id, view), by_task in tasks.items():
        kept = {task: acc for task, acc in by_task.items() if acc[0]}
        if kept:
            result.tasks[unit_id, view] = kept
    result.task_totals = task_totals(result.tasks)
    nation_tasks = task_totals({(0, view): result.task_totals[view] for view in VIEWS})
    for view in VIEWS:
        for task, acc in own_tasks[view].items():
            target = nation_tasks[view].setdefault(task, [0] * len(TASK_FIELDS))
            for index, value in enumerate(acc):
                target[index] += value
    for (unit_id, view), status_counts in counts.items():
        if not any(status_counts):
            continue
        for index, value in enumerate(status_counts):
            nation_counts[view][index] += value
        result.status.setdefault(unit_id, {})[view] = _task_figures(
            status_counts, result.tasks.get((unit_id, view), {})
        )
    for view in VIEWS:
        if any(nation_counts[view]):
            result.status.setdefault(nation.pk, {})[view] = _task_figures(
                nation_counts[view], nation_tasks[view]
            )
    return result


def _task_figures(status_counts: list[int], by_task: dict[int, list[int]]) -> dict[str, int]:
    # _figures reads the first four fields of each task's figures; a task with nothing left is no task.
    return _figures(
        status_counts,
        {task: acc for task, acc in by_task.items() if acc[0]},
        {task: acc[4:6] for task, acc in by_task.items() if acc[4]},
    )


def indicator_base_day(
    programme: Programme, day: date, indicator_ids: list[int], *, stored: list[date] | None = None
) -> date | None:
    """Return a stored, not stale day whose indicator values are those of ``day``: no observation of the
    indicators has its period between the two (the nearest such day), or None. ``stored``: those days,
    when the caller has read them."""
    if stored is None:
        stored = list(
            RollupDay.objects.filter(programme=programme, stale=False).values_list("day", flat=True)
        )
    if day in stored:
        return day
    before = max((d for d in stored if d < day), default=None)
    after = min((d for d in stored if d > day), default=None)
    for candidate in sorted((d for d in (before, after) if d), key=lambda d: abs((d - day).days)):
        low, high = min(candidate, day), max(candidate, day)
        if not Observation.objects.filter(
            indicator_id__in=indicator_ids, period__gt=low, period__lte=high
        ).exists():
            return candidate
    return None


def stored_indicator_values(indicator_ids: list[int], day: date, unit_id: int) -> dict[int, dict]:
    rows = (
        IndicatorRollup.objects.filter(indicator_id__in=indicator_ids, day=day, unit_id=unit_id)
        .values("indicator_id", "value", "denominator", "period", "units")
        .order_by()
    )
    return {row["indicator_id"]: row for row in rows}
