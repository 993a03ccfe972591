"""The benchmark behind ``manage.py bench``: measurements against the budgets of DESIGN.md.

Each measurement is a function registered with ``@measurement``: it takes the shared context (the
programme measured, the scale, the figures so far) and returns figures to add (name → number). The
command runs them in order, prints a table, and prints every figure as one JSON object on its last
line. More measurements (page timings, query counts) are added by registering more functions, in
this module or in another imported before the command runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection

from metrics import national, rollups
from metrics.models import RollupPending, StatusRollup
from projects import selectors, services
from projects.choices import CENTRAL_KINDS, ReviewState, View
from projects.models import Assignment, Programme, Report


@dataclass
class Context:
    scale: float
    seed: int
    figures: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    day: date = field(default_factory=rollups.today)

    @property
    def programme(self) -> Programme:
        return Programme.objects.get(code=national.CODE)


@dataclass(frozen=True)
class Measurement:
    name: str
    function: Callable[[Context], dict]
    budgets: dict[str, str]


MEASUREMENTS: list[Measurement] = []


def measurement(name: str, **budgets: str):
    """Register a measurement; ``budgets`` map a figure's name to its budget, as shown in the table."""

    def register(function):
        MEASUREMENTS.append(Measurement(name, function, budgets))
        return function

    return register


# (d) generation ------------------------------------------------------------------------------------


@measurement("generation", generation_seconds="≤ 180 s at scale 1")
def measure_generation(context: Context) -> dict:
    started = time.monotonic()
    result = national.generate(scale=context.scale, seed=context.seed)
    seconds = time.monotonic() - started
    if result.skipped:
        seconds = national.recorded_seconds()
        context.notes.append("data already generated: generation_seconds is the time recorded then")
    else:
        national.record_seconds(seconds)
    return {
        "database": connection.vendor,
        "units": result.units,
        "assignments": result.assignments,
        "reports": result.reports,
        "observations": result.observations,
        "generation_seconds": round(seconds, 2) if seconds is not None else None,
    }


# (a) full recompute against a hand-written SQL aggregate -------------------------------------------


def sql_aggregate(programme_id: int, day: date) -> int:
    """Count the same figures as the rollups with hand-written SQL; return the number of rows produced.

    For every unit subtree and both views: assignments by status and tasks by status (all, and over
    central bodies only), by joining each assignment to every unit on its path; and each indicator's
    latest values aggregated over every subtree.
    """
    status_v = rollups._status_case("rv")
    status_r = rollups._status_case("rr")
    join_v, states_v = rollups._counting_join("rv", View.VERIFIED)
    join_r, states_r = rollups._counting_join("rr", View.REPORTED)
    central = ", ".join(["%s"] * len(CENTRAL_KINDS))
    if connection.vendor == "postgresql":
        ancestors = (
            "JOIN LATERAL (SELECT array_to_string((string_to_array(rtrim(s.path, '/'), '/'))[1:g], '/') || '/' "
            "AS path FROM generate_series(1, s.depth + 1) AS g) p ON true JOIN projects_unit anc ON anc.path = p.path"
        )
    else:
        ancestors = "JOIN projects_unit anc ON s.path LIKE anc.path || '%%'"
    sql = f"""
        WITH s AS (
            SELECT a.task_id, u.path, u.depth, CASE WHEN u.kind IN ({central}) THEN 1 ELSE 0 END AS central,
                   {status_v} AS sv, {status_r} AS sr
            FROM projects_assignment a
            JOIN projects_task t ON t.id = a.task_id
            JOIN projects_unit u ON u.id = a.unit_id
            {join_v} {join_r}
            WHERE t.programme_id = %s
              -- Only the assignments valid on the day: a carried one and its original never both count.
              AND (a.valid_from IS NULL OR a.valid_from <= %s) AND (a.valid_to IS NULL OR a.valid_to >= %s)
        ), per_task AS (
            SELECT anc.id AS unit_id, s.task_id, COUNT(*) AS n,
                   SUM(CASE WHEN s.sv = 0 THEN 1 ELSE 0 END) AS v0, SUM(CASE WHEN s.sv = 1 THEN 1 ELSE 0 END) AS v1,
                   SUM(CASE WHEN s.sv = 2 THEN 1 ELSE 0 END) AS v2, SUM(CASE WHEN s.sv = 3 THEN 1 ELSE 0 END) AS v3,
                   SUM(CASE WHEN s.sr = 0 THEN 1 ELSE 0 END) AS r0, SUM(CASE WHEN s.sr = 1 THEN 1 ELSE 0 END) AS r1,
                   SUM(CASE WHEN s.sr = 2 THEN 1 ELSE 0 END) AS r2, SUM(CASE WHEN s.sr = 3 THEN 1 ELSE 0 END) AS r3,
                   SUM(s.central) AS c, SUM(CASE WHEN s.central = 1 AND s.sv <= 1 THEN 1 ELSE 0 END) AS cv,
                   SUM(CASE WHEN s.central = 1 AND s.sr <= 1 THEN 1 ELSE 0 END) AS cr
            FROM s {ancestors}
            GROUP BY anc.id, s.task_id
        )
        SELECT unit_id, SUM(n), SUM(v0), SUM(v1), SUM(v2), SUM(v3), SUM(r0), SUM(r1), SUM(r2), SUM(r3),
               COUNT(*),
               SUM(CASE WHEN v0 + v1 = n THEN 1 ELSE 0 END),
               SUM(CASE WHEN v0 + v1 < n AND v2 > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN v0 + v1 < n AND v2 = 0 AND v0 + v1 + v3 > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN r0 + r1 = n THEN 1 ELSE 0 END),
               SUM(CASE WHEN r0 + r1 < n AND r2 > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN r0 + r1 < n AND r2 = 0 AND r0 + r1 + r3 > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN c > 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN c > 0 AND cv = c THEN 1 ELSE 0 END),
               SUM(CASE WHEN c > 0 AND cr = c THEN 1 ELSE 0 END)
        FROM per_task GROUP BY unit_id
    """  # noqa: S608 (fixed fragments; values are parameters)
    params = [
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
    ]
    rows = rollups._fetch(sql, params)
    indicators = _sql_indicator_aggregate(programme_id, day)
    return len(rows) + indicators


