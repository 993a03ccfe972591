"""The database and the models refuse bad data with a clear message."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects import services
from projects.choices import ReportStatus
from projects.models import Assignment, Goal, Programme, Report, Task, Unit
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    nation = f.unit("QQ")
    province = f.unit("Q1", parent=nation)
    programme = f.programme("QTEST", lead=nation)
    task = f.task(programme, "NV01", lead=province, deadline=date(2022, 6, 30))
    assignment = services.assignment_create(task=task, unit=province)
    return {
        "nation": nation,
        "province": province,
        "programme": programme,
        "task": task,
        "assignment": assignment,
    }


def test_percent_above_100_is_refused_by_validation(setting):
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            user=None,
            assignment=setting["assignment"],
            status=ReportStatus.IN_PROGRESS,
            percent=101,
            effective_date=date(2022, 3, 1),
        )
    assert "percent" in error.value.message_dict


def test_percent_above_100_is_refused_by_the_database(setting):
    report = Report(
        programme=setting["programme"],
        assignment=setting["assignment"],
        status=ReportStatus.IN_PROGRESS,
        percent=101,
        effective_date=date(2022, 3, 1),
        submitted_at="2022-03-01T09:00:00+07:00",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save()


def test_a_second_assignment_of_the_same_task_to_the_same_unit(setting):
    with pytest.raises(ValidationError) as error:
        services.assignment_create(task=setting["task"], unit=setting["province"])
    assert "This task is already assigned to this unit." in str(error.value) or "đã được giao" in str(
        error.value
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(task=setting["task"], unit=setting["province"])


def test_a_report_on_another_programmes_goal(setting):
    other = Programme.objects.create(
        code="QOTHER", name="Khác", start=date(2022, 1, 1), lead_unit=setting["nation"]
    )
    foreign_goal = Goal.objects.create(programme=other, code="MT01", title="Mục tiêu của chương trình khác")
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            user=None,
            goal=foreign_goal,
            programme=setting["programme"],
            status=ReportStatus.DONE,
            effective_date=date(2022, 3, 1),
            completed_on=date(2022, 3, 1),
        )
    assert "goal" in error.value.message_dict


def test_a_task_cannot_point_at_another_programmes_goal(setting):
    other = Programme.objects.create(
        code="QOTHER", name="Khác", start=date(2022, 1, 1), lead_unit=setting["nation"]
    )
    foreign_goal = Goal.objects.create(programme=other, code="MT01", title="Khác")
    task = Task(
        programme=setting["programme"], code="NV09", title="x", lead_unit=setting["nation"], goal=foreign_goal
    )
    with pytest.raises(ValidationError) as error:
        task.full_clean()
    assert "goal" in error.value.message_dict


def test_done_needs_a_completion_date(setting):
    with pytest.raises(ValidationError):
        services.report_submit(
            user=None,
            assignment=setting["assignment"],
            status=ReportStatus.DONE,
            effective_date=date(2022, 3, 1),
        )


def test_a_return_needs_a_reason(setting):
    submitted = services.report_submit(
        user=None,
        assignment=setting["assignment"],
        status=ReportStatus.IN_PROGRESS,
        effective_date=date(2022, 3, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.report_return(report=submitted, user=None, note="  ")
    assert "review_note" in error.value.message_dict


def test_a_report_is_reviewed_once(setting):
    submitted = services.report_submit(
        user=None,
        assignment=setting["assignment"],
        status=ReportStatus.IN_PROGRESS,
        effective_date=date(2022, 3, 1),
    )
    services.report_accept(report=submitted, user=None)
    with pytest.raises(ValidationError):
        services.report_return(report=submitted, user=None, note="Đổi ý.")


def test_unit_codes_are_unique_and_well_formed(setting):
    with pytest.raises(ValidationError):
        f.unit("Q1", parent=setting["nation"])
    with pytest.raises(ValidationError):
        f.unit("q-1", parent=setting["nation"])


def test_moving_a_unit_moves_its_subtree(setting):
    district = f.unit("Q11", parent=setting["province"])
    commune = f.unit("Q111", parent=district)
    other_province = f.unit("Q2", parent=setting["nation"])
    services.unit_move(unit=district, parent=other_province)
    commune.refresh_from_db()
    assert commune.path == "QQ/Q2/Q11/Q111/"
    assert commune.depth == 3
    assert set(Unit.objects.subtree(other_province).values_list("code", flat=True)) == {"Q2", "Q11", "Q111"}
    with pytest.raises(ValidationError):
        services.unit_move(unit=other_province, parent=commune)


def test_a_stale_version_is_a_conflict_and_writes_nothing(setting):
    assignment = setting["assignment"]
    version = assignment.version
    services.report_submit(
        user=None, assignment=assignment, status=ReportStatus.IN_PROGRESS, effective_date=date(2022, 3, 1)
    )
    before = Report.objects.count()
    with pytest.raises(services.ReportConflict) as conflict:
        services.report_submit(
            user=None,
            assignment=assignment,
            status=ReportStatus.DONE,
            effective_date=date(2022, 3, 2),
            completed_on=date(2022, 3, 2),
            expected_version=version,
        )
    assert conflict.value.newer_report.effective_date == date(2022, 3, 1)
    assert Report.objects.count() == before
