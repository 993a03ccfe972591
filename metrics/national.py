"""A synthetic national data set for benchmarks: every commune, district and province of a country.

At scale 1, on the map of before 01/07/2025: 63 provinces, 705 districts, 10,599 communes and the
central bodies (11,390 units or so), about 500,000 assignments, 2,000,000 reports and 5,000,000
observations, in one programme ``NAT``; and on the map of today (the 34 provinces and 3,321 real
communes that ``loaddemo`` loads, projects.unit_map) the same work carried across the change.
Deterministic for a seed and a day (the same rows, the same ids on the same starting database;
reports run to today).

Both eras (DESIGN.md, "Units change"). Every generated district and commune ends on 30/06/2025 and
names its successors (see _successors): a district the province of today that holds it, as
unit_map.end_local_2022 does for real districts; a commune one or two real communes of that
province. Reports before the change are on the units of 2022 (each unit reports until its last day:
the ministries merged on 01/03/2025 stop on 28/02/2025). Then the open work of every ended unit
passes to its successors with the project's carry-over rules, in SQL (projects.carry_batch: the
ORM carry-over of projects.lineage would take minutes for half a million assignments), a split
commune's work following a carry-over plan (_plan); and the successors report from their first day
to today, so that NAT's figures today are on the 34-province tree.

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

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, transaction

from metrics.bulk_load import BulkWriter, bulk_load_window, first_free_id, reset_sequences
from metrics.choices import Aggregation
from metrics.models import Indicator, Observation
from projects import carry_batch
from projects.choices import CENTRAL_KINDS, ReportStatus, ReviewState, UnitKind
from projects.models import Assignment, Goal, Programme, Report, Task, Unit
from projects.unit_search import ensure_search_keys

CODE = "NAT"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DISTRICTS, COMMUNES = 705, 10_599
TARGET_REPORTS_PER_ASSIGNMENT = 4
FIRST_DAY = date(2022, 1, 6)
# The columns of a generated report, written by COPY; the first era adds its chains as it writes them.
REPORT_COLUMNS = [
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
]
CHANGE = date(2025, 7, 1)  # Resolution 202/2025/QH15: the map of 34 provinces and 3,321 communes
LAST_DAY = CHANGE - timedelta(days=1)  # the last day of the map of 2022
# One generated commune in SPLIT_EVERY is split between two communes of today (the reform split some
# communes among several; the benchmark must carry those through a plan too).
SPLIT_EVERY = 10
# Reports of a carried assignment that was not done at the change: 0 to this many, up to today.
REPORTS_AFTER_CHANGE = 2
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


@dataclass
class Generated:
    units: int
    assignments: int
    reports: int
    observations: int
    skipped: bool = False


def signature(scale: float, seed: int) -> str:
    # "eras=2": a data set generated before both maps were generated is generated again.
    return f"scale={scale:g} seed={seed} eras=2"


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


# Removing an earlier generated set -----------------------------------------------------------------


@transaction.atomic
def remove() -> None:
    """Delete the generated programme and units, with everything that hangs from them.

    In one transaction, so that the assignments' pointers to their latest reports (foreign keys
    checked at commit) need no update first: an UPDATE would leave heap-only tuple chains that make
    the indexes generate() rebuilds next unusable to older transactions (pg_index.indcheckxmin).
    """
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
        # The search keys that generate() builds for the generated units (projects.unit_search).
        cursor.execute(
            "DELETE FROM projects_unitsearchkey WHERE unit_id IN (SELECT id FROM projects_unit WHERE code LIKE 'X%%')"
        )
        cursor.execute(
            "DELETE FROM projects_unit_successors WHERE from_unit_id IN "
            "(SELECT id FROM projects_unit WHERE code LIKE 'X%%')"
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
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Clear the dead row versions that earlier updates left (loaddemo's, a removed set's): an index
        # rebuilt over heap-only update chains is unusable to every older transaction
        # (pg_index.indcheckxmin), which on a busy server means slow pages for minutes.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM projects_assignment, projects_report, metrics_observation")
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
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The carry-over sorts a million reports twice: in memory, not on disk.
                cursor.execute("SET LOCAL work_mem = '128MB'")
        with bulk_load_window([Assignment, Report, Observation]):
            tasks, originals = _assignments_and_reports(rng, programme, units, step)
            reset_sequences([Assignment, Report])
            carry_batch.carry_over_batch(
                unit_ids=[pk for rows in units.values() for pk, _path, last in rows if last is not None],
                programme_ids=[programme.pk],
                plan=_plan(tasks, units),
                today=_today(),
            )
            step("carry-over", 0)
            reported = _reports_after_change(rng, programme, originals)
            # Only the assignments that got reports after the change: the carry-over set the others'.
            carry_batch.refresh_chains(
                assignment_ids_sql="SELECT unnest(%s::bigint[]) AS id",
                params=[sorted(reported)],
                today=_today(),
            )
            observations = _observations(rng, programme, units, step)
            step("indexes", 0)
        reset_sequences([Unit, Assignment, Report, Observation])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "projects_unit",
                "projects_unit_successors",
                "projects_task",
                "projects_assignment",
                "projects_report",
                "metrics_observation",
            ):
                # The reports and assignments are VACUUMed as well, where that can run (not in a transaction,
                # as in tests): it marks the fresh pages all-visible, without which PostgreSQL will not answer
                # from an index alone (the review queue's size: 380 ms by the heap, 50 ms by the index). The
                # observations are read through the table anyway: 6 s more for nothing.
                vacuum = (
                    table in ("projects_assignment", "projects_report") and not connection.in_atomic_block
                )
                cursor.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {table}")
    ensure_search_keys()
    return Generated(
        units=Unit.objects.count(),
        assignments=Assignment.objects.filter(task__programme=programme).count(),
        reports=Report.objects.filter(programme=programme).count(),
        observations=observations,
    )


def _today() -> date:
    return date.today()  # noqa: DTZ011 (a calendar day for report chains, as projects.services uses)


def _units(rng: random.Random, scale: float) -> dict[str, list[tuple[int, str, date | None]]]:
    """Create districts and communes of 2022 up to the scale's totals, ended on 30/06/2025 with their
    successors; return kind → [(id, path, last day)] of every unit of the map of 2022."""
    # The map of 2022 (63 provinces, 705 districts, 10,599 communes); the units of today are the demo's.
    units_2022 = Unit.objects.valid_on(FIRST_DAY)
    provinces = list(
        units_2022.filter(kind=UnitKind.PROVINCE).order_by("code").values_list("pk", "path", "depth")
    )
    want_districts = max(1, round(DISTRICTS * scale)) - units_2022.filter(kind=UnitKind.DISTRICT).count()
    want_communes = max(1, round(COMMUNES * scale)) - units_2022.filter(kind=UnitKind.COMMUNE).count()
    columns = [
        "id",
        "code",
        "name",
        "short_name",
        "name_en",
        "kind",
        "region",
        "parent_id",
        "path",
        "depth",
        "valid_to",
    ]
    writer = BulkWriter(Unit, columns)
    next_id = first_free_id(Unit)
    districts = []  # (id, path, depth, province id)
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
            LAST_DAY,
        )
        writer.add(row)
        districts.append((next_id, row[8], row[9], parent_id))
        next_id += 1
    writer.flush()
    communes = []  # (id, province id)
    for index in range(max(0, want_communes)):
        parent_id, parent_path, parent_depth, province_id = (
            districts[rng.randrange(len(districts))] if districts else (*provinces[0], provinces[0][0])
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
                LAST_DAY,
            )
        )
        communes.append((next_id, province_id))
        next_id += 1
    writer.flush()
    _successors([(pk, province) for pk, _path, _depth, province in districts], communes)
    by_kind: dict[str, list[tuple[int, str, date | None]]] = {}
    # Work is given on the map of 2022 (the demo's units of today would otherwise take work at any
    # scale); it reaches today's units by the carry-over.
    for pk, path, kind, last in (
        Unit.objects.valid_on(FIRST_DAY)
        .filter(path__startswith="VN/")
        .values_list("pk", "path", "kind", "valid_to")
        .order_by("pk")
    ):
        by_kind.setdefault(kind, []).append((pk, path, last))
    return by_kind


def _successors(districts: list[tuple[int, int]], communes: list[tuple[int, int]]) -> None:
    """Name the successors of the generated districts and communes (each given with its old province).

    The old province's successor is the province of today that holds its territory (loaded from
    Resolution 202/2025/QH15 by projects.unit_map). A district passes to that province, as real
    districts do (unit_map.end_local_2022: the district level was abolished). A commune passes to a
    real commune of that province: the generated communes of a province of today, in id order, are
    spread evenly over its real communes in code order (the i-th of m goes to the (i·n/m)-th of n),
    so that, as in the reform, about three communes of before make one of today and every commune
    of today has predecessors at scale 1. One commune in SPLIT_EVERY is also split into the next
    real commune, so that the carry-over plan (_plan) is exercised at scale as the reform's splits
    were. No randomness: the lineage depends only on the units, not on the seed's draws.
    """
    province_today = dict(
        Unit.successors.through.objects.filter(
            from_unit__kind=UnitKind.PROVINCE, from_unit__valid_to=LAST_DAY
        ).values_list("from_unit_id", "to_unit_id")
    )
    real: dict[int, list[int]] = {}
    for pk, parent_id in (
        Unit.objects.filter(kind=UnitKind.COMMUNE, valid_from=CHANGE)
        .order_by("code")
        .values_list("pk", "parent_id")
    ):
        real.setdefault(parent_id, []).append(pk)
    links = BulkWriter(Unit.successors.through, ["from_unit_id", "to_unit_id"])
    for pk, province in districts:
        if province in province_today:
            links.add((pk, province_today[province]))
    by_province: dict[int, list[int]] = {}
    for pk, province in communes:
        if province in province_today:
            by_province.setdefault(province_today[province], []).append(pk)
    for province, olds in by_province.items():
        options = real.get(province) or [province]
        for index, pk in enumerate(olds):
            first = index * len(options) // len(olds)
            links.add((pk, options[first]))
            if index % SPLIT_EVERY == SPLIT_EVERY - 1 and len(options) > 1:
                links.add((pk, options[(first + 1) % len(options)]))
    links.flush()


def _plan(tasks, units) -> dict[tuple[str, str, str], str]:
    """The carry-over plan of the units with several successors (lineage.read_plan's keys).

    As a programme office would divide a split commune's tasks: alternately between its successors
    in code order, task by task, so that each successor takes a share and the plan is the same for
    the same data.
    """
    kinds = {kind for _task, task_kinds in tasks for kind in task_kinds}
    ended = [pk for kind in kinds for pk, _path, last in units.get(kind, []) if last is not None]
    successors: dict[int, list[tuple[str, str]]] = {}
    for from_id, code, to_code in (
        Unit.successors.through.objects.filter(from_unit_id__in=ended)
        .values_list("from_unit_id", "from_unit__code", "to_unit__code")
        .order_by("from_unit_id", "to_unit__code")
    ):
        successors.setdefault(from_id, []).append((code, to_code))
    plan = {}
    split = {pk: options for pk, options in successors.items() if len(options) > 1}
    if not split:
        return plan
    kind_of = {pk: kind for kind, rows in units.items() for pk, _path, _last in rows if pk in split}
    for index, (task, task_kinds) in enumerate(tasks):
        for pk, options in split.items():
            if kind_of[pk] in task_kinds:
                plan[(CODE, task.code, options[0][0])] = options[index % len(options)][1]
    return plan


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

    today = _today()
    assignment_columns = [
        "id",
        "task_id",
        "unit_id",
        "deadline",
        "version",
        "verified_report_id",
        "reported_report_id",
    ]
    report_columns = [*REPORT_COLUMNS, "verified_until", "reported_until"]
    assignments = BulkWriter(Assignment, assignment_columns)
    reports = BulkWriter(Report, report_columns)
    assignment_id = first_free_id(Assignment)
    report_id = first_free_id(Report)
    review_states = (
        [ReviewState.ACCEPTED] * 85
        + [ReviewState.SUBMITTED] * 8
        + [ReviewState.RETURNED] * 5
        + [ReviewState.WITHDRAWN] * 2
    )
    # The state each assignment of an ended unit will carry: its latest progress in the reported view.
    originals: dict[int, int] = {}
    for task, kinds in tasks:
        for unit_id, _path, last in (row for kind in kinds for row in units.get(kind, [])):
            deadline = task.deadline
            # A unit reports until its last day (a unit of 2022 that continues: until today).
            span = ((min(last, today) if last else today) - FIRST_DAY).days + 1
            n_reports = rng.randrange(0, 2 * TARGET_REPORTS_PER_ASSIGNMENT + 1)
            days = sorted(rng.sample(range(span), min(span, n_reports)))
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
            if last is not None:
                counting = [row for row in history if row[5] in (ReviewState.ACCEPTED, ReviewState.SUBMITTED)]
                originals[assignment_id] = counting[-1][2] if counting else 0
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
    return tasks, originals


def _reports_after_change(rng: random.Random, programme: Programme, originals: dict[int, int]) -> set[int]:
    """Reports of the successors on the work they carried, from the day it passed to today.

    Work not done when it passed gets 0 to REPORTS_AFTER_CHANGE more reports, continuing the
    progress it carried. Chains are set afterwards (carry_batch.refresh_chains). Return the ids of
    the assignments that got reports.
    """
    today = _today()
    carried = Assignment.objects.filter(task__programme=programme, carried_from__isnull=False).order_by(
        "carried_from_id"
    )
    report_columns = REPORT_COLUMNS
    writer = BulkWriter(Report, report_columns)
    report_id = first_free_id(Report)
    review_states = [ReviewState.ACCEPTED] * 90 + [ReviewState.SUBMITTED] * 10
    reported = set()
    for pk, original, first in carried.values_list("pk", "carried_from_id", "valid_from").iterator(
        chunk_size=20_000
    ):
        progress = originals.get(original, 100)
        if progress >= 100 or first > today:
            continue
        span = (today - first).days + 1
        days = sorted(rng.sample(range(span), min(span, rng.randrange(0, REPORTS_AFTER_CHANGE + 1))))
        for offset in days:
            effective = first + timedelta(days=offset)
            progress = min(100, progress + rng.randrange(10, 60))
            done = progress >= 100
            review = rng.choice(review_states)
            submitted = datetime.combine(effective, time(9), TZ)
            writer.add(
                (
                    report_id,
                    programme.pk,
                    pk,
                    (ReportStatus.DONE if done else ReportStatus.IN_PROGRESS).value,
                    progress,
                    effective if done else None,
                    effective,
                    "",
                    "",
                    "",
                    submitted,
                    review.value,
                    submitted + timedelta(days=2) if review == ReviewState.ACCEPTED else None,
                    "",
                )
            )
            report_id += 1
            reported.add(pk)
    writer.flush()
    return reported


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
    next_id = first_free_id(Observation)
    # Month ends from the first month to the last whole month before today.
    periods = []
    year, month = FIRST_DAY.year, FIRST_DAY.month
    today = _today()
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        period = date(year, month, 1) - timedelta(days=1)
        if period >= today:
            break
        periods.append(period)
    reporting_kinds = (UnitKind.COMMUNE, UnitKind.DISTRICT, UnitKind.PROVINCE, *CENTRAL_KINDS)
    # Each unit of either map reports for the months it existed: the units of 2022 until they ended,
    # their successors of today (the 34 provinces, the communes of 01/07/2025, the ministries of
    # 01/03/2025) from their first day.
    reporting = [
        (unit_id, None, last) for kind in reporting_kinds for unit_id, _path, last in units.get(kind, [])
    ]
    known = {unit_id for unit_id, _first, _last in reporting}
    # Of today's units, those that took over generated work (all of them at scale 1).
    heirs = set(
        Unit.successors.through.objects.filter(from_unit_id__in=known).values_list("to_unit_id", flat=True)
    )
    reporting += [
        (pk, first, None)
        for pk, first in Unit.objects.filter(pk__in=heirs - known, kind__in=reporting_kinds)
        .order_by("pk")
        .values_list("pk", "valid_from")
    ]
    # Dates and times as text once, not once per row: five million rows make this the hot loop.
    stamps = [
        (period, period.isoformat(), datetime.combine(period + timedelta(days=3), time(10), TZ).isoformat())
        for period in periods
    ]
    randrange = rng.randrange
    for indicator in indicators:
        denominator = 100 if indicator.aggregation == Aggregation.RATIO else None
        for unit_id, first, last in reporting:
            value = randrange(0, 50)
            for day, period, reported_at in stamps:
                if (first and day < first) or (last and day > last):
                    continue
                value += randrange(0, 8)
                writer.add(
                    (next_id, indicator.pk, unit_id, period, value, denominator, "tổng hợp", reported_at)
                )
                next_id += 1
        step("observations", len(reporting) * len(periods))
    writer.flush()
    return writer.written
