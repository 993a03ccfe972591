"""Assessing a goal: its programme's lead unit says achieved or not, the programme office reviews it,
and an accepted "achieved" makes the goal count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import selectors, services
from projects.choices import ReportStatus, ReviewState, View
from projects.models import Goal, Report
from tests.projects.reporting_helpers import client_for, user

pytestmark = pytest.mark.django_db


def open_goal() -> Goal:
    """A goal of Đề án 06 (led by the Ministry of Public Security) not achieved by assessment today."""
    assessed = selectors.goal_assessments(
        programme=Goal.objects.get(code="MT01", programme__code="DA06").programme, as_of=timezone.localdate()
    )
    return (
        Goal.objects.filter(programme__code="DA06")
        .exclude(pk__in=[g for g, ok in assessed.items() if ok])
        .order_by("code")
        .first()
    )


def assess_url(goal):
    return reverse("projects:goal_assess", args=[goal.pk])


def achieved(goal_code="", **overrides):
    today = timezone.localdate()
    data = {
        "status": ReportStatus.DONE,
        "completed_on": (today - timedelta(days=2)).isoformat(),
        "effective_date": today.isoformat(),
        "note": "Đã hoàn thành theo biên bản nghiệm thu.",
        "evidence_url": "https://example.gov.vn/bien-ban",
    }
    data.update(overrides)
    return data


def test_the_lead_unit_s_reporter_sees_the_goals_and_assesses_one():
    goal = open_goal()
    listing = client_for("bocongan").get(reverse("projects:report_list")).content.decode()
    assert assess_url(goal) in listing
    assert "MT01" in listing
    client = client_for("bocongan")
    assert client.get(assess_url(goal)).status_code == 200
    response = client.post(assess_url(goal), achieved())
    assert response.status_code == 302
    report = Report.objects.get(goal=goal, submitted_by=user("bocongan"))
    assert response["Location"] == reverse("projects:report_history", args=[report.pk])
    assert (report.status, report.percent, report.review_state) == (
        ReportStatus.DONE,
        100,
        ReviewState.SUBMITTED,
    )
    assert report.assignment_id is None
    assert client.get(response["Location"]).status_code == 200  # the trail of their own assessment
    # Not counted until the programme office accepts it; then the goal is achieved.
    today = timezone.localdate()
    assert not selectors.goal_assessments(programme=goal.programme, as_of=today).get(goal.pk)
    assert selectors.goal_assessments(programme=goal.programme, as_of=today, view=View.REPORTED)[goal.pk]
    services.report_accept(report=report, user=user("c06"))
    assert selectors.goal_assessments(programme=goal.programme, as_of=today)[goal.pk] is True


def test_an_assessment_in_the_review_queue_is_accepted_there():
    goal = open_goal()
    client_for("bocongan").post(assess_url(goal), achieved())
    report = Report.objects.get(goal=goal, review_state=ReviewState.SUBMITTED)
    queue = client_for("c06").get(reverse("projects:report_queue")).content.decode()
    assert goal.code in queue
    response = client_for("c06").post(
        reverse("projects:report_review", args=[report.pk]), {"action": "accept", "review_note": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"completed_on": ""}, "completed_on", "Hãy nhập ngày hoàn thành."),
        ({"status": ""}, "status", "Trường này là bắt buộc."),
        (
            {"effective_date": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "effective_date",
            "Ngày hiệu lực không được sau hôm nay.",
        ),
    ],
)
def test_a_bad_assessment_is_shown_again_and_nothing_is_saved(overrides, field, message):
    goal = open_goal()
    before = Report.objects.count()
    response = client_for("bocongan").post(assess_url(goal), achieved(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}-error"' in page
    assert Report.objects.count() == before


def test_not_yet_achieved_carries_no_completion_date():
    goal = open_goal()
    response = client_for("bocongan").post(
        assess_url(goal), achieved(status=ReportStatus.IN_PROGRESS, completed_on="")
    )
    assert response.status_code == 302
    report = Report.objects.get(goal=goal, submitted_by=user("bocongan"))
    assert (report.status, report.percent, report.completed_on) == (ReportStatus.IN_PROGRESS, 0, None)


@pytest.mark.parametrize("username", ["hagiang", "hanoi", "c06", "vpcp", "lanhdao"])
def test_only_the_lead_unit_assesses(username):
    goal = open_goal()
    client = client_for(username)
    assert client.get(assess_url(goal)).status_code == 404
    assert client.post(assess_url(goal), achieved()).status_code == 404
    assert not Report.objects.filter(goal=goal, submitted_by=user(username)).exists()
    if username in ("hagiang", "hanoi"):
        assert assess_url(goal) not in client.get(reverse("projects:report_list")).content.decode()


def test_anonymous_is_offered_sign_in():
    response = client_for(None).get(assess_url(open_goal()))
    assert response.status_code == 403
    assert reverse("login") in response.content.decode()


def test_the_lead_unit_withdraws_its_pending_assessment():
    goal = open_goal()
    client = client_for("bocongan")
    client.post(assess_url(goal), achieved())
    report = Report.objects.get(goal=goal, submitted_by=user("bocongan"))
    response = client.post(
        reverse("projects:report_withdraw", args=[report.pk]), {"review_note": "Nhầm mục tiêu."}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.WITHDRAWN
