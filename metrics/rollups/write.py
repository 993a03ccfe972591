"""Writing the rollups of a day: full recompute, history days, pruning; one transaction per programme under
its advisory lock."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from metrics import generation
from metrics.models import (
    GoalRollup,
    Indicator,
    IndicatorRollup,
    RollupDay,
    RollupOutcome,
    RollupRun,
    RollupScope,
    StatusRollup,
    TaskRollup,
)
from metrics.rollups.bases import days_without_base
from metrics.rollups.indicators import (
    compute_goals,
    compute_indicators,
    nation_of,
)
from metrics.rollups.status_sql import (
    BATCH_SIZE,
    LOCK_NAMESPACE,
    SNAPSHOT_DEPTH,
    today,
)
from metrics.rollups.tree import (
    Tree,
    compute_status,
    unit_tree,
)
from projects.models import Programme

logger = logging.getLogger(__name__)


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
    from metrics.bulk_load import BulkWriter

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
    counted: Callable[[Tree], tuple[dict, dict, str]] | None = None,
) -> int:
    """Recompute every rollup of a programme for a day (today by default); return the rows written.

    With ``max_depth`` only the units down to that depth are written (history for trend charts).
    ``counted``, called under the programme's lock with the unit tree, gives the status figures and the
    per-task rows of the units down to ``max_depth`` counted another way, and says how (the run's
    detail): metrics.rollups.repair moves them from a fresh stored day near ``day``.
    """
    if counted is not None and max_depth is None:
        raise ValueError("counted gives the top of the tree only: a history day (max_depth) is needed")
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
            if counted is None:
                accumulators: dict = {}
                figures = compute_status(programme=programme, day=day, tree=tree, accumulators=accumulators)
            else:
                figures, accumulators, run.run.detail = counted(tree)
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


# Of the full days that the nightly run stored, one in this many keeps its per-task rows once pruned.
BASE_STEP_DAYS = 7


def prune(*, before: date, programmes=None) -> int:
    """Delete rows below the snapshot depth for days before ``before``; trends read only the top.

    Per-task rows (TaskRollup, of the units right below the nation) are what a day not stored starts
    from (metrics.rollups.any_day): a history day keeps them, and of the full days being pruned those
    on the weekly history's grid keep them (any past day is then at most three days of reports from a
    base), the others lose them (some ten thousand rows a day at scale 1).
    """
    programmes = list(programmes if programmes is not None else Programme.objects.all())
    deleted = 0
    for programme in programmes:
        with transaction.atomic():
            _lock(programme.pk)
            deleted += StatusRollup.objects.filter(
                programme=programme, day__lt=before, unit__depth__gt=SNAPSHOT_DEPTH
            ).delete()[0]
            # Full days (max_depth None) are the nightly run's; history days are stored with the top only.
            full_days = RollupDay.objects.filter(programme=programme, day__lt=before, max_depth=None)
            weekly = history_days(programme, until=before, step_days=BASE_STEP_DAYS)
            deleted += (
                TaskRollup.objects.filter(programme=programme, day__in=full_days.values("day"))
                .exclude(day__in=weekly)
                .delete()[0]
            )
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
    """Return the days of a trend's history: every ``step_days`` from the programme's start, the last day of
    each map in between and the first of the next (a day not stored reads from a stored day on its own map:
    metrics.rollups.any_day.base_day), and ``until``."""
    from datetime import timedelta

    from metrics.rollups.any_day import map_changes

    first = since or programme.start
    days = set()
    current = first
    while current < until:
        days.add(current)
        current += timedelta(days=step_days)
    for change in map_changes():
        days.update(day for day in (change - timedelta(days=1), change) if first <= day < until)
    return [*sorted(days), until]


def fill_history(*, until: date, limit: int, step_days: int = BASE_STEP_DAYS) -> int:
    """Store up to ``limit`` of the weekly history's days that are not a base yet, the latest first, over
    every programme, so that any past day is a few days of reports from a stored day whether or not anyone
    ran ``recompute_rollups --history``. Return the rows written."""
    missing = []
    for programme in Programme.objects.order_by("code"):
        # A programme that ended keeps its figures from then on: its history stops at its last day.
        stop = min(until, programme.end) if programme.end else until
        days = history_days(programme, until=stop, step_days=step_days)
        missing += [(day, programme) for day in days_without_base(programme, days) if day < until]
    missing.sort(key=lambda item: item[0], reverse=True)
    by_programme: dict[Programme, list[date]] = {}
    for day, programme in missing[:limit]:
        by_programme.setdefault(programme, []).append(day)
    return sum(recompute_history(programme, days=days) for programme, days in by_programme.items())


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
