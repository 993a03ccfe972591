"""The status rules of DESIGN.md, each with its edge cases, counted by the selectors."""

from datetime import date, datetime, time

import pytest

from projects import selectors, services
from projects.choices import AssignmentStatus, ReportStatus, TaskStatus, View
from tests import factories as f

pytestmark = pytest.mark.django_db

DEADLINE = date(2022, 6, 30)


@pytest.fixture
def tree():
    nation = f.unit("ZZ")
    province = f.unit("Z1", parent=nation)
    district = f.unit("Z11", parent=province)
    communes = [f.unit(f"Z11{i}", parent=district) for i in range(3)]
    return {"nation": nation, "province": province, "district": district, "communes": communes}


@pytest.fixture
def programme(tree):
    return f.programme(lead=tree["nation"])


@pytest.fixture
def assignment(programme, tree):
    task = f.task(programme, "NV01", lead=tree["province"], deadline=DEADLINE)
    return services.assignment_create(task=task, unit=tree["province"])


def status(assignment, day, view=View.VERIFIED):
    return selectors.assignment_status_as_of(assignment, as_of=day, view=view)


def test_no_report_before_the_deadline_is_not_started(assignment):
    assert status(assignment, date(2022, 3, 1)) == AssignmentStatus.NOT_STARTED


def test_no_report_on_the_deadline_day_is_not_yet_overdue(assignment):
    assert status(assignment, DEADLINE) == AssignmentStatus.NOT_STARTED


def test_no_report_after_the_deadline_is_overdue(assignment):
    assert status(assignment, date(2022, 7, 1)) == AssignmentStatus.OVERDUE


def test_in_progress_before_the_deadline(assignment):
    f.report(assignment, ReportStatus.IN_PROGRESS, date(2022, 3, 1), percent=40)
    assert status(assignment, date(2022, 3, 1)) == AssignmentStatus.IN_PROGRESS
    assert status(assignment, date(2022, 2, 28)) == AssignmentStatus.NOT_STARTED


def test_latest_report_saying_not_started(assignment):
    f.report(assignment, ReportStatus.NOT_STARTED, date(2022, 3, 1))
    assert status(assignment, date(2022, 4, 1)) == AssignmentStatus.NOT_STARTED


def test_done_on_the_deadline_day_itself_is_on_time(assignment):
    f.report(assignment, ReportStatus.DONE, DEADLINE, completed_on=DEADLINE)
    assert status(assignment, DEADLINE) == AssignmentStatus.DONE_ON_TIME
    assert status(assignment, date(2023, 1, 1)) == AssignmentStatus.DONE_ON_TIME


def test_done_the_day_after_the_deadline_is_late(assignment):
    f.report(assignment, ReportStatus.DONE, date(2022, 7, 1), completed_on=date(2022, 7, 1))
    assert status(assignment, date(2022, 6, 30)) == AssignmentStatus.NOT_STARTED
    assert status(assignment, date(2022, 7, 1)) == AssignmentStatus.DONE_LATE


def test_done_reported_late_but_completed_on_time_is_on_time(assignment):
    f.report(assignment, ReportStatus.DONE, date(2022, 8, 15), completed_on=date(2022, 6, 20))
    # Until the report takes effect the assignment is overdue; from then on it was done on time.
    assert status(assignment, date(2022, 8, 14)) == AssignmentStatus.OVERDUE
    assert status(assignment, date(2022, 8, 15)) == AssignmentStatus.DONE_ON_TIME


def test_a_returned_report_does_not_count_in_either_view(assignment):
    submitted = f.report(assignment, ReportStatus.DONE, date(2022, 5, 1), accepted=False)
    services.report_return(report=submitted, user=None, note="Thiếu văn bản chứng minh.")
    for view in View:
        assert status(assignment, date(2022, 5, 2), view) == AssignmentStatus.NOT_STARTED


def test_a_withdrawn_report_does_not_count(assignment):
    accepted = f.report(assignment, ReportStatus.DONE, date(2022, 5, 1))
    services.report_withdraw(report=accepted, user=None, note="Báo cáo nhầm.")
    assert status(assignment, date(2022, 5, 2)) == AssignmentStatus.NOT_STARTED


