"""Which stored days are bases: the days a day not stored is counted from (metrics.rollups.any_day).

A stored day is a base when it is not stale and keeps its per-task rows (TaskRollup, of the units right
below the nation); the nightly prune keeps them on history days and one full day a week (rollups.prune).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import OuterRef, Subquery

from metrics.models import RollupDay, TaskRollup
from projects.models import Programme

# The first per-task row of a RollupDay row's day, in the unique index's order, as SQL (alias d).
_FIRST_TASK_ROW_SQL = (
    "(SELECT t.view FROM metrics_taskrollup t "
    "WHERE t.programme_id = d.programme_id AND t.day = d.day ORDER BY t.view LIMIT 1)"
)
DAY_FIELDS = ("id", "programme_id", "day", "max_depth", "computed_at", "stale")


def first_task_row() -> Subquery:
    """An annotation of RollupDay rows: the view of their day's first per-task row, None without any.

    Asked as "the first row in the unique index's order" rather than EXISTS: for EXISTS, PostgreSQL
    estimated a sequential scan that stops at the first match as cheaper, and read most of the table
    once per stored day (200 ms at scale 1 with 21 stored days, on every page); the ordered first row
    is one probe of the unique index (under 1 ms).
    """
    first = TaskRollup.objects.filter(programme=OuterRef("programme"), day=OuterRef("day")).order_by("view")
    return Subquery(first.values("view")[:1])


def base_days(programme: Programme):
    """The programme's stored days that a day not stored can start from: not stale, with their per-task
    rows (a RollupDay queryset)."""
    return (
        RollupDay.objects.filter(programme=programme, stale=False)
        .annotate(first_task_row=first_task_row())
        .filter(first_task_row__isnull=False)
    )


def days_without_base(programme: Programme, days: Iterable[date]) -> list[date]:
    """Return those of ``days`` that are not a base for the days around them: not stored, stale, or stored
    without their per-task rows (a day that a nightly prune before 04/12/2026 left without them)."""
    days = list(days)
    bases = set(base_days(programme).filter(day__in=days).values_list("day", flat=True))
    return [day for day in days if day not in bases]


def stored_day_rows(programme_ids: list[int], as_of: date) -> list[tuple[dict, bool | None]]:
    """Return the programmes' stored days, oldest first, each as (its DAY_FIELDS, whether it keeps
    per-task rows), in one statement. Whether a day keeps them is asked of ``as_of`` itself and, only
    where ``as_of`` is no base for its programme, of every day (else None): a programme stored daily has
    hundreds of days, and probing all of them on every page took 7 ms of the summary's 50.
    """
    in_programmes = f"IN ({', '.join(['%s'] * len(programme_ids))})"
    # Only placeholders and fixed fragments are interpolated; the ids and the day travel as parameters.
    sql = (
        f"WITH asked AS (SELECT d.programme_id, NOT d.stale AND {_FIRST_TASK_ROW_SQL} IS NOT NULL AS is_base "  # noqa: S608
        f"FROM metrics_rollupday d WHERE d.programme_id {in_programmes} AND d.day = %s) "
        f"SELECT {', '.join(f'd.{name}' for name in DAY_FIELDS)}, "
        f"CASE WHEN d.day = %s OR NOT COALESCE(a.is_base, FALSE) THEN {_FIRST_TASK_ROW_SQL} END "
        "FROM metrics_rollupday d LEFT JOIN asked a ON a.programme_id = d.programme_id "
        f"WHERE d.programme_id {in_programmes} ORDER BY d.day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*programme_ids, as_of, as_of, *programme_ids])
        rows = cursor.fetchall()
    convert = _converters(RollupDay, DAY_FIELDS)
    result = []
    for *values, first in rows:
        for index, (column, steps) in convert.items():
            for step in steps:
                values[index] = step(values[index], column, connection)
        result.append((dict(zip(DAY_FIELDS, values, strict=True)), first))
    return result


def _converters(model, names: tuple[str, ...]) -> dict[int, tuple]:
    """Position → (column, the steps that turn its value into Python) of those of some of a model's
    fields that need any, as the ORM converts what a raw cursor gives: SQLite hands dates, times and
    booleans over as text and integers; PostgreSQL needs none of these."""
    converters = {}
    for index, name in enumerate(names):
        field = model._meta.get_field(name)
        column = field.get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if steps:
            converters[index] = (column, steps)
    return converters
