"""Page measurements for ``manage.py bench``: queries and warm server time per page, and the weight of ``/``.

Registered into metrics.bench's registry on import. Each page is requested in-process through Django's
test client (the whole middleware and template stack, no network), once to warm, then ``timed_runs()`` times
(11, or ``bench --runs``): the figure is the median. The programme measured is the generated national one, with its trend history
stored as production keeps it (``recompute_rollups --history``).
"""

from __future__ import annotations

import gzip
import re
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from metrics import national, rollups
from metrics.bench import Context, measurement
from metrics.models import Indicator, RollupDay
from projects.choices import UnitKind
from projects.models import Task, Unit

RUNS = 11


def timed_runs() -> int:
    """How many timed requests a figure is the median of: ``RUNS``, or fewer where only the figures' presence
    matters (``bench --runs``, the suite's own run of the bench)."""
    return getattr(settings, "TIENDO_BENCH_RUNS", RUNS)


HISTORY_STEP_DAYS = 91


def page_urls(programme, as_of=None) -> dict[str, str]:
    """Return a name → URL for each page measured, on the programme's own codes (as of a day, if given)."""
    urls = _page_urls(programme)
    if as_of is None:
        return urls
    return {name: f"{url}{'&' if '?' in url else '?'}as_of={as_of.isoformat()}" for name, url in urls.items()}


def before_change_day(programme):
    """The latest stored day on the map of 2022 (before 01/07/2025), else its last day."""
    stored = (
        RollupDay.objects.filter(programme=programme, day__lt=national.CHANGE, stale=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    return stored or national.LAST_DAY


def _page_urls(programme) -> dict[str, str]:
    code = programme.code
    task = Task.objects.filter(programme=programme).order_by("code").values_list("code", flat=True).first()
    province = (
        Unit.objects.filter(kind=UnitKind.PROVINCE, assignments__task__programme=programme)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    indicator = (
        Indicator.objects.filter(programme=programme).order_by("code").values_list("code", flat=True).first()
    )
    urls = {
        "summary": f"/?programme={code}",
        "programme": f"/programmes/{code}/",
        "goals": f"/programmes/{code}/goals/",
        "tasks": f"/programmes/{code}/tasks/",
        "assignments_overdue": f"/programmes/{code}/assignments/?status=overdue",
        "units_provinces": f"/units/?programme={code}&kind=province",
        "indicators": "/indicators/",
        "api_summary": f"/api/programmes/{code}/summary",
        "api_assignments": f"/api/assignments?programme={code}&status=overdue",
    }
    if task:
        urls["task"] = f"/programmes/{code}/tasks/{task}/"
    if province:
        urls["unit_province"] = f"/units/{province}/?programme={code}"
    if indicator:
        urls["indicator"] = f"/indicators/{indicator}/"
    return urls


def _client() -> Client:
    # A concrete allowed host: "*" or ".example.gov.vn" are patterns, not names a request can carry.
    names = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"]
    return Client(SERVER_NAME=names[0] if names and names[0] else "localhost")


def measure_page(client: Client, url: str, runs: int | None = None) -> tuple[int, float, int]:
    """Return (queries, median milliseconds, status) of a warm page."""
    response = client.get(url)
    # The log keeps at most 9,000 queries: empty it, or a full log would count nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Count now: every request starts by emptying the query log that the capture slices.
    queries = len(captured)
    times = []
    # Timed as production serves: DEBUG off, so no query log or debug pages weigh on the figure.
    with override_settings(DEBUG=False):
        for _ in range(runs or timed_runs()):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(times), response.status_code


def _compressed(data: bytes) -> int:
    """Bytes on the wire as whitenoise serves them: brotli when installed, else gzip."""
    try:
        import brotli

        return len(brotli.compress(data, quality=11))
    except ImportError:  # pragma: no cover - whitenoise[brotli] installs it
        return len(gzip.compress(data, compresslevel=9))


def first_load_bytes(html: str, *, attributes: str = "href|src|data-plotly") -> tuple[int, int]:
    """Return (first load, repeat load) of a page, compressed: the HTML plus every static file it links.

    Static files are served with far-future cache headers under hashed names, so a repeat load is the
    HTML alone. ``data-plotly`` names the bundle that charts.js fetches when a chart scrolls into view:
    leave it out of ``attributes`` for what a reader who does not scroll loads.
    """
    html_bytes = _compressed(html.encode())
    assets = 0
    pattern = rf'(?:{attributes})="' + re.escape(settings.STATIC_URL) + r'([^"?#]+)"'
    for path in set(re.findall(pattern, html)):
        found = finders.find(path)
        if found:
            assets += _compressed(Path(found).read_bytes())
    return html_bytes + assets, html_bytes


@measurement(
    "pages",
    pages_max_queries="≤ 20 per page, the same at every scale",
    pages_max_p50_ms="≤ 60 ms (uncached p50)",
    first_load_kb="≤ 1536 KB compressed",
    repeat_load_kb="≤ 100 KB",
)
def measure_pages(context: Context) -> dict:
    programme = context.programme
    stored = set(RollupDay.objects.filter(programme=programme).values_list("day", flat=True))
    days = [
        d
        for d in rollups.history_days(programme, until=context.day, step_days=HISTORY_STEP_DAYS)
        if d not in stored
    ]
    started = time.monotonic()
    rollups.recompute_history(programme, days=days)
    history_seconds = time.monotonic() - started
    client = _client()
    figures: dict = {"pages_history_seconds": round(history_seconds, 2)}
    # Uncached: every request renders (the page cache would answer all but the first).
    no_page_cache = override_settings(
        CACHES={**settings.CACHES, "off": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
        TIENDO_PAGE_CACHE="off",
    )
    no_page_cache.enable()
    queries, p50s = {}, {}
    # Today's map (34 provinces), then a stored day on the map of 2022 (63 provinces, 705 districts).
    before = before_change_day(programme)
    figures["pages_before_change_day"] = before.isoformat()
    for suffix, day in (("", None), ("_before_change", before)):
        for name, url in page_urls(programme, as_of=day).items():
            count, p50, status = measure_page(client, url)
            if status != 200:
                context.notes.append(f"page {name} ({url}) answered {status}")
            queries[name + suffix], p50s[name + suffix] = count, round(p50, 1)
            figures[f"page_{name}{suffix}_queries"] = count
            figures[f"page_{name}{suffix}_p50_ms"] = round(p50, 1)
    no_page_cache.disable()
    figures["pages_max_queries"] = max(queries.values())
    figures["pages_max_p50_ms"] = max(p50s.values())
    html = client.get(f"/?programme={programme.code}").content.decode()
    first, repeat = first_load_bytes(html)
    above_the_fold, _repeat = first_load_bytes(html, attributes="href|src")
    figures["first_load_kb"] = round(first / 1024, 1)
    figures["first_load_unscrolled_kb"] = round(above_the_fold / 1024, 1)
    figures["repeat_load_kb"] = round(repeat / 1024, 1)
    assert programme.code == national.CODE
    return figures
