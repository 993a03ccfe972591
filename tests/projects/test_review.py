"""Review: accepting a report changes the verified figures, returning it does not; reversals are counted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects import selectors, services
from projects.choices import ReportStatus, ReviewState, View
from projects.models import Programme
from tests.projects.reporting_helpers import PNG, client_for, open_assignment, submit_done, unit_today, user

pytestmark = pytest.mark.django_db


def done_count(view):
    counts = selectors.assignment_status_counts(
        programme=Programme.objects.get(code="DA06"),
        as_of=timezone.localdate(),
        view=view,
        unit=unit_today("02"),
    )
    return counts["done_on_time"] + counts["done_late"]


def test_submit_then_accept_changes_the_verified_figures():
    verified, reported = done_count(View.VERIFIED), done_count(View.REPORTED)
    report = submit_done(open_assignment("02"))
    # Awaiting review: the reported view shows it, the verified view does not.
    assert done_count(View.REPORTED) == reported + 1
    assert done_count(View.VERIFIED) == verified
    response = client_for("c06").post(
        reverse("projects:report_review", args=[report.pk]), {"action": "accept", "review_note": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    assert report.reviewed_by.username == "c06"
    assert done_count(View.VERIFIED) == verified + 1
    assert done_count(View.REPORTED) == reported + 1


def test_submit_then_return_leaves_the_verified_figures_alone():
    verified, reported = done_count(View.VERIFIED), done_count(View.REPORTED)
    report = submit_done(open_assignment("02"))
    assert done_count(View.REPORTED) == reported + 1
    response = client_for("c06").post(
        reverse("projects:report_review", args=[report.pk]),
        {"action": "return", "review_note": "Chưa có văn bản chứng minh"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.RETURNED
    assert done_count(View.VERIFIED) == verified
    assert done_count(View.REPORTED) == reported
    # The reporter sees the reason.
    assert "Chưa có văn bản chứng minh" in client_for("hagiang").get("/reports/").content.decode()


def test_return_needs_a_reason():
    report = submit_done(open_assignment("02"))
    response = client_for("c06").post(
        reverse("projects:report_review", args=[report.pk]) + "?x=1",
        {"action": "return", "review_note": "  "},
    )
    assert response.status_code == 400
    assert f'id="report-{report.pk}"' in response.content.decode()
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED


def test_a_report_is_reviewed_once():
    report = submit_done(open_assignment("02"))
    client = client_for("c06")
    client.post(reverse("projects:report_review", args=[report.pk]), {"action": "accept"})
    response = client.post(
        reverse("projects:report_review", args=[report.pk]), {"action": "return", "review_note": "muộn"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED


def test_queue_is_the_reviewers_programme_oldest_first_with_buttons():
    submit_done(open_assignment("02"))
    response = client_for("c06").get("/en/reviews/")
    html = response.content.decode()
    reports = response.context["reports"]
    assert reports, "the demo has DA06 reports awaiting review"
    assert {r.programme.code for r in reports} == {"DA06"}
    assert [r.submitted_at for r in reports] == sorted(r.submitted_at for r in reports)
    assert ">Accept</button>" in html and ">Return</button>" in html
    vpcp = client_for("vpcp").get("/reviews/").context["reports"]
    assert {report.programme.code for report in vpcp} == {"CDS2022"}


def test_image_evidence_is_shown_inline_in_the_queue():
    report = submit_done(open_assignment("02"), evidence=SimpleUploadedFile("anh.png", PNG))
    html = client_for("c06").get("/reviews/?page=1").content.decode()
    evidence_url = reverse("projects:report_evidence", args=[report.pk])
    assert f'<img src="{evidence_url}"' in html
    response = client_for("c06").get(evidence_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_reversals_per_unit_are_counted_and_shown():
    def reversals():
        rows = selectors.reversals_by_unit(programme_ids=[Programme.objects.get(code="DA06").pk])
        return {row["unit"].code: row for row in rows}

    before = reversals().get(unit_today("02").code, {"returned": 0, "reopened": 0, "total": 0})
    assignment = open_assignment("02")
    c06 = user("c06")
    returned = submit_done(assignment)
    services.report_return(report=returned, user=c06, note="Thiếu minh chứng")
    assignment.refresh_from_db()
    done = submit_done(assignment)
    services.report_accept(report=done, user=c06)
    assignment.refresh_from_db()
    today = timezone.localdate()
    reopened = services.report_submit(
        user=user("hagiang"),
        assignment=assignment,
        status=ReportStatus.IN_PROGRESS,
        percent=80,
        effective_date=today,
    )
    services.report_accept(report=reopened, user=c06)
    after = reversals()[unit_today("02").code]
    assert after["returned"] == before["returned"] + 1
    assert after["reopened"] == before["reopened"] + 1
    html = client_for("c06").get("/en/reviews/reversals/").content.decode()
    # Hà Giang's work is Tuyên Quang's since 01/07/2025.
    name = unit_today("02").name
    assert "Reversals by unit" in html and name in html
    assert 'href="/en/reviews/reversals/"' in client_for("c06").get("/en/reviews/").content.decode()
    export = client_for("c06").get("/en/reviews/reversals/?_export=csv")
    assert export.status_code == 200 and name in export.content.decode("utf-8-sig")
