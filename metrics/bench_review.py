"""Review measurements for ``manage.py bench``: a filtered page of the review queue, and a bulk acceptance.

Registered into metrics.bench's registry on import. The queue is read as a reviewer of the generated
national programme sees it (a membership made for the bench); the bulk acceptance goes through
projects.services.reports_review, as the queue's "Accept ticked" does, and is timed until the rollups
of every unit it touched are fresh.
"""

from __future__ import annotations

import time
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from metrics.bench import Context, measurement
from metrics.bench_pages import _client, measure_page
from metrics.models import RollupPending, StatusRollup
from projects import selectors, services
from projects.choices import ReviewState, Role, UnitKind, View
from projects.models import Membership, Report, Unit

BULK_SIZE = 1000
REVIEWER = "bench-reviewer"


def bench_reviewer(programme):
    """Return the bench's reviewer of a programme, made on first use."""
    user, _created = get_user_model().objects.get_or_create(username=REVIEWER, defaults={"is_active": True})
    Membership.objects.get_or_create(user=user, role=Role.REVIEWER, programme=programme, unit=None)
    return user


def busiest_unit(programme) -> tuple[str, int]:
    """Return the code of the province or district valid today whose subtree holds the most reports awaiting
    review, and how many it holds.

    The queue's unit filter reads a code on today's map. The generated data's reports lie under the 63
    provinces that ended on 30/06/2025 (their districts and communes go on), so today's provinces hold
    almost none, and a filter on one of them measured an empty page.
    """
    today = timezone.localdate()
    by_unit = (
        Report.objects.filter(
            programme=programme, review_state=ReviewState.SUBMITTED, assignment__isnull=False
        )
        .values_list("assignment__unit__path")
        .annotate(count=Count("pk"))
        .order_by()
    )
    held: Counter = Counter()
    for path, count in by_unit:
        parts = path.split("/")
        for depth in (1, 2):
            if len(parts) >= depth + 2:  # the unit is in that subtree ("VN/01/" splits in three)
                held["/".join(parts[: depth + 1]) + "/"] += count
    live = Unit.objects.filter(path__in=list(held), kind__in=[UnitKind.PROVINCE, UnitKind.DISTRICT]).exclude(
        valid_to__lt=today
    )
    return max(
        ((code, held[path]) for code, path in live.values_list("code", "path")),
        key=lambda row: row[1],
        default=("VN", 0),
    )


def queue_urls(programme, unit: str) -> dict[str, str]:
    return {
        "queue": "/reviews/",
        "queue_filtered": f"/reviews/?programme={programme.code}&unit={unit}&age=7",
        "queue_done_100": f"/reviews/?programme={programme.code}&status=done&per_page=100",
    }


@measurement(
    "review queue",
    review_queue_filtered_p50_ms="≤ 200 ms (10,000 pending at scale 1)",
    review_queue_max_queries="≤ 20, the same at every scale",
)
def measure_review_queue(context: Context) -> dict:
    programme = context.programme
    client = _client()
    client.force_login(bench_reviewer(programme))
    unit, in_subtree = busiest_unit(programme)
    figures: dict = {
        "review_pending": Report.objects.filter(
            programme=programme, review_state=ReviewState.SUBMITTED
        ).count(),
        "review_filtered_unit": unit,
        "review_filtered_unit_pending": in_subtree,
    }
    queries = []
    for name, url in queue_urls(programme, unit).items():
        count, p50, status = measure_page(client, url)
        if status != 200:
            context.notes.append(f"page {name} ({url}) answered {status}")
        queries.append(count)
        figures[f"review_{name}_queries"] = count
        figures[f"review_{name}_p50_ms"] = round(p50, 1)
    figures["review_queue_max_queries"] = max(queries)
    return figures


@measurement("bulk review", review_bulk_seconds=f"≤ 10 s for {BULK_SIZE:,} reports, rollups fresh")
def measure_bulk_review(context: Context) -> dict:
    programme = context.programme
    user = bench_reviewer(programme)
    heads = list(
        selectors.review_queue_heads(user)
        .filter(programme=programme, assignment__isnull=False, effective_date__lte=context.day)
        .select_related(None)
        .only("pk", "assignment_id")[:BULK_SIZE]
    )
    if len(heads) < BULK_SIZE:
        context.notes.append(
            f"only {len(heads)} reports awaiting review on distinct assignments for the bulk review"
        )
    started = time.monotonic()
    services.reports_review(reports=heads, user=user, accept=True)  # commits; one signal, one refresh
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    deadline = started + 120
    while (
        not eager
        and RollupPending.objects.filter(programme=programme).exists()
        and time.monotonic() < deadline
    ):
        time.sleep(0.02)
    seconds = time.monotonic() - started
    # Fresh: the stored verified counts of the deepest units touched equal a count from the reports.
    units = Unit.objects.filter(assignments__reports__pk__in=[r.pk for r in heads[:5]]).distinct()
    for unit in units:
        stored = StatusRollup.objects.filter(
            programme=programme, unit=unit, view=View.VERIFIED, day=context.day
        )
        fresh = selectors.assignment_status_counts(programme=programme, as_of=context.day, unit=unit)
        row = stored.first()
        # A unit not on the day's map (ended, its work carried to a successor) has no stored row: it
        # counts nothing, and neither may the count from the reports.
        counted = (row.done_on_time, row.done_late, row.assignments) if row is not None else (0, 0, 0)
        if counted != (fresh["done_on_time"], fresh["done_late"], fresh["total"]):
            context.notes.append(
                f"after the bulk review the rollup of {unit.code} differs from a fresh count"
            )
    accepted = Report.objects.filter(pk__in=[r.pk for r in heads], review_state=ReviewState.ACCEPTED)
    return {
        "review_bulk_reports": accepted.count(),
        "review_bulk_seconds": round(seconds, 2),
        "review_bulk_mode": "eager" if eager else "worker",
    }
