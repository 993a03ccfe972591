"""Verification: every stored figure compared with a second, independent count from the status selectors
(``_fresh_status``); the test oracle, never a read path."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from metrics import selectors as metric_selectors
from metrics.models import (
    GoalRollup,
    Indicator,
    IndicatorRollup,
    RollupDay,
    StatusRollup,
    TaskRollup,
)
from metrics.rollups.any_day import TASK_FIELDS
from metrics.rollups.refresh import (
    _path_prefixes,
)
from metrics.rollups.status_sql import (
    BATCH_SIZE,
    SNAPSHOT_DEPTH,
    STATUS_FIELDS,
    VIEWS,
)
from projects import selectors as project_selectors
from projects.choices import CENTRAL_KINDS, AssignmentStatus
from projects.models import Programme, Unit


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
