"""A synthetic national data set for benchmarks: every commune, district and province of a country.

At scale 1: 63 provinces, 705 districts, 10,599 communes and the central bodies (11,390 units or so),
about 500,000 assignments, 2,000,000 reports and 5,000,000 observations, in one programme ``NAT``.
Deterministic for a seed (the same rows, the same ids on the same starting database).

The generated units live in the real tree beside the demo: the demo's nation and its 63 provinces
and central bodies are reused (so the map and the league tables work), and generated districts and
communes hang under the provinces with codes of their own ("XD0001", "XC000001"), which no GSO code
or demo code can take. Districts and communes of the demo count towards the totals. Everything
generated belongs to programme NAT (tasks, assignments, reports, indicators, observations), so the
demo's figures for DA06 and CDS2022 are untouched.

Rows are written in bulk: PostgreSQL COPY for the large tables, executemany on SQLite. Report chains
(``verified_until``, ``reported_until``) and each assignment's latest reports are computed while the
histories are generated, since each history is generated in order.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, transaction

from metrics.choices import Aggregation
from metrics.models import Indicator, Observation
from projects.choices import CENTRAL_KINDS, ReportStatus, ReviewState, UnitKind
from projects.models import Assignment, Goal, Programme, Report, Task, Unit
from projects.unit_search import ensure_search_keys

CODE = "NAT"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DISTRICTS, COMMUNES = 705, 10_599
TARGET_REPORTS_PER_ASSIGNMENT = 4
FIRST_DAY = date(2022, 1, 6)
LAST_DAY = date(2025, 6, 30)
# Tasks per level: (kinds, number of tasks); commune tasks carry the bulk of the assignments.
TASKS = (
    ((UnitKind.COMMUNE,), 45),
    ((UnitKind.DISTRICT,), 20),
    ((UnitKind.PROVINCE,), 12),
    ((*CENTRAL_KINDS, UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM), 20),
)
INDICATORS = (
    ("NAT_HO_SO", Aggregation.SUM),
    ("NAT_DVC", Aggregation.RATIO),
    ("NAT_TY_LE", Aggregation.MEAN),
    ("NAT_TOI_DA", Aggregation.MAX),
    ("NAT_TOI_THIEU", Aggregation.MIN),
    ("NAT_THIET_BI", Aggregation.SUM),
    ("NAT_TAI_KHOAN", Aggregation.SUM),
    ("NAT_KET_NOI", Aggregation.RATIO),
    ("NAT_GIAO_DICH", Aggregation.SUM),
    ("NAT_CHAM_DIEM", Aggregation.MEAN),
)
OBSERVATION_MONTHS = 44


@dataclass
class Generated:
    units: int
    assignments: int
    reports: int
    observations: int
    skipped: bool = False


def signature(scale: float, seed: int) -> str:
    return f"scale={scale:g} seed={seed}"


def existing(scale: float, seed: int) -> bool:
    return Programme.objects.filter(code=CODE, decision__startswith=signature(scale, seed) + ";").exists()


def record_seconds(seconds: float) -> None:
    """Keep how long the generation took beside its signature, so that a later bench can report it."""
    programme = Programme.objects.get(code=CODE)
    base = programme.decision.split(";", 1)[0]
    Programme.objects.filter(pk=programme.pk).update(decision=f"{base}; {seconds:.1f} s")


def recorded_seconds() -> float | None:
    decision = Programme.objects.filter(code=CODE).values_list("decision", flat=True).first() or ""
    try:
        return float(decision.split(";", 1)[1].strip().removesuffix(" s"))
    except (IndexError, ValueError):
        return None


# Writing in bulk -----------------------------------------------------------------------------------


class BulkWriter:
    """Append rows to one table: PostgreSQL COPY in chunks, or executemany elsewhere."""

    CHUNK = 100_000

    def __init__(self, model, columns: list[str]):
        self.table = model._meta.db_table
        self.columns = columns
        self.rows: list[tuple] = []
        self.written = 0
        self.postgres = connection.vendor == "postgresql"

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in self.rows)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN",
                    buffer,
                )
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({placeholders})",  # noqa: S608
                    self.rows,
                )
        self.written += len(self.rows)
        self.rows = []


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return str(value)


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0]


def _reset_sequences(models: Iterable) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


class bulk_load_window:
    """On PostgreSQL, drop a table's secondary indexes and foreign keys for a bulk load, then restore them.

    Rebuilding an index once and checking a foreign key in one join are much faster than doing both
    row by row; everything happens inside the caller's transaction, so a failure restores all.
    """

    def __init__(self, models):
        self.tables = [model._meta.db_table for model in models]
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def __enter__(self):
        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            # Check what is already queued now: a table with pending checks cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.constraints.append((table, name, definition))
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append(definition)
                    cursor.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, *exc):
        if connection.vendor != "postgresql" or exc[0] is not None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return False


# Removing an earlier generated set -----------------------------------------------------------------


def remove() -> None:
    """Delete the generated programme and units, with everything that hangs from them."""
    programme = Programme.objects.filter(code=CODE).first()
    with connection.cursor() as cursor:
        if programme is not None:
            pid = programme.pk
            cursor.execute(
                "DELETE FROM metrics_observation WHERE indicator_id IN "
                "(SELECT id FROM metrics_indicator WHERE programme_id = %s)",
                [pid],
            )
            cursor.execute(
                "DELETE FROM metrics_indicatorrollup WHERE indicator_id IN "
                "(SELECT id FROM metrics_indicator WHERE programme_id = %s)",
                [pid],
            )
            for table in (
                "metrics_statusrollup",
                "metrics_goalrollup",
                "metrics_rollupday",
                "metrics_rolluprun",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE programme_id = %s", [pid])  # noqa: S608
            cursor.execute(
                "UPDATE projects_assignment SET verified_report_id = NULL, reported_report_id = NULL "
                "WHERE task_id IN (SELECT id FROM projects_task WHERE programme_id = %s)",
                [pid],
            )
            cursor.execute("DELETE FROM projects_report WHERE programme_id = %s", [pid])
            cursor.execute(
                "DELETE FROM projects_assignment WHERE task_id IN (SELECT id FROM projects_task WHERE programme_id = %s)",
                [pid],
            )
        cursor.execute(
            "DELETE FROM metrics_statusrollup WHERE unit_id IN (SELECT id FROM projects_unit WHERE code LIKE 'X%%')"
        )
        cursor.execute(
            "DELETE FROM metrics_indicatorrollup WHERE unit_id IN (SELECT id FROM projects_unit WHERE code LIKE 'X%%')"
        )
        cursor.execute("DELETE FROM projects_unit WHERE code LIKE 'XC%%'")
        cursor.execute("DELETE FROM projects_unit WHERE code LIKE 'XD%%'")
    if programme is not None:
        programme.delete()


# Generating ----------------------------------------------------------------------------------------


def generate(*, scale: float, seed: int, progress: Callable[[str, int], None] | None = None) -> Generated:
    """Generate the national data set at a scale; do nothing if this scale and seed are already there."""
    step = progress or (lambda _stage, _count: None)
    if existing(scale, seed):
        programme = Programme.objects.get(code=CODE)
        return Generated(
            units=Unit.objects.count(),
            assignments=Assignment.objects.filter(task__programme=programme).count(),
            reports=Report.objects.filter(programme=programme).count(),
            observations=Observation.objects.filter(indicator__programme=programme).count(),
            skipped=True,
        )
    if not Unit.objects.filter(code="VN").exists():
        call_command("loaddemo", verbosity=0)
    rng = random.Random(seed)
    with transaction.atomic():
        remove()
        units = _units(rng, scale)
        step("units", len(units))
        programme = Programme.objects.create(
            code=CODE,
            name="Chương trình chuyển đổi số quốc gia (dữ liệu tổng hợp)",
            short_name="Dữ liệu tổng hợp",
            name_en="National digital transformation (synthetic data)",
            decision=signature(scale, seed) + ";",
            start=FIRST_DAY,
            lead_unit=Unit.objects.get(code="VN"),
        )
        with bulk_load_window([Assignment, Report, Observation]):
            assignments, reports = _assignments_and_reports(rng, programme, units, step)
            observations = _observations(rng, programme, units, step)
            step("indexes", 0)
        _reset_sequences([Unit, Assignment, Report, Observation])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("projects_unit", "projects_assignment", "projects_report", "metrics_observation"):
                cursor.execute(f"ANALYZE {table}")
    ensure_search_keys()
    return Generated(
        units=Unit.objects.count(), assignments=assignments, reports=reports, observations=observations
    )


def _units(rng: random.Random, scale: float) -> dict[str, list[tuple[int, str]]]:
    """Create districts and communes up to the scale's totals; return kind → [(id, path)] of every unit."""
    # The map of 2022 (63 provinces, 705 districts, 10,599 communes); the units of today are the demo's.
    units_2022 = Unit.objects.valid_on(FIRST_DAY)
    provinces = list(
        units_2022.filter(kind=UnitKind.PROVINCE).order_by("code").values_list("pk", "path", "depth")
    )
    want_districts = max(1, round(DISTRICTS * scale)) - units_2022.filter(kind=UnitKind.DISTRICT).count()
    want_communes = max(1, round(COMMUNES * scale)) - units_2022.filter(kind=UnitKind.COMMUNE).count()
    columns = ["id", "code", "name", "short_name", "name_en", "kind", "region", "parent_id", "path", "depth"]
    writer = BulkWriter(Unit, columns)
    next_id = _next_id(Unit)
    districts = []
    for index in range(max(0, want_districts)):
        parent_id, parent_path, parent_depth = provinces[index % len(provinces)]
        code = f"XD{index + 1:04d}"
        row = (
            next_id,
            code,
            f"Huyện {code}",
            code,
            f"District {code}",
            UnitKind.DISTRICT.value,
            "",
            parent_id,
            f"{parent_path}{code}/",
            parent_depth + 1,
        )
        writer.add(row)
        districts.append((next_id, row[8], row[9]))
        next_id += 1
    writer.flush()
    for index in range(max(0, want_communes)):
        parent_id, parent_path, parent_depth = (
            districts[rng.randrange(len(districts))] if districts else provinces[0]
        )
        code = f"XC{index + 1:06d}"
        writer.add(
            (
                next_id,
                code,
                f"Xã {code}",
                code,
                f"Commune {code}",
                UnitKind.COMMUNE.value,
                "",
                parent_id,
                f"{parent_path}{code}/",
                parent_depth + 1,
            )
        )
        next_id += 1
    writer.flush()
    by_kind: dict[str, list[tuple[int, str]]] = {}
    # Work is given on the map of 2022 (the demo's units of today would otherwise take work at any scale).
    for pk, path, kind in (
        Unit.objects.valid_on(FIRST_DAY)
        .filter(path__startswith="VN/")
        .values_list("pk", "path", "kind")
        .order_by("pk")
    ):
        by_kind.setdefault(kind, []).append((pk, path))
    return by_kind


