"""The status rule of projects.status as one grouped SQL query over the report chains, and the constants
every part of the rollups shares."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import timezone

from projects.choices import CENTRAL_KINDS, AssignmentStatus, ReviewState, View

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


def _status_query(
    *,
    programme_id: int,
    day: date,
    group: str,
    group_params: list,
    where: str,
    where_params,
    per_task: bool = True,
):
    """Return the grouped query of assignment statuses: (group, task, central, verified, reported, n), or
    (group, verified, reported, n) without ``per_task``."""
    join_v, states_v = _counting_join("rv", View.VERIFIED)
    join_r, states_r = _counting_join("rr", View.REPORTED)
    central = ", ".join(["%s"] * len(CENTRAL_KINDS))
    per_task_columns = f"a.task_id, CASE WHEN u.kind IN ({central}) THEN 1 ELSE 0 END AS central, "
    # Only placeholders and fixed fragments are interpolated; every value travels as a parameter.
    sql = (
        f"SELECT {group} AS grp, {per_task_columns if per_task else ''}"  # noqa: S608
        f"{_status_case('rv')} AS sv, {_status_case('rr')} AS sr, COUNT(*) "
        "FROM projects_assignment a "
        "JOIN projects_task t ON t.id = a.task_id "
        # The unit (``u``, which a group or filter may name) is joined for its kind, read per task only.
        f"{'JOIN projects_unit u ON u.id = a.unit_id ' if per_task else ''}"
        f"{join_v} {join_r} "
        # Only the assignments valid on the day: a carried one counts on its predecessor's unit until
        # that unit's last day and on the successor from the next (projects.lineage), never on both.
        "WHERE t.programme_id = %s AND (a.valid_from IS NULL OR a.valid_from <= %s) "
        f"AND (a.valid_to IS NULL OR a.valid_to >= %s) {where} "
        f"GROUP BY {'1, 2, 3, 4, 5' if per_task else '1, 2, 3'}"
    )
    params = [
        *group_params,
        *([k.value for k in CENTRAL_KINDS] if per_task else []),
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
