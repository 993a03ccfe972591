"""Import messages a new user misread: a unit that exists but has not the task, and the row count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from projects.imports import ReportImporter
from projects.models import Task
from tests.projects.reporting_helpers import client_for, csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["programme", "task", "unit", "status", "percent", "completed_on", "effective_date", "note"]


def test_a_task_not_assigned_to_the_unit_says_so():
    task = Task.objects.filter(programme__code="DA06").exclude(assignments__unit__code="02").first()
    rows = [HEADER, ["DA06", task.code, "Hà Giang", "in_progress", "40", "", "2024-03-01", ""]]
    with translation.override("vi"):
        result = ReportImporter().run(csv_bytes(rows), "reports.csv")
    [error] = result.errors
    assert error.column == "unit"
    assert "Không có đơn vị nào" not in error.reason
    assert f"Nhiệm vụ {task.code} của DA06 không được giao cho Hà Giang (02)" in error.reason


def test_a_name_that_is_no_unit_still_says_so():
    rows = [HEADER, ["DA06", "NV14", "Không Tồn Tại", "in_progress", "40", "", "2024-03-01", ""]]
    with translation.override("en"):
        result = ReportImporter().run(csv_bytes(rows), "reports.csv")
    assert "No unit is called" in result.errors[0].reason


def test_the_result_page_counts_rows_in_good_vietnamese(django_capture_on_commit_callbacks):
    client = client_for("hagiang")
    rows = [HEADER, *[["DA06", "NV14", "02", "in_progress", str(p), "", "2024-03-01", f"n{p}"] for p in (40, 50)]]
    upload = SimpleUploadedFile("reports.csv", csv_bytes(rows), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/", {"kind": "reports", "file": upload, "dry_run": "on"})
    html = " ".join(client.get(response["Location"]).content.decode().split())
    assert "<strong>2</strong> dòng" in html
    assert "số dòng" not in html