def _assignments_and_reports(rng, programme, units, step) -> tuple[int, int]:
    nation = Unit.objects.get(code="VN")
    goals = Goal.objects.bulk_create(
        [
            Goal(programme=programme, code=f"MT{index:02d}", title=f"Mục tiêu tổng hợp {index}")
            for index in range(1, 13)
        ]
    )
    tasks = []
    for level, (kinds, count) in enumerate(TASKS):
        for index in range(count):
            deadline = None if rng.random() < 0.1 else FIRST_DAY + timedelta(days=rng.randrange(200, 1300))
            tasks.append(
                (
                    Task(
                        programme=programme,
                        goal=goals[(level * 7 + index) % len(goals)],
                        code=f"NV{level}{index:02d}",
                        title=f"Nhiệm vụ tổng hợp {level}.{index}",
                        lead_unit=nation,
                        deadline=deadline,
                    ),
                    kinds,
                )
            )
    Task.objects.bulk_create([task for task, _kinds in tasks])

    today = date.today()  # noqa: DTZ011 (a calendar day for report chains, as projects.services uses)
    assignment_columns = [
        "id",
        "task_id",
        "unit_id",
        "deadline",
        "version",
        "verified_report_id",
        "reported_report_id",
    ]
    report_columns = [
        "id",
        "programme_id",
        "assignment_id",
        "status",
        "percent",
        "completed_on",
        "effective_date",
        "note",
        "evidence_file",
        "evidence_url",
        "submitted_at",
        "review_state",
        "reviewed_at",
        "review_note",
        "verified_until",
        "reported_until",
    ]
    assignments = BulkWriter(Assignment, assignment_columns)
    reports = BulkWriter(Report, report_columns)
    assignment_id = _next_id(Assignment)
    report_id = _next_id(Report)
    span = (LAST_DAY - FIRST_DAY).days
    review_states = (
        [ReviewState.ACCEPTED] * 85
        + [ReviewState.SUBMITTED] * 8
        + [ReviewState.RETURNED] * 5
        + [ReviewState.WITHDRAWN] * 2
    )
    for task, kinds in tasks:
        for unit_id, _path in (row for kind in kinds for row in units.get(kind, [])):
            deadline = task.deadline
            n_reports = rng.randrange(0, 2 * TARGET_REPORTS_PER_ASSIGNMENT + 1)
            days = sorted(rng.sample(range(span), n_reports))
            history = []
            progress = 0
            for offset in days:
                effective = FIRST_DAY + timedelta(days=offset)
                progress = min(100, progress + rng.randrange(10, 60))
                status = ReportStatus.DONE if progress >= 100 else ReportStatus.IN_PROGRESS
                completed = (
                    effective - timedelta(days=rng.randrange(0, 5)) if status == ReportStatus.DONE else None
                )
                history.append(
                    [
                        report_id,
                        status,
                        progress if status != ReportStatus.DONE else 100,
                        completed,
                        effective,
                        rng.choice(review_states),
                    ]
                )
                report_id += 1
            verified_latest = reported_latest = None
            for view_states, slot in (
                ((ReviewState.ACCEPTED,), "verified"),
                ((ReviewState.ACCEPTED, ReviewState.SUBMITTED), "reported"),
            ):
                chain = [row for row in history if row[5] in view_states]
                latest = None
                for index, row in enumerate(chain):
                    row.append((slot, chain[index + 1][4] if index + 1 < len(chain) else None))
                    if row[4] <= today:
                        latest = row[0]
                if slot == "verified":
                    verified_latest = latest
                else:
                    reported_latest = latest
            assignments.add(
                (assignment_id, task.pk, unit_id, deadline, len(history), verified_latest, reported_latest)
            )
            for row in history:
                rid, status, percent, completed, effective, review = row[:6]
                until = dict(row[6:])
                submitted = datetime.combine(effective, time(9), TZ)
                reviewed = submitted + timedelta(days=2) if review != ReviewState.SUBMITTED else None
                reports.add(
                    (
                        rid,
                        programme.pk,
                        assignment_id,
                        status.value,
                        percent,
                        completed,
                        effective,
                        "",
                        "",
                        "",
                        submitted,
                        review.value,
                        reviewed,
                        "Thiếu minh chứng." if review == ReviewState.RETURNED else "",
                        until.get("verified"),
                        until.get("reported"),
                    )
                )
            assignment_id += 1
            if assignments.written + len(assignments.rows) and not (assignment_id % 50_000):
                step("assignments", 50_000)
    assignments.flush()
    reports.flush()
    return assignments.written, reports.written


