"""Withdrawing a report: it stays on record with its reason, counts in no figure, and only who may does it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.choices import AssignmentStatus, ReviewState, View
from projects.models import Assignment
from projects.selectors import assignments_with_status
from tests.projects.reporting_helpers import client_for, open_assignment, submit_done, user

pytestmark = pytest.mark.django_db


def status_of(assignment, view):
    return (
        assignments_with_status(
            as_of=timezone.localdate(), view=view, queryset=Assignment.objects.filter(pk=assignment.pk)
        )
        .get()
        .status
    )


def withdraw(username, report, note="Nộp nhầm nhiệm vụ."):
    return client_for(username).post(
        reverse("projects:report_withdraw", args=[report.pk]), {"review_note": note}
    )


def test_a_reporter_withdraws_a_report_awaiting_review_and_it_stops_counting():
    assignment = open_assignment("02")
    report = submit_done(assignment)
    assert status_of(assignment, View.REPORTED) == AssignmentStatus.DONE_LATE  # it was overdue
    page = client_for("hagiang").get(reverse("projects:report_history", args=[report.pk]))
    assert "Rút báo cáo" in page.content.decode()
    response = withdraw("hagiang", report)
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:report_history", args=[report.pk])
    report.refresh_from_db()
    assert report.review_state == ReviewState.WITHDRAWN
    assert report.review_note == "Nộp nhầm nhiệm vụ."
    assert report.reviewed_by == user("hagiang")
    assert status_of(assignment, View.REPORTED) == AssignmentStatus.OVERDUE
    trail = client_for("hagiang").get(response["Location"]).content.decode()
    assert "Nộp nhầm nhiệm vụ." in trail
    assert "Đã rút" in trail  # the withdrawal is in the trail
    assert "withdraw-heading" not in trail  # nothing left to withdraw


def test_a_withdrawal_needs_a_reason_and_changes_nothing_without_one():
    report = submit_done(open_assignment("02"))
    response = withdraw("hagiang", report, note="   ")
    assert response.status_code == 400
    assert "Hãy nêu lý do rút báo cáo." in response.content.decode()
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED


def test_once_accepted_only_a_reviewer_withdraws_it_and_the_verified_figure_falls_back():
    assignment = open_assignment("02")
    report = submit_done(assignment)
    services.report_accept(report=report, user=user("c06"))
    assert status_of(assignment, View.VERIFIED) == AssignmentStatus.DONE_LATE
    page = client_for("hagiang").get(reverse("projects:report_history", args=[report.pk])).content.decode()
    assert "withdraw-heading" not in page
    assert withdraw("hagiang", report).status_code == 404
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    assert withdraw("c06", report).status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.WITHDRAWN
    assert status_of(assignment, View.VERIFIED) == AssignmentStatus.OVERDUE


@pytest.mark.parametrize("username", ["camau", "vpcp", "lanhdao"])
def test_others_cannot_withdraw(username):
    report = submit_done(open_assignment("02"))
    assert withdraw(username, report).status_code == 404
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED


def test_anonymous_is_offered_sign_in_and_get_is_not_allowed():
    report = submit_done(open_assignment("02"))
    response = withdraw(None, report)
    assert response.status_code == 403
    assert reverse("login") in response.content.decode()
    assert client_for("hagiang").get(reverse("projects:report_withdraw", args=[report.pk])).status_code == 405
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED


def test_the_form_is_csrf_protected():
    from django.test import Client

    report = submit_done(open_assignment("02"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("hagiang"))
    response = client.post(reverse("projects:report_withdraw", args=[report.pk]), {"review_note": "x"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED
