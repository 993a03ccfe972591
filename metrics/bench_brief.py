"""The brief's measurement for ``manage.py bench``: the national brief rendered as a one-page A4 PDF.

Registered after the page measurements (which store the trend history production keeps). Each brief is
requested in-process through the whole Django stack, figures and WeasyPrint rendering included, once
to warm and then ``RUNS`` times; the figure is the median. ``/brief.pdf`` is the nation's brief (the
summary's programmes), ``/brief/<national programme>.pdf`` the brief of the generated national one.

The budget is the render: ``brief_pdf_*_ms`` are measured with the brief's PDF cache off (a dummy cache
in place of the page cache), so every run reads the figures and lays the page out afresh; the figures'
own cache (``metrics.figure_cache``) stays as production has it. ``brief_pdf_*_cached_ms`` is a repeat
answered from the PDF cache.
"""

from __future__ import annotations

import io
import statistics
import time

from django.conf import settings
from django.test import override_settings

from metrics import rollups
from metrics.bench import Context, measurement
from metrics.bench_pages import HISTORY_STEP_DAYS, _client, timed_runs
from metrics.models import RollupDay

RUNS = 5


NO_PAGE_CACHE = "bench-brief-no-page-cache"


def without_page_cache():
    """Settings under which the page cache (and so the brief's PDF cache) stores nothing."""
    caches = {**settings.CACHES, NO_PAGE_CACHE: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    return override_settings(CACHES=caches, TIENDO_PAGE_CACHE=NO_PAGE_CACHE)


def time_pdf(client, url: str, runs: int | None = None) -> tuple[float, int, int]:
    """Return (median milliseconds, pages, status) of a brief's PDF, warm."""
    from pypdf import PdfReader

    response = client.get(url)
    pages = len(PdfReader(io.BytesIO(response.content)).pages) if response.status_code == 200 else 0
    times = []
    with override_settings(DEBUG=False):
        # As many as the pages, at most RUNS: a PDF takes ten times a page's time.
        for _ in range(runs or min(RUNS, timed_runs())):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), pages, response.status_code


@measurement(
    "brief",
    brief_pdf_national_ms="≤ 2000 ms, 1 page (rendered)",
    brief_pdf_programme_ms="≤ 2000 ms, 1 page (rendered)",
)
def measure_brief(context: Context) -> dict:
    programme = context.programme
    stored = set(RollupDay.objects.filter(programme=programme).values_list("day", flat=True))
    missing = [
        d
        for d in rollups.history_days(programme, until=context.day, step_days=HISTORY_STEP_DAYS)
        if d not in stored
    ]
    rollups.recompute_history(programme, days=missing)
    client = _client()
    figures = {}
    for name, url in (("national", "/brief.pdf"), ("programme", f"/brief/{programme.code}.pdf")):
        with without_page_cache():
            p50, pages, status = time_pdf(client, url)
        if status != 200:
            context.notes.append(f"brief {url} answered {status}")
        figures[f"brief_pdf_{name}_ms"] = round(p50, 1)
        figures[f"brief_pdf_{name}_pages"] = pages
        figures[f"brief_pdf_{name}_cached_ms"] = round(time_pdf(client, url)[0], 1)
    return figures
