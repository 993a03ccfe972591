"""Load and any-day measurements for ``manage.py bench``, registered into metrics.bench on import.

Under load: gunicorn with the production settings (2 workers), a trivial view and the pages driven by
the same bounded client for the same time, warm (the page cache on, as in production) and cold (the
page cache off: every request renders). Each page's requests per second is given with its ratio to the
trivial view's in the same server run.

A day not stored: the pages in-process with the page cache off, on a day whose rollups are not stored:
the first read (counted from the report chains) and the p50 of the reads after it (the figures counted
once, from the figure cache, until the data changes).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from django.db import connection
from django.test import override_settings

from metrics import loadbench, rollups
from metrics.bench import Context, measurement
from metrics.bench_pages import _client
from metrics.models import RollupDay
from projects.choices import UnitKind
from projects.models import Unit

SECONDS = float(os.environ.get("TIENDO_BENCH_LOAD_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("TIENDO_BENCH_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("TIENDO_BENCH_WORKERS", "2"))
NO_PAGE_CACHE = {
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bench"},
        "off": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    },
    "TIENDO_PAGE_CACHE": "off",
}


def load_urls(programme) -> dict[str, str]:
    code = programme.code
    province = (
        Unit.objects.filter(kind=UnitKind.PROVINCE, assignments__task__programme=programme)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return {
        "home": "/",
        "summary": f"/?programme={code}",
        "programme": f"/programmes/{code}/",
        "province": f"/units/{province}/?programme={code}",
        "table": f"/programmes/{code}/tasks/",
        "api_summary": f"/api/programmes/{code}/summary",
    }


@measurement(
    "load",
    load_warm_home_ratio="≥ 0.25 of the trivial view",
    load_warm_programme_ratio="≥ 0.25 of the trivial view",
)
def measure_load(context: Context) -> dict:
    urls = load_urls(context.programme)
    figures: dict = {"load_seconds_each": SECONDS, "load_concurrency": CONCURRENCY, "load_workers": WORKERS}
    for phase, cache_url in (("warm", None), ("cold", "dummycache://")):
        with loadbench.server(workers=WORKERS, cache_url=cache_url) as port:
            for path in urls.values():  # each worker renders once before the clock starts
                for _ in range(WORKERS):
                    loadbench.get("127.0.0.1", port, path)
            trivial = loadbench.drive(port, loadbench.TRIVIAL_PATH, seconds=SECONDS, concurrency=CONCURRENCY)
            figures[f"load_{phase}_trivial_rps"] = round(trivial.per_second, 1)
            for name, path in urls.items():
                load = loadbench.drive(port, path, seconds=SECONDS, concurrency=CONCURRENCY)
                if load.errors:
                    context.notes.append(f"{phase} {name}: {load.errors} requests failed")
                figures[f"load_{phase}_{name}_rps"] = round(load.per_second, 1)
                figures[f"load_{phase}_{name}_ratio"] = (
                    round(load.per_second / trivial.per_second, 3) if trivial.per_second else None
                )
                figures[f"load_{phase}_{name}_p50_ms"] = round(load.p50 or 0, 1)
                figures[f"load_{phase}_{name}_p99_ms"] = round(load.p99 or 0, 1)
    return figures


def day_not_stored(programme, day) -> object:
    """Return a day before ``day`` whose rollups are not stored: about six weeks back, or the nearest."""
    stored = set(RollupDay.objects.filter(programme=programme).values_list("day", flat=True))
    candidate = day - timedelta(days=45)
    while candidate in stored and candidate > programme.start:
        candidate -= timedelta(days=1)
    return candidate


@measurement(
    "day not stored",
    any_day_max_p50_ms="≤ 300 ms p50 (after its first read)",
    any_day_after_stored_max_p50_ms="≤ 300 ms p50 (after its first read)",
)
def measure_any_day(context: Context) -> dict:
    """A day some weeks back, and the day after a stored one (just after midnight, before the nightly run
    has stored today), with the history as the periodic task keeps it: days that an earlier measurement's
    backdated reports flagged stale are recomputed first (metrics.tasks.rollups_recompute_stale)."""
    programme = context.programme
    figures = {"any_day_stale_days_recomputed": _recompute_stale_history(programme)}
    figures.update(_any_day(context, day_not_stored(programme, context.day), prefix="any_day"))
    stored = RollupDay.objects.filter(programme=programme, day__lt=context.day).order_by("-day").first()
    if stored is not None and not RollupDay.objects.filter(
        programme=programme, day=stored.day + timedelta(days=1)
    ).exists():
        figures.update(_any_day(context, stored.day + timedelta(days=1), prefix="any_day_after_stored"))
    return figures


@measurement(
    "day not stored, map of 2022",
    any_day_before_change_max_p50_ms="≤ 300 ms p50 (after its first read)",
)
def measure_any_day_before_change(context: Context) -> dict:
    """The same on the map of 2022: a day not stored some weeks before 01/07/2025 (63 provinces)."""
    from metrics import national

    _recompute_stale_history(context.programme)
    day = day_not_stored(context.programme, national.LAST_DAY)
    return _any_day(context, day, prefix="any_day_before_change")


# How far back, from today and from the last day of the map of 2022, the weekly history's day is taken:
# away from the days the other measurements read, so that the bases stored here do not move them.
WEEKLY_DAYS_BACK = 100


@measurement(
    "day not stored, weekly history",
    any_day_weekly_max_first_p50_ms="≤ 300 ms p50 of first reads (each day between two weekly bases)",
    any_day_weekly_before_change_max_first_p50_ms="≤ 300 ms p50 of first reads (the same on the map of 2022)",
)
def measure_any_day_weekly(context: Context) -> dict:
    """What a user meets on a deployment whose history the periodic task has filled (a base every week:
    metrics.tasks.rollups_fill_history, and the nightly prune keeps one day a week's per-task rows): each
    day between two bases, on each map, each page read first, as if nobody had read that day before (the
    figure cache emptied before each page). Per page, the p50 and the worst over those days."""
    from metrics import national

    programme = context.programme
    figures: dict = {}
    for prefix, end in (("any_day_weekly", context.day), ("any_day_weekly_before_change", national.LAST_DAY)):
        step = rollups.BASE_STEP_DAYS
        grid = rollups.history_days(programme, until=context.day, step_days=step)
        base = max(day for day in grid if day <= end - timedelta(days=WEEKLY_DAYS_BACK))
        bases = [base, base + timedelta(days=step)]
        started = time.monotonic()
        rollups.recompute_history(programme, days=rollups.days_without_base(programme, bases))
        figures[f"{prefix}_bases_seconds"] = round(time.monotonic() - started, 2)
        days = [base + timedelta(days=offset) for offset in range(1, step)]
        assert not RollupDay.objects.filter(programme=programme, day__in=days).exists()
        figures[prefix] = f"{days[0].isoformat()}…{days[-1].isoformat()}"
        reads: dict[str, list[float]] = {}
        for day in days:
            for name, milliseconds in _first_reads(context, day, prefix=prefix).items():
                reads.setdefault(name, []).append(milliseconds)
        for name, times in reads.items():
            figures[f"{prefix}_{name}_first_p50_ms"] = round(statistics.median(times), 1)
            figures[f"{prefix}_{name}_first_max_ms"] = round(max(times), 1)
        figures[f"{prefix}_max_first_p50_ms"] = round(max(statistics.median(t) for t in reads.values()), 1)
        figures[f"{prefix}_max_first_ms"] = round(max(max(t) for t in reads.values()), 1)
    return figures


def _day_urls(programme, day) -> dict[str, str]:
    """The pages read on a day not stored (all but the home page, which reads today), as of ``day``."""
    return {
        name: f"{path}{'&' if '?' in path else '?'}as_of={day.isoformat()}"
        for name, path in load_urls(programme).items()
        if name != "home"
    }


def _first_reads(context: Context, day, *, prefix: str) -> dict[str, float]:
    """Each page as of ``day`` read once with every figure dropped before it: milliseconds by page."""
    from django.core.cache import caches

    reads: dict[str, float] = {}
    with override_settings(**NO_PAGE_CACHE):
        client = _client()
        client.get(f"/?programme={context.programme.code}")  # a worker that has served a page before
        for name, url in _day_urls(context.programme, day).items():
            caches["default"].clear()
            started = time.perf_counter()
            status = client.get(url).status_code
            reads[name] = (time.perf_counter() - started) * 1000
            if status != 200:
                context.notes.append(f"{prefix}: {name} as of {day} answered {status}")
    return reads


def _recompute_stale_history(programme) -> int:
    """Recompute the programme's stored days flagged stale, as the periodic task does; return how many."""
    stale = RollupDay.objects.filter(programme=programme, stale=True).count()
    if stale:
        rollups.recompute_stale(programmes=[programme], limit=stale)
    return stale


def _any_day(context: Context, day, *, prefix: str) -> dict:
    programme = context.programme
    urls = _day_urls(programme, day)
    figures: dict = {prefix: day.isoformat()}
    p50s = []
    with override_settings(**NO_PAGE_CACHE):
        from django.core.cache import caches

        client = _client()
        # A worker that has served a page before (templates compiled, catalogues loaded): a process's very
        # first request pays some 250 ms more, whatever it reads. Then every figure of every day is dropped.
        client.get(f"/?programme={programme.code}")
        caches["default"].clear()
        for name, url in urls.items():
            started = time.perf_counter()
            status = client.get(url).status_code
            first = (time.perf_counter() - started) * 1000
            if status != 200:
                context.notes.append(f"{prefix}: {name} answered {status}")
            times = []
            for _ in range(11):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            figures[f"{prefix}_{name}_first_ms"] = round(first, 1)
            figures[f"{prefix}_{name}_p50_ms"] = round(statistics.median(times), 1)
            p50s.append(statistics.median(times))
    figures[f"{prefix}_max_p50_ms"] = round(max(p50s), 1)
    assert day != rollups.today()
    return figures


@measurement("report to fresh page", report_to_fresh_page_seconds="≤ 1 s, pages included")
def measure_report_to_fresh_page(context: Context) -> dict:
    """A report accepted → the cached summary of its unit answers the new figures: through the rollups'
    refresh (eager, or a worker when CELERY_BROKER_URL is set) and the page cache (on, in memory)."""
    from projects import services
    from projects.choices import ReviewState
    from projects.models import Assignment, Report

    if connection.in_atomic_block:
        # Inside a transaction (the suite's run of the bench) the refresh waits for a commit that never
        # comes: the page would only be waited on until the deadline.
        context.notes.append("inside a transaction: report_to_fresh_page_seconds not measured")
        return {"report_to_fresh_page_seconds": None}
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
        context.notes.append("no report awaiting review: report_to_fresh_page_seconds not measured")
        return {"report_to_fresh_page_seconds": None}
    url = f"/api/units/{report.assignment.unit.code}/summary?programme={programme.code}"
    caches_on = {
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"}},
        "TIENDO_PAGE_CACHE": "default",
        "TIENDO_FIGURE_CACHE": "default",
    }
    with override_settings(**caches_on):
        client = _client()
        before = client.get(url).content
        assert client.get(url)["X-Page-Cache"] == "hit"
        started = time.monotonic()
        services.report_accept(report=report, user=None)
        deadline = started + 60
        while client.get(url).content == before and time.monotonic() < deadline:
            time.sleep(0.01)
        seconds = time.monotonic() - started
    return {"report_to_fresh_page_seconds": round(seconds, 3)}