def test_a_report_awaiting_review_counts_only_in_the_reported_view(assignment):
    f.report(assignment, ReportStatus.DONE, date(2022, 5, 1), accepted=False)
    assert status(assignment, date(2022, 5, 2), View.VERIFIED) == AssignmentStatus.NOT_STARTED
    assert status(assignment, date(2022, 5, 2), View.REPORTED) == AssignmentStatus.DONE_ON_TIME


def test_a_newer_report_reopens_a_done_assignment(assignment):
    f.report(assignment, ReportStatus.DONE, date(2022, 5, 1))
    f.report(assignment, ReportStatus.IN_PROGRESS, date(2022, 6, 10), percent=80)
    assert status(assignment, date(2022, 6, 1)) == AssignmentStatus.DONE_ON_TIME
    assert status(assignment, date(2022, 6, 10)) == AssignmentStatus.IN_PROGRESS
    # Reopened and then past the deadline: overdue.
    assert status(assignment, date(2022, 7, 1)) == AssignmentStatus.OVERDUE


def test_a_report_dated_after_the_day_asked_for_does_not_count(assignment):
    f.report(assignment, ReportStatus.DONE, date(2022, 5, 1))
    f.report(assignment, ReportStatus.IN_PROGRESS, date(2022, 9, 1), percent=50)
    assert status(assignment, date(2022, 8, 31)) == AssignmentStatus.DONE_ON_TIME


def test_on_the_same_effective_date_the_later_submission_decides(assignment):
    day = date(2022, 5, 1)
    f.report(assignment, ReportStatus.DONE, day, submitted_at=datetime.combine(day, time(15), f.TZ))
    f.report(
        assignment,
        ReportStatus.IN_PROGRESS,
        day,
        percent=90,
        submitted_at=datetime.combine(day, time(9), f.TZ),
    )
    assert status(assignment, day) == AssignmentStatus.DONE_ON_TIME


def test_a_continuous_task_without_deadline_is_never_overdue(programme, tree):
    task = f.task(programme, "NV02", lead=tree["province"], deadline=None)
    assignment = services.assignment_create(task=task, unit=tree["province"])
    assert status(assignment, date(2030, 1, 1)) == AssignmentStatus.NOT_STARTED
    f.report(assignment, ReportStatus.IN_PROGRESS, date(2022, 2, 1), percent=10)
    assert status(assignment, date(2030, 1, 1)) == AssignmentStatus.IN_PROGRESS
    f.report(assignment, ReportStatus.DONE, date(2029, 2, 1))
    assert status(assignment, date(2030, 1, 1)) == AssignmentStatus.DONE_ON_TIME


def test_an_assignment_deadline_overrides_the_task_deadline(programme, tree):
    task = f.task(programme, "NV03", lead=tree["province"], deadline=DEADLINE)
    assignment = services.assignment_create(task=task, unit=tree["province"], deadline=date(2022, 12, 31))
    assert status(assignment, date(2022, 7, 1)) == AssignmentStatus.NOT_STARTED


def test_a_task_is_done_only_when_every_assignment_is_done(programme, tree):
    task = f.task(programme, "NV04", lead=tree["province"], deadline=DEADLINE)
    first, second = (services.assignment_create(task=task, unit=c) for c in tree["communes"][:2])
    f.report(first, ReportStatus.DONE, date(2022, 4, 1))
    statuses = selectors.task_statuses(programme=programme, as_of=date(2022, 5, 1))
    assert statuses[task.pk] == TaskStatus.IN_PROGRESS
    f.report(second, ReportStatus.DONE, date(2022, 7, 2))
    assert selectors.task_statuses(programme=programme, as_of=date(2022, 7, 1))[task.pk] == TaskStatus.OVERDUE
    assert selectors.task_statuses(programme=programme, as_of=date(2022, 7, 2))[task.pk] == TaskStatus.DONE