def _observations(rng, programme, units, step) -> int:
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                code=code,
                name=f"Chỉ tiêu tổng hợp {code}",
                unit_of_measure="",
                aggregation=rule,
                target_value=Decimal(80) if rule in (Aggregation.RATIO, Aggregation.MEAN) else None,
                programme=programme,
                display_order=200 + index,
            )
            for index, (code, rule) in enumerate(INDICATORS)
        ]
    )
    columns = ["id", "indicator_id", "unit_id", "period", "value", "denominator", "source", "reported_at"]
    writer = BulkWriter(Observation, columns)
    next_id = _next_id(Observation)
    periods = []
    year, month = FIRST_DAY.year, FIRST_DAY.month
    for _ in range(OBSERVATION_MONTHS):
        month += 1
        if month > 12:
            year, month = year + 1, 1
        periods.append(date(year, month, 1) - timedelta(days=1))
    reporting = [
        unit_id
        for kind in (UnitKind.COMMUNE, UnitKind.DISTRICT, UnitKind.PROVINCE, *CENTRAL_KINDS)
        for unit_id, _path in units.get(kind, [])
    ]
    # Dates and times as text once, not once per row: five million rows make this the hot loop.
    stamps = [
        (period.isoformat(), datetime.combine(period + timedelta(days=3), time(10), TZ).isoformat())
        for period in periods
    ]
    randrange = rng.randrange
    for indicator in indicators:
        denominator = 100 if indicator.aggregation == Aggregation.RATIO else None
        for unit_id in reporting:
            value = randrange(0, 50)
            for period, reported_at in stamps:
                value += randrange(0, 8)
                writer.add(
                    (next_id, indicator.pk, unit_id, period, value, denominator, "tổng hợp", reported_at)
                )
                next_id += 1
        step("observations", len(reporting) * len(periods))
    writer.flush()
    return writer.written
