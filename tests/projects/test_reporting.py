"""The reporter's pages: the report form, evidence, conflicts, the bulk grid, the list and its export."""

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.choices import ReviewState
from projects.models import Report
from projects.reminders import reminders_send
from projects.tables import ExportSafeTable, neutralise
from tests.projects.reporting_helpers import (
    PDF,
    PNG,
    client_for,
    evidence_pdf,
    form_data,
    open_assignment,
    submit_done,
    user,
)

pytestmark = pytest.mark.django_db


def form_url(assignment, language=""):
    prefix = "/en" if language == "en" else ""
    return f"{prefix}/reports/new/?assignment={assignment.pk}"


def test_form_has_visible_labels_in_english():
    assignment = open_assignment("02")
    html = client_for("hagiang").get(form_url(assignment, "en")).content.decode()
    for label in (
        "Status",
        "Percent complete",
        "Completed on",
        "Effective date",
        "Note",
        "Evidence file",
        "Evidence link",
    ):
        assert f">{label}</label>" in html, label
    assert ">Submit report</button>" in html


def test_form_in_vietnamese_by_default():
    assignment = open_assignment("02")
    response = client_for("hagiang").get(form_url(assignment))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()


def test_failed_validation_keeps_everything_typed():
    assignment = open_assignment("02")
    before = assignment.reports.count()
    data = form_data(
        assignment, completed_on="", note="Ghi chú rất dài đã gõ", evidence_url="https://example.gov.vn/x"
    )
    response = client_for("hagiang").post(form_url(assignment), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ghi chú rất dài đã gõ" in html
    assert "https://example.gov.vn/x" in html
    assert 'value="done" selected' in html
    assert assignment.reports.count() == before


def test_submit_with_evidence_file_stores_it_privately_and_serves_it(private_media):
    assignment = open_assignment("02")
    data = form_data(assignment)
    data["evidence_file"] = evidence_pdf("Biên bản nghiệm thu.pdf")
    client = client_for("hagiang")
    response = client.post(form_url(assignment), data)
    assert response.status_code == 302
    report = assignment.reports.order_by("-pk").first()
    assert report.review_state == ReviewState.SUBMITTED
    assert report.submitted_by.username == "hagiang"
    assert "Biên" not in report.evidence_file.name
    assert (private_media / report.evidence_file.name).exists()
    download = client.get(reverse("projects:report_evidence", args=[report.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "sandbox" in download["Content-Security-Policy"]
    assert client_for("camau").get(reverse("projects:report_evidence", args=[report.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("script.exe", b"MZ\x90\x00", "PDF"),
        ("page.html", b"<html><script>alert(1)</script>", "PDF"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "content"),
        ("photo.png", PNG[:4] + b"nope", "content"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused(name, content, reason):
    assignment = open_assignment("02")
    before = assignment.reports.count()
    data = form_data(assignment, note="giữ lại")
    data["evidence_file"] = SimpleUploadedFile(name, content)
    response = client_for("hagiang").post(form_url(assignment, "en"), data)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert "giữ lại" in response.content.decode()
    assert assignment.reports.count() == before


def test_oversized_evidence_is_refused(settings):
    settings.TIENDO_EVIDENCE_MAX_BYTES = 1000
    assignment = open_assignment("02")
    before = assignment.reports.count()
    data = form_data(assignment)
    data["evidence_file"] = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
    response = client_for("hagiang").post(form_url(assignment, "en"), data)
    assert response.status_code == 200
    assert "at most" in response.content.decode()
    assert assignment.reports.count() == before


@pytest.mark.parametrize("name", ["photo.png", "scan.jpg", "minutes.docx", "table.xlsx"])
def test_images_and_office_documents_are_accepted(name):
    content = {"png": PNG, "jpg": b"\xff\xd8\xff\xe0" + b"0" * 20, "docx": b"PK\x03\x04" + b"0" * 20}
    content["xlsx"] = content["docx"]
    assignment = open_assignment("02")
    data = form_data(assignment)
    data["evidence_file"] = SimpleUploadedFile(name, content[name.rsplit(".", 1)[1]])
    assert client_for("hagiang").post(form_url(assignment), data).status_code == 302


def test_two_forms_opened_on_the_same_version_one_lands_one_conflicts():
    assignment = open_assignment("02")
    first, second = client_for("hagiang"), client_for("admin")
    html_first = first.get(form_url(assignment)).content.decode()
    assert f'name="version" value="{assignment.version}"' in html_first
    before = assignment.reports.count()
    landed = first.post(form_url(assignment), form_data(assignment, note="Báo cáo thứ nhất"))
    assert landed.status_code == 302
    refused = second.post(
        form_url(assignment, "en"),
        form_data(assignment, status="in_progress", percent="70", completed_on="", note="Báo cáo thứ hai"),
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Another report landed while you were writing" in html
    assert "Báo cáo thứ nhất" in html  # the newer report is shown
    assert "Báo cáo thứ hai" in html  # and nothing typed is lost
    assert 'value="in_progress" selected' in html
    assert assignment.reports.count() == before + 1
    # The form now carries the new version: submitting again on purpose lands.
    assignment.refresh_from_db()
    assert f'name="version" value="{assignment.version}"' in html
    again = second.post(
        form_url(assignment),
        form_data(assignment, status="in_progress", percent="70", completed_on="", note="Báo cáo thứ hai"),
    )
    assert again.status_code == 302
    assert assignment.reports.count() == before + 2


def bulk_data(rows):
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "500",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{index}-{key}"] = value
    return data


def test_bulk_grid_updates_many_assignments_in_one_submission():
    client = client_for("hagiang")
    page = client.get(reverse("projects:report_bulk"))
    assert page.status_code == 200
    assignments = [row["assignment"] for row in page.context["rows"]]
    assert len(assignments) >= 2
    today = timezone.localdate().isoformat()
    rows = [
        {"assignment": str(a.pk), "version": str(a.version), "effective_date": today, "status": ""}
        for a in assignments
    ]
    rows[0].update(status="in_progress", percent="60", note="Hàng 1")
    rows[1].update(status="done", completed_on=today, note="Hàng 2")
    before = Report.objects.count()
    response = client.post(reverse("projects:report_bulk"), bulk_data(rows))
    assert response.status_code == 302
    assert Report.objects.count() == before + 2
    assert assignments[1].reports.order_by("-pk").first().percent == 100


def test_bulk_grid_with_one_bad_row_saves_nothing_and_keeps_what_was_typed():
    client = client_for("hagiang")
    assignments = [row["assignment"] for row in client.get(reverse("projects:report_bulk")).context["rows"]]
    today = timezone.localdate().isoformat()
    rows = [
        {"assignment": str(a.pk), "version": str(a.version), "effective_date": today, "status": ""}
        for a in assignments
    ]
    rows[0].update(status="in_progress", percent="60", note="Hàng tốt")
    rows[1].update(status="done", percent="50", note="Hàng sai")  # done needs 100% and a completion date
    before = Report.objects.count()
    response = client.post(reverse("projects:report_bulk"), bulk_data(rows))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hàng tốt" in html and "Hàng sai" in html
    assert Report.objects.count() == before


def test_bulk_grid_conflict_on_one_row_saves_nothing():
    client = client_for("hagiang")
    assignments = [row["assignment"] for row in client.get(reverse("projects:report_bulk")).context["rows"]]
    today = timezone.localdate().isoformat()
    rows = [
        {"assignment": str(a.pk), "version": str(a.version), "effective_date": today, "status": "in_progress"}
        for a in assignments[:2]
    ]
    submit_done(assignments[1])  # lands after the grid was opened
    before = Report.objects.count()
    response = client.post(reverse("projects:report_bulk"), bulk_data(rows))
    assert response.status_code == 409
    assert Report.objects.count() == before
    assert "conflict-row" in response.content.decode()


def test_reports_list_puts_overdue_first_and_shows_returned_reason():
    assignment = open_assignment("02")
    report = submit_done(assignment)
    from projects import services

    services.report_return(report=report, user=user("c06"), note="Thiếu biên bản nghiệm thu")
    response = client_for("hagiang").get("/en/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thiếu biên bản nghiệm thu" in html
    priorities = [row.record.priority for row in response.context["table"].paginated_rows]
    assert priorities == sorted(priorities)
    assert priorities[0] == 0  # overdue first
    figures = response.context["unit_figures"]
    assert {row["programme"].code for row in figures} == {"DA06", "CDS2022"}


def test_reports_list_export_csv_has_the_filtered_rows():
    client = client_for("hagiang")
    response = client.get("/en/reports/?programme=DA06&_export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Programme", "Task", "Unit"]
    assert {row[0] for row in rows[1:]} == {"DA06"}
    assert len(rows) - 1 == client.get("/en/reports/?programme=DA06").context["filter"].qs.count()
    xlsx = client.get("/en/reports/?_export=xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_exported_cells_that_could_be_formulas_are_neutralised():
    import django_tables2 as tables
    from django_tables2.export import TableExport

    class Sample(ExportSafeTable):
        text = tables.Column()

    values = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ordinary", "Hà Giang"]
    exported = TableExport("csv", Sample([{"text": v} for v in values])).export()
    cells = [row[0] for row in csv.reader(io.StringIO(exported))][1:]
    for original, cell in zip(values, cells, strict=True):
        if original[0] in "=+-@\t\r":
            assert cell == "'" + original
        else:
            assert cell == original
    assert neutralise(5) == 5


def test_history_pages_show_the_review_trail():
    from projects import services

    assignment = open_assignment("02")
    report = submit_done(assignment)
    services.report_accept(report=report, user=user("c06"), note="Đủ minh chứng")
    client = client_for("hagiang")
    html = client.get(f"/en/reports/{report.pk}/history/").content.decode()
    assert "Awaiting review" in html and "Accepted" in html and "Đủ minh chứng" in html
    html = client.get(f"/en/assignments/{assignment.pk}/history/").content.decode()
    assert "Đủ minh chứng" in html
    task_page = client.get(f"/en/tasks/{assignment.task_id}/history/")
    assert task_page.status_code == 200


def test_task_and_assignment_changes_are_in_their_history():
    from projects import services

    assignment = open_assignment("02")
    services.assignment_set_deadline(assignment=assignment, deadline=timezone.localdate())
    html = client_for("admin").get(f"/en/assignments/{assignment.pk}/history/").content.decode()
    assert "deadline" in html


def test_reminders_email_reporters_about_overdue_and_due_soon(settings):
    settings.TIENDO_BASE_URL = "https://tiendo.example.gov.vn"
    hagiang = user("hagiang")
    hagiang.email = "hagiang@example.gov.vn"
    hagiang.save()
    assignment = open_assignment("02")
    from projects import services

    services.assignment_set_deadline(
        assignment=assignment, deadline=timezone.localdate() + timezone.timedelta(days=3)
    )
    sent = reminders_send()
    assert sent >= 1
    message = next(m for m in mail.outbox if m.to == ["hagiang@example.gov.vn"])
    assert assignment.task.code in message.body
    assert "https://tiendo.example.gov.vn/reports/" in message.body
    assert "Cà Mau" not in message.body  # only Hà Giang's own subtree
    assert len(mail.outbox) == sent  # reporters without an address get nothing
    # An assignment reported done is no longer a reason to remind.
    from projects.selectors import reminder_assignments

    submit_done(assignment)
    buckets = reminder_assignments(as_of=timezone.localdate())[hagiang]
    assert assignment.pk not in {a.pk for a in buckets["due_soon"] + buckets["overdue"]}


def test_reminders_run_daily_from_beat(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "projects.tasks.report_reminders_send"
    ]
    assert len(entries) == 1


def test_login_is_throttled_after_repeated_failures(client):
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "hagiang", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "hagiang", "password": "tiendo-demo"})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert (
        "Quá nhiều lần đăng nhập sai" in response.content.decode()
        or "Too many failed" in response.content.decode()
    )


def test_csrf_is_enforced_on_report_posts():
    from django.test import Client

    assignment = open_assignment("02")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("hagiang"))
    response = client.post(form_url(assignment), form_data(assignment))
    assert response.status_code == 403


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_chosen_file_is_kept_through_a_failed_validation():
    assignment = open_assignment("02")
    client = client_for("hagiang")
    data = form_data(assignment, completed_on="")
    data["evidence_file"] = evidence_pdf()
    first = client.post(form_url(assignment, "en"), data)
    assert first.status_code == 200
    assert "is kept and will be attached" in first.content.decode()
    token = first.context["form"]["pending_evidence"].value()
    assert token
    fixed = form_data(assignment, pending_evidence=token)
    assert client.post(form_url(assignment), fixed).status_code == 302
    report = assignment.reports.order_by("-pk").first()
    with report.evidence_file.open("rb") as handle:
        assert handle.read() == PDF
    assert report.evidence_file.name.startswith("evidence/")


def test_a_chosen_file_is_kept_through_a_conflict_and_not_usable_by_another_user():
    assignment = open_assignment("02")
    stale = form_data(assignment, note="cũ")
    submit_done(assignment)
    client = client_for("hagiang")
    stale["evidence_file"] = evidence_pdf()
    refused = client.post(form_url(assignment, "en"), stale)
    assert refused.status_code == 409
    token = refused.context["form"]["pending_evidence"].value()
    assignment.refresh_from_db()
    # Someone else cannot attach this file by replaying the token.
    other = client_for("admin").post(form_url(assignment), form_data(assignment, pending_evidence=token))
    assert other.status_code == 302
    assert not assignment.reports.order_by("-pk").first().evidence_file
    assignment.refresh_from_db()
    again = client.post(form_url(assignment), form_data(assignment, note="cũ", pending_evidence=token))
    assert again.status_code == 302
    assert assignment.reports.order_by("-pk").first().evidence_file


@pytest.mark.parametrize("username", ["hagiang", "hanoi", "bocongan"])
def test_todays_statuses_from_the_kept_latest_reports_equal_a_fresh_count(username, monkeypatch):
    from datetime import timedelta

    from projects import selectors

    submit_done(open_assignment("02"))
    reporter = user(username)
    kept = {a.pk: (a.verified_status, a.reported_status) for a in selectors.reporter_assignments(reporter)}
    real_today = selectors.today()
    monkeypatch.setattr(selectors, "today", lambda: real_today - timedelta(days=1))
    counted = {
        a.pk: (a.verified_status, a.reported_status)
        for a in selectors.reporter_assignments(reporter, as_of=real_today)
    }
    assert kept == counted and kept


def test_reports_list_takes_as_of():
    client = client_for("hagiang")
    past = client.get("/en/reports/?as_of=2022-06-01")
    assert past.status_code == 200
    assert "01/06/2022" in past.content.decode()
    assert client.get("/en/reports/?as_of=yesterday").status_code == 400


def test_the_latest_report_column_is_the_latest_as_of_the_day_asked():
    from datetime import timedelta

    from projects import selectors

    assignment = open_assignment("02")
    before = assignment.reports.order_by("-submitted_at", "-pk").first()
    report = submit_done(assignment)
    reporter = user("hagiang")
    today = selectors.today()

    def last_report(as_of):
        return selectors.reporter_assignments(reporter, as_of=as_of).get(pk=assignment.pk).last_report_id

    assert last_report(today) == report.pk
    assert last_report(today - timedelta(days=1)) == (before.pk if before else None)
