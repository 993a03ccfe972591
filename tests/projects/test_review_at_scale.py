"""The review queue on generated national data: a filtered page's queries do not grow with the data, and a
bulk acceptance leaves every rollup as a full recompute would write it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics import national, rollups
from metrics.bench_review import busiest_unit
from metrics.models import GoalRollup, RollupPending, StatusRollup, TaskRollup
from projects import selectors, services
from projects.choices import ReviewState, Role
from projects.models import Membership, Programme, Report, Unit

pytestmark = pytest.mark.django_db


def national_reviewer():
    programme = Programme.objects.get(code=national.CODE)
    user, _created = get_user_model().objects.get_or_create(username="nat-reviewer")
    Membership.objects.get_or_create(user=user, role=Role.REVIEWER, programme=programme, unit=None)
    return user


def age_some_reports(programme) -> None:
    """Let a third of the reports awaiting review have waited over a week, so the age filter keeps some."""
    pending = Report.objects.filter(programme=programme, review_state=ReviewState.SUBMITTED)
    ids = list(pending.order_by("pk").values_list("pk", flat=True)[::3])
    Report.objects.filter(pk__in=ids).update(submitted_at=timezone.now() - timedelta(days=10))


def filtered_page_queries(programme) -> tuple[int, int, int]:
    """Return the filtered page's queries and rows, and the size of the queue, as the queue stands."""
    # A unit of today's map whose subtree holds reports awaiting review (as the bench chooses it).
    unit, _held = busiest_unit(programme)
    client = Client()
    client.force_login(national_reviewer())
    url = f"/en/reviews/?programme={programme.code}&unit={unit}&age=7&per_page=100"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    pending = Report.objects.filter(programme=programme, review_state=ReviewState.SUBMITTED).count()
    return len(captured), len(response.context["reports"]), pending


def test_a_filtered_queue_page_reads_the_same_queries_at_two_scales():
    national.generate(scale=0.004, seed=3)
    programme = Programme.objects.get(code=national.CODE)
    age_some_reports(programme)
    pending = Report.objects.filter(programme=programme, review_state=ReviewState.SUBMITTED)
    # The smaller queue: one report awaiting review in eight, the others withdrawn for the while.
    held_back = list(pending.order_by("pk").values_list("pk", flat=True))
    held_back = [pk for pk in held_back if pk % 8]
    Report.objects.filter(pk__in=held_back).update(review_state=ReviewState.WITHDRAWN)
    small, small_rows, small_pending = filtered_page_queries(programme)
    Report.objects.filter(pk__in=held_back).update(review_state=ReviewState.SUBMITTED)
    large, large_rows, large_pending = filtered_page_queries(programme)
    assert large_pending > 5 * small_pending
    assert small_rows > 0 and large_rows >= small_rows
    assert large == small
    assert small <= 14


def rollup_rows(programme, day) -> dict:
    """Every stored row of a programme's day, as comparable tuples (a second count of the same figures)."""
    status_fields = [
        f.name for f in StatusRollup._meta.concrete_fields if f.name not in ("id", "computed_at")
    ]
    task_fields = [f.name for f in TaskRollup._meta.concrete_fields if f.name not in ("id", "computed_at")]
    goal_fields = [f.name for f in GoalRollup._meta.concrete_fields if f.name not in ("id", "computed_at")]
    return {
        "status": sorted(
            StatusRollup.objects.filter(programme=programme, day=day).values_list(*status_fields)
        ),
        "tasks": sorted(TaskRollup.objects.filter(programme=programme, day=day).values_list(*task_fields)),
        "goals": sorted(GoalRollup.objects.filter(programme=programme, day=day).values_list(*goal_fields)),
    }


def test_a_bulk_acceptance_leaves_the_rollups_a_full_recompute_writes(django_capture_on_commit_callbacks):
    national.generate(scale=0.004, seed=7)
    programme = Programme.objects.get(code=national.CODE)
    day = rollups.today()
    rollups.recompute_programme(programme, day=day)
    before = rollup_rows(programme, day)
    reviewer = national_reviewer()
    heads = list(
        selectors.review_queue_heads(reviewer)
        .filter(programme=programme, assignment__isnull=False, effective_date__lte=day)
        .select_related(None)
        .only("pk", "assignment_id")[:300]
    )
    units = Unit.objects.filter(assignments__reports__in=heads).distinct()
    # Reports of every level (provinces, districts, communes) and of many provinces.
    assert len(heads) == 300 and len({unit.depth for unit in units}) >= 3
    assert len({unit.path.split("/")[1] for unit in units}) >= 5
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_review(reports=heads, user=reviewer, accept=True)
    assert not RollupPending.objects.exists()
    assert (
        Report.objects.filter(pk__in=[r.pk for r in heads], review_state=ReviewState.ACCEPTED).count() == 300
    )
    refreshed = rollup_rows(programme, day)
    assert refreshed != before
    rollups.recompute_programme(programme, day=day)
    assert refreshed == rollup_rows(programme, day)