def _sql_indicator_aggregate(programme_id: int, day: date) -> int:
    if connection.vendor == "postgresql":
        latest = (
            "SELECT DISTINCT ON (o.indicator_id, o.unit_id) o.indicator_id, o.unit_id, o.value, o.denominator, "
            "o.period FROM metrics_observation o JOIN metrics_indicator i ON i.id = o.indicator_id "
            "WHERE i.programme_id = %s AND o.period <= %s "
            "ORDER BY o.indicator_id, o.unit_id, o.period DESC, o.reported_at DESC, o.id DESC"
        )
        ancestors = (
            "JOIN LATERAL (SELECT array_to_string((string_to_array(rtrim(u.path, '/'), '/'))[1:g], '/') || '/' "
            "AS path FROM generate_series(1, u.depth) AS g) p ON true JOIN projects_unit anc ON anc.path = p.path"
        )
    else:
        latest = (
            "SELECT indicator_id, unit_id, value, denominator, period FROM (SELECT o.indicator_id, o.unit_id, "
            "o.value, o.denominator, o.period, ROW_NUMBER() OVER (PARTITION BY o.indicator_id, o.unit_id "
            "ORDER BY o.period DESC, o.reported_at DESC, o.id DESC) AS position FROM metrics_observation o "
            "JOIN metrics_indicator i ON i.id = o.indicator_id WHERE i.programme_id = %s AND o.period <= %s) "
            "AS ranked WHERE position = 1"
        )
        ancestors = "JOIN projects_unit anc ON u.path LIKE anc.path || '%%' AND anc.id <> u.id"
    sql = f"""
        WITH latest AS ({latest})
        SELECT l.indicator_id, anc.id, SUM(l.value), COUNT(*), MIN(l.value), MAX(l.value), SUM(l.denominator),
               MAX(l.period)
        FROM latest l JOIN projects_unit u ON u.id = l.unit_id {ancestors}
        GROUP BY l.indicator_id, anc.id
    """  # noqa: S608
    params = [programme_id, day]
    return len(rollups._fetch(sql, params))


@measurement(
    "full recompute",
    recompute_seconds="≤ 20 s",
    recompute_ratio="≤ 2 × the SQL aggregate",
    recompute_before_change_seconds="≤ 20 s (30/06/2025, the map of 2022)",
    recompute_before_change_ratio="≤ 2 × the SQL aggregate",
)
def measure_recompute(context: Context) -> dict:
    """Today, on today's map (34 provinces), and on the last day of the map of 2022 (63 provinces)."""
    programme = context.programme
    figures = {}
    for suffix, day in (("", context.day), ("_before_change", national.LAST_DAY)):
        # Warm both the same way (caches, plans), then time each once in the same run.
        sql_aggregate(programme.pk, day)
        started = time.monotonic()
        rows_sql = sql_aggregate(programme.pk, day)
        sql_seconds = time.monotonic() - started
        started = time.monotonic()
        rows = rollups.recompute_programme(programme, day=day)
        seconds = time.monotonic() - started
        figures.update(
            {
                f"sql_aggregate{suffix}_seconds": round(sql_seconds, 3),
                f"sql_aggregate{suffix}_rows": rows_sql,
                f"recompute{suffix}_seconds": round(seconds, 3),
                f"recompute{suffix}_rows": rows,
                f"recompute{suffix}_ratio": round(seconds / sql_seconds, 2) if sql_seconds else None,
            }
        )
    started = time.monotonic()
    rollups.recompute_all(day=context.day, programmes=Programme.objects.exclude(pk=programme.pk))
    others = time.monotonic() - started
    figures["recompute_all_seconds"] = round(figures["recompute_seconds"] + others, 3)
    return figures


