"""Carry-over in SQL, for bulk loads: the rules of projects.lineage.carry_over, set-based.

``lineage.carry_over`` reads every assignment and report concerned into Python objects: right for a
map change of the real data, but half a million assignments and two million reports (the national
benchmark data, metrics.national) would take minutes. This does the same in a few statements:

- an assignment of an ended unit (in ``unit_ids``) that counts on its last day L, of a programme
  still running on L + 1, passes to its successor: a new assignment from L + 1 with ``carried_from``,
  and the original ends on L. A unit with several successors passes each assignment as the plan
  says (the same keys as lineage.read_plan); without a plan entry the assignment stays;
- the original's latest accepted report and latest report of the reported view as of L (ordered by
  effective date, submission, id, as carry_reports orders them) are copied onto the carried
  assignment with ``carried_from``, with their chains, and the carried assignment points at its
  latest copies, so that nothing is updated afterwards;
- ``refresh_chains`` then sets ``verified_until``/``reported_until`` and each assignment's latest
  reports, as projects.services.report_chains_refresh does row by row.

Memberships are not followed here (lineage.carry_over does that); idempotent like lineage: an
assignment already carried is left alone (lineage.carry_reports copies a newer state onto it). New ids are given in order
of the originals' ids, so that the same data gives the same rows. PostgreSQL only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from projects.lineage import CARRIED_STATES, PlanError
from projects.models import Assignment, Report
from projects.status import counting_review_states

REPORT_COPY_COLUMNS = (
    "programme_id",
    "status",
    "percent",
    "completed_on",
    "effective_date",
    "note",
    "evidence_file",
    "evidence_url",
    "submitted_by_id",
    "submitted_at",
    "review_state",
    "reviewed_by_id",
    "reviewed_at",
    "review_note",
)


def _copy_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    buffer = io.StringIO()
    buffer.writelines("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows)
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _drop_temp(cursor, *names: str) -> None:
    # Temporary tables live until the end of the transaction: a second call in it starts afresh.
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


@transaction.atomic
def carry_over_batch(
    *,
    unit_ids: Iterable[int],
    programme_ids: Iterable[int] | None = None,
    plan: dict | None = None,
    today: date | None = None,
) -> tuple[int, int]:
    """Carry the assignments of ended units to their successors; return (assignments, report copies)."""
    plan = plan or {}
    with connection.cursor() as cursor:
        _drop_temp(cursor, "carry_unit", "carry_plan", "carry_pair", "carry_new", "carry_copy")
        cursor.execute("CREATE TEMP TABLE carry_unit (id bigint PRIMARY KEY) ON COMMIT DROP")
        _copy_rows(cursor, "carry_unit", ["id"], ((pk,) for pk in sorted(set(unit_ids))))
        cursor.execute(
            "CREATE TEMP TABLE carry_plan (programme text, task text, unit text, successor text) ON COMMIT DROP"
        )
        _copy_rows(
            cursor,
            "carry_plan",
            ["programme", "task", "unit", "successor"],
            ((*k, v) for k, v in plan.items()),
        )
        programmes = "" if programme_ids is None else "AND t.programme_id = ANY(%(programmes)s)"
        # Each assignment that passes, and the successor it passes to: the only one, or the plan's.
        cursor.execute(
            f"""
            CREATE TEMP TABLE carry_pair ON COMMIT DROP AS
            WITH candidates AS (
                SELECT a.id, a.task_id, a.deadline, u.valid_to AS last_day, u.code AS unit_code,
                       t.code AS task_code, p.code AS programme_code, s.successors
                FROM projects_assignment a
                JOIN carry_unit c ON c.id = a.unit_id
                JOIN (SELECT from_unit_id, array_agg(to_unit_id ORDER BY to_unit_id) AS successors
                      FROM projects_unit_successors WHERE from_unit_id IN (SELECT id FROM carry_unit)
                      GROUP BY from_unit_id) s ON s.from_unit_id = a.unit_id
                JOIN projects_unit u ON u.id = a.unit_id
                JOIN projects_task t ON t.id = a.task_id
                JOIN projects_programme p ON p.id = t.programme_id
                WHERE u.valid_to IS NOT NULL
                  AND (a.valid_from IS NULL OR a.valid_from <= u.valid_to)
                  AND (a.valid_to IS NULL OR a.valid_to = u.valid_to)
                  AND (p."end" IS NULL OR p."end" > u.valid_to)
                  {programmes}
            )
            SELECT c.id, c.task_id, c.deadline, c.last_day,
                   CASE WHEN cardinality(c.successors) = 1 THEN c.successors[1] ELSE planned.id END AS successor_id,
                   cp.successor AS planned_code, c.successors
            FROM candidates c
            LEFT JOIN carry_plan cp
              ON cp.programme = c.programme_code AND cp.task = c.task_code AND cp.unit = c.unit_code
            LEFT JOIN projects_unit planned
              ON cardinality(c.successors) > 1 AND planned.code = cp.successor AND planned.id = ANY(c.successors)
            WHERE c.successors IS NOT NULL
            """,  # noqa: S608 (only the programme filter is interpolated; values are parameters)
            {"programmes": list(programme_ids or [])},
        )
        cursor.execute(
            "SELECT id, planned_code FROM carry_pair WHERE planned_code IS NOT NULL AND successor_id IS NULL LIMIT 1"
        )
        wrong = cursor.fetchone()
        if wrong:
            raise PlanError(f"assignment {wrong[0]}: {wrong[1]} is not a successor of its unit")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM projects_assignment")
        base = cursor.fetchone()[0]
        cursor.execute(
            """
            CREATE TEMP TABLE carry_new ON COMMIT DROP AS
            SELECT %(base)s + row_number() OVER (ORDER BY p.id) AS new_id, p.id AS original_id,
                   p.task_id, p.successor_id, p.deadline, p.last_day
            FROM carry_pair p
            WHERE p.successor_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM projects_assignment x WHERE x.carried_from_id = p.id)
            """,
            {"base": base},
        )
        copies = _copy_reports(cursor)
        # The carried assignments, each pointing at its latest copy of each view (as of today; a copy
        # is dated on or before the original's last day), as report_chains_refresh would set it.
        latest = """
            SELECT DISTINCT ON (c.carried_id) c.carried_id, c.id FROM carry_copy c
            WHERE c.review_state = ANY(%({view})s) AND c.effective_date <= %(today)s
            ORDER BY c.carried_id, c.effective_date DESC, c.submitted_at DESC, c.id DESC
        """
        cursor.execute(
            f"""
            INSERT INTO projects_assignment (id, task_id, unit_id, deadline, version, valid_from, carried_from_id,
                                             verified_report_id, reported_report_id)
            SELECT n.new_id, n.task_id, n.successor_id, n.deadline, 0, n.last_day + 1, n.original_id, v.id, p.id
            FROM carry_new n
            LEFT JOIN ({latest.format(view="verified")}) v ON v.carried_id = n.new_id
            LEFT JOIN ({latest.format(view="reported")}) p ON p.carried_id = n.new_id
            """,  # noqa: S608 (fixed fragments; values are parameters)
            {
                "verified": [str(s) for s in counting_review_states("verified")],
                "reported": [str(s) for s in counting_review_states("reported")],
                "today": today or timezone.localdate(),
            },
        )
        carried = cursor.rowcount
        # The originals end on their unit's last day (rewritten, not updated: see refresh_chains).
        _rewrite(
            cursor,
            Assignment,
            changes={"valid_to": "w.last_day"},
            source="SELECT original_id AS id, last_day FROM carry_new",
            params={},
        )
        _reset_sequence(cursor, "projects_assignment")
    return carried, copies


def _copy_reports(cursor) -> int:
    """Copy each original's latest report of each view as of its last day onto its carried assignment
    (carry_new), with their chains (``*_until``) among the copies; keep them in carry_copy."""
    # The latest report of a view (its states a parameter) as of the original's last day.
    latest = """
        SELECT DISTINCT ON (t.new_id) t.new_id AS carried_id, r.id AS report_id
        FROM carry_new t JOIN projects_report r ON r.assignment_id = t.original_id
        WHERE r.review_state = ANY(%s) AND r.effective_date <= t.last_day
        ORDER BY t.new_id, r.effective_date DESC, r.submitted_at DESC, r.id DESC
    """
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM projects_report")
    base = cursor.fetchone()[0]
    cursor.execute(
        f"""
        CREATE TEMP TABLE carry_copy ON COMMIT DROP AS
        SELECT %s + row_number() OVER (ORDER BY w.carried_id, w.report_id) AS id, w.carried_id,
               w.report_id AS source_id, r.review_state, r.effective_date, r.submitted_at
        FROM (SELECT DISTINCT carried_id, report_id FROM (({latest}) UNION ALL ({latest})) v) w
        JOIN projects_report r ON r.id = w.report_id
        """,  # noqa: S608 (fixed fragments; values are parameters)
        [base, [str(s) for s in counting_review_states("verified")], [str(s) for s in CARRIED_STATES]],
    )
    columns = ", ".join(REPORT_COPY_COLUMNS)
    source = ", ".join(f"r.{c}" for c in REPORT_COPY_COLUMNS)
    order = "ORDER BY c.effective_date, c.submitted_at, c.id"
    cursor.execute(
        f"""
        INSERT INTO projects_report (id, assignment_id, carried_from_id, {columns}, verified_until, reported_until)
        SELECT c.id, c.carried_id, c.source_id, {source},
            CASE WHEN c.review_state = ANY(%(verified)s) THEN LEAD(c.effective_date) OVER (
                PARTITION BY c.carried_id, c.review_state = ANY(%(verified)s) {order}) END,
            CASE WHEN c.review_state = ANY(%(reported)s) THEN LEAD(c.effective_date) OVER (
                PARTITION BY c.carried_id, c.review_state = ANY(%(reported)s) {order}) END
        FROM carry_copy c JOIN projects_report r ON r.id = c.source_id
        """,  # noqa: S608 (column names from this module)
        {
            "verified": [str(s) for s in counting_review_states("verified")],
            "reported": [str(s) for s in counting_review_states("reported")],
        },
    )
    copies = cursor.rowcount
    _reset_sequence(cursor, "projects_report")
    return copies


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
    )


@transaction.atomic
def refresh_chains(*, assignment_ids_sql: str, params: Iterable = (), today: date) -> None:
    """Set each report's ``*_until`` and each assignment's latest reports, for the assignments that
    ``assignment_ids_sql`` selects (a SELECT of ids): the rules of services.report_chains_refresh.

    Rows that change are rewritten (deleted and inserted with the same id in one statement) rather
    than updated: an UPDATE leaves heap-only tuple chains, and an index built later in the same
    transaction (metrics.national's bulk load window) would then be unusable to every transaction
    older than it (pg_index.indcheckxmin), which on a busy server means for minutes.
    """
    params = list(params)
    verified = [str(s) for s in counting_review_states("verified")]
    reported = [str(s) for s in counting_review_states("reported")]
    with connection.cursor() as cursor:
        _drop_temp(cursor, "chain_assignment")
        cursor.execute(f"CREATE TEMP TABLE chain_assignment ON COMMIT DROP AS {assignment_ids_sql}", params)
        cursor.execute("ALTER TABLE chain_assignment RENAME COLUMN id TO assignment_id")
        order = "ORDER BY r.effective_date, r.submitted_at, r.id"
        _rewrite(
            cursor,
            Report,
            changes={"verified_until": "w.verified_next", "reported_until": "w.reported_next"},
            source=f"""
                SELECT r.id,
                    CASE WHEN r.review_state = ANY(%(verified)s) THEN LEAD(r.effective_date) OVER (
                        PARTITION BY r.assignment_id, r.review_state = ANY(%(verified)s) {order}) END
                        AS verified_next,
                    CASE WHEN r.review_state = ANY(%(reported)s) THEN LEAD(r.effective_date) OVER (
                        PARTITION BY r.assignment_id, r.review_state = ANY(%(reported)s) {order}) END
                        AS reported_next
                FROM projects_report r JOIN chain_assignment c ON c.assignment_id = r.assignment_id
            """,  # noqa: S608 (fixed fragments; values are parameters)
            params={"verified": verified, "reported": reported},
        )
        latest = """
            SELECT DISTINCT ON (r.assignment_id) r.assignment_id, r.id AS report_id
            FROM projects_report r JOIN chain_assignment c2 ON c2.assignment_id = r.assignment_id
            WHERE r.review_state = ANY(%({view})s) AND r.effective_date <= %(today)s
            ORDER BY r.assignment_id, r.effective_date DESC, r.submitted_at DESC, r.id DESC
        """
        _rewrite(
            cursor,
            Assignment,
            changes={"verified_report_id": "w.verified_id", "reported_report_id": "w.reported_id"},
            source=f"""
                SELECT c.assignment_id AS id, v.report_id AS verified_id, p.report_id AS reported_id
                FROM chain_assignment c
                LEFT JOIN ({latest.format(view="verified")}) v ON v.assignment_id = c.assignment_id
                LEFT JOIN ({latest.format(view="reported")}) p ON p.assignment_id = c.assignment_id
            """,  # noqa: S608 (fixed fragments; values are parameters)
            params={"verified": verified, "reported": reported, "today": today},
        )


def _rewrite(cursor, model, *, changes: dict[str, str], source: str, params: dict) -> int:
    """Give rows of a model new values of some columns: ``source`` (SQL, alias w) yields id and the
    expressions of ``changes`` (column → expression); only rows whose values differ are rewritten."""
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields]
    differ = " OR ".join(
        f"t.{column} IS DISTINCT FROM {expression}" for column, expression in changes.items()
    )
    values = ", ".join(changes.get(column, f"t.{column}") for column in columns)
    cursor.execute(
        f"""
        WITH w AS ({source}),
        moved AS (
            DELETE FROM {table} t USING w WHERE t.id = w.id AND ({differ})
            RETURNING {values}
        )
        INSERT INTO {table} ({", ".join(columns)}) SELECT * FROM moved
        """,  # noqa: S608 (names from the model and this module; values are parameters)
        params,
    )
    return cursor.rowcount