def test_a_unit_whose_figures_come_only_from_its_communes(programme, tree):
    task = f.task(programme, "NV05", lead=tree["province"], deadline=DEADLINE)
    assignments = [services.assignment_create(task=task, unit=c) for c in tree["communes"]]
    f.report(assignments[0], ReportStatus.DONE, date(2022, 5, 1))
    f.report(assignments[1], ReportStatus.DONE, date(2022, 7, 5))
    f.report(assignments[2], ReportStatus.IN_PROGRESS, date(2022, 5, 1), percent=30)
    as_of = date(2022, 8, 1)
    for unit in (tree["district"], tree["province"], tree["nation"]):
        counts = selectors.assignment_status_counts(programme=programme, unit=unit, as_of=as_of)
        assert counts["total"] == 3
        assert counts[AssignmentStatus.DONE_ON_TIME] == 1
        assert counts[AssignmentStatus.DONE_LATE] == 1
        assert counts[AssignmentStatus.OVERDUE] == 1
    commune = selectors.assignment_status_counts(programme=programme, unit=tree["communes"][0], as_of=as_of)
    assert commune["total"] == 1 and commune[AssignmentStatus.DONE_ON_TIME] == 1
    district_tasks = selectors.task_status_counts(programme=programme, unit=tree["district"], as_of=as_of)
    assert district_tasks == {"done": 0, "overdue": 1, "in_progress": 0, "not_started": 0, "total": 1}


def test_units_done_counts_units_whose_whole_subtree_is_done(programme, tree):
    other_province = f.unit("Z2", parent=tree["nation"])
    task = f.task(programme, "NV06", lead=tree["nation"], deadline=DEADLINE)
    done_here = services.assignment_create(task=task, unit=tree["communes"][0])
    services.assignment_create(task=task, unit=other_province)
    f.report(done_here, ReportStatus.DONE, date(2022, 5, 1))
    counts = selectors.units_done(programme=programme, kind="province", as_of=date(2022, 6, 1))
    assert counts == {"done": 1, "total": 2}


def test_goal_assessment_latest_accepted_decides(programme, tree):
    from projects.models import Goal

    goal = Goal.objects.create(programme=programme, code="MT01", title="Mục tiêu")
    f.report(goal, ReportStatus.DONE, date(2022, 3, 1))
    assert selectors.goal_assessments(programme=programme, as_of=date(2022, 3, 1)) == {goal.pk: True}
    f.report(goal, ReportStatus.IN_PROGRESS, date(2022, 4, 1), percent=60)
    assert selectors.goal_assessments(programme=programme, as_of=date(2022, 4, 1)) == {goal.pk: False}
    pending = f.report(goal, ReportStatus.DONE, date(2022, 5, 1), accepted=False)
    assert selectors.goal_assessments(programme=programme, as_of=date(2022, 5, 1)) == {goal.pk: False}
    assert selectors.goal_assessments(programme=programme, as_of=date(2022, 5, 1), view=View.REPORTED) == {
        goal.pk: True
    }
    assert pending.pk


def test_goal_assessments_of_both_views_agree_with_each_view(programme, tree):
    from projects.models import Goal

    assessed = Goal.objects.create(programme=programme, code="MT01", title="Mục tiêu")
    pending_only = Goal.objects.create(programme=programme, code="MT02", title="Mục tiêu chờ duyệt")
    never = Goal.objects.create(programme=programme, code="MT03", title="Mục tiêu chưa đánh giá")
    f.report(assessed, ReportStatus.DONE, date(2022, 3, 1))
    f.report(pending_only, ReportStatus.DONE, date(2022, 3, 1), accepted=False)
    both = selectors.goal_assessments_by_view(programme=programme, as_of=date(2022, 4, 1))
    assert both == {
        assessed.pk: {View.VERIFIED: True, View.REPORTED: True},
        pending_only.pk: {View.VERIFIED: None, View.REPORTED: True},
        never.pk: {View.VERIFIED: None, View.REPORTED: None},
    }
    for view in View:
        one = selectors.goal_assessments(programme=programme, as_of=date(2022, 4, 1), view=view)
        assert one == {goal: by_view[view] for goal, by_view in both.items() if by_view[view] is not None}