# (b) one accepted report → fresh rollups -----------------------------------------------------------


@measurement("report to fresh rollups", report_to_fresh_seconds="≤ 1 s")
def measure_report_to_fresh(context: Context) -> dict:
    programme = context.programme
    report = (
        Report.objects.filter(
            programme=programme,
            review_state=ReviewState.SUBMITTED,
            assignment__isnull=False,
            effective_date__lte=context.day,
            # On today's map: a report of an ended unit's assignment has no row of today to refresh.
            assignment__in=Assignment.objects.valid_on(context.day),
            carried_from__isnull=True,  # a carried copy follows its original's review
        )
        .select_related("assignment__unit")
        .order_by("-assignment__unit__depth", "pk")
        .first()
    )
    if report is None:
        context.notes.append("no report awaiting review: report_to_fresh_seconds not measured")
        return {"report_to_fresh_seconds": None}
    unit = report.assignment.unit
    started = time.monotonic()
    services.report_accept(report=report, user=None)  # commits; the signal enqueues the refresh
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    deadline = started + 60
    while (
        not eager
        and RollupPending.objects.filter(programme=programme).exists()
        and time.monotonic() < deadline
    ):
        time.sleep(0.01)
    seconds = time.monotonic() - started
    stored = StatusRollup.objects.get(programme=programme, unit=unit, view=View.VERIFIED, day=context.day)
    fresh = selectors.assignment_status_counts(programme=programme, as_of=context.day, unit=unit)
    if (stored.done_on_time, stored.done_late, stored.assignments) != (
        fresh["done_on_time"],
        fresh["done_late"],
        fresh["total"],
    ):
        context.notes.append(f"the refreshed row of {unit.code} differs from a fresh count")
    return {
        "report_to_fresh_seconds": round(seconds, 3),
        "report_to_fresh_mode": "eager" if eager else "worker",
        "report_unit_depth": unit.depth,
    }


# (c) peak memory of a full recompute ---------------------------------------------------------------


@measurement("recompute memory", recompute_peak_rss_mb="≤ 500 MB")
def measure_memory(context: Context) -> dict:
    """Run a full recompute in a fresh process and read its peak resident memory."""
    output = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", CHILD, context.day.isoformat()],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    figures = json.loads(output.stdout.strip().splitlines()[-1])
    return {
        "recompute_peak_rss_mb": figures["peak_rss_mb"],
        "recompute_rss_delta_mb": figures["delta_rss_mb"],
    }


CHILD = """
import json, os, sys
from datetime import date
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
from metrics import bench
print(json.dumps(bench.child_recompute(date.fromisoformat(sys.argv[1]))))
"""


def _peak_rss_kb() -> int:
    """Return this process's peak resident memory in KB.

    VmHWM starts afresh at exec, whereas ru_maxrss carries over the parent's peak through fork and
    exec, which would charge the bench's own memory to the child.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_recompute(day: date) -> dict:
    """In the child process: recompute the measured programme; return its memory figures."""
    before = _peak_rss_kb()
    rollups.recompute_programme(Programme.objects.get(code=national.CODE), day=day)
    peak = _peak_rss_kb()
    return {"peak_rss_mb": round(peak / 1024, 1), "delta_rss_mb": round((peak - before) / 1024, 1)}


def run(context: Context, *, log: Callable[[str], None], skip: set[str] = frozenset()) -> dict:
    for item in MEASUREMENTS:
        if item.name in skip:
            continue
        log(f"… {item.name}")
        started = time.monotonic()
        context.figures.update(item.function(context))
        log(f"  {item.name}: {time.monotonic() - started:.1f} s")
    return context.figures


def budgets() -> dict[str, str]:
    return {name: budget for item in MEASUREMENTS for name, budget in item.budgets.items()}


def assignments_count() -> int:
    return Assignment.objects.count()
