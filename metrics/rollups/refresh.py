"""Refresh after a change: only the changed paths to the nation; pending refreshes and stale days."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from metrics import generation
from metrics.models import (
    GoalRollup,
    Indicator,
    IndicatorRollup,
    RollupDay,
    RollupPending,
    RollupScope,
    StatusRollup,
    TaskRollup,
)
from metrics.rollups.indicators import (
    compute_goals,
    nation_of,
)
from metrics.rollups.repair import recompute_day
from metrics.rollups.status_sql import (
    SNAPSHOT_DEPTH,
    STATUS_FIELDS,
    VIEWS,
    _fetch,
    _status_query,
    today,
)
from metrics.rollups.tree import (
    Tree,
    _figures,
    roll_up,
)
from metrics.rollups.write import (
    _lock,
    _Run,
    _status_objects,
    _write_status,
    _write_tasks,
    recompute_programme,
)
from projects.models import Programme, Unit


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


def recompute_stale(*, programmes=None, limit: int = 60, seconds: float | None = None, progress=None) -> int:
    """Recompute the stored earlier days flagged stale, latest first, at most ``limit`` of them and, with
    ``seconds``, no new one once that long has passed (the first is always done). Latest first, each
    history day is moved from the fresh day after it (metrics.rollups.repair) rather than counted afresh."""
    days = RollupDay.objects.filter(stale=True).select_related("programme").order_by("-day")
    if programmes is not None:
        days = days.filter(programme__in=list(programmes))
    rows = 0
    started = time.monotonic()
    for stored in days[:limit]:
        if rows and seconds is not None and time.monotonic() - started >= seconds:
            break
        rows += recompute_day(stored)
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
