"""The assignments filtered by status are exactly those whose status (as of the page's day) is that status."""

from datetime import date

import pytest

from metrics import dashboard
from metrics.filters import AssignmentFilter
from projects.choices import AssignmentStatus
from projects.models import Programme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("as_of", [date(2022, 3, 1), date(2022, 12, 25), date(2023, 6, 30)])
@pytest.mark.parametrize("field", ["status", "reported_status"])
@pytest.mark.parametrize("code", ["DA06", "CDS2022"])
def test_each_status_filter_keeps_the_assignments_of_that_status(as_of, field, code):
    assignments = dashboard.programme_assignments(programme=Programme.objects.get(code=code), as_of=as_of)
    statuses = dict(assignments.values_list("pk", field))
    for status in AssignmentStatus:
        kept = AssignmentFilter({field: status.value}, queryset=assignments, as_of=as_of).qs
        expected = {pk for pk, value in statuses.items() if value == status}
        assert set(kept.values_list("pk", flat=True)) == expected, status


def test_the_overdue_filter_is_one_the_planner_can_estimate(django_assert_num_queries):
    """Written as deadline and report conditions, not as the status CASE (estimated at a few rows, which
    made PostgreSQL sort a whole task's assignments before the first page of fifty)."""
    as_of = date(2022, 12, 25)
    assignments = dashboard.programme_assignments(programme=Programme.objects.get(code="DA06"), as_of=as_of)
    kept = AssignmentFilter({"status": AssignmentStatus.OVERDUE}, queryset=assignments, as_of=as_of).qs
    where = str(kept.query).split(" WHERE ", 1)[1]
    assert "CASE" not in where
    with django_assert_num_queries(1):
        assert len(kept[:50]) == 50


def test_the_api_lists_the_same_overdue_assignments(client):
    as_of = date(2022, 12, 25)
    assignments = dashboard.programme_assignments(programme=Programme.objects.get(code="DA06"), as_of=as_of)
    expected = list(
        assignments.filter(status=AssignmentStatus.OVERDUE)
        .order_by("task_id", "unit_id")
        .values_list("pk", flat=True)
    )
    page = client.get("/api/assignments", {"programme": "DA06", "status": "overdue", "as_of": as_of}).json()
    assert [row["id"] for row in page["results"]] == expected[: len(page["results"])]
    assert page["results"]
