"""Shared helpers of the reporting, review, import and access tests."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from projects import services
from projects.choices import AssignmentStatus, ReportStatus, View
from projects.models import Assignment, Unit
from projects.selectors import assignments_with_status, unit_for_code

USERS = ["hagiang", "camau", "hanoi", "bocongan", "c06", "vpcp", "lanhdao", "admin"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
    "000100e221bc330000000049454e44ae426082"
)


def user(username):
    return get_user_model().objects.get(username=username)


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(user(username))
    return client


def unit_today(unit_code: str) -> Unit:
    """Return the unit that holds a code's work today: the unit itself, or the successor of an ended one
    (Hà Giang, 02, ended on 30/06/2025: its work is Tuyên Quang's since)."""
    today = timezone.localdate()
    unit = unit_for_code(unit_code, on=today)
    while unit.valid_to is not None and unit.valid_to < today:
        unit = unit.successors.order_by("path").first()
    return unit


def open_assignment(unit_code: str, programme: str = "DA06") -> Assignment:
    """Return an assignment of a unit (today: the one its successor carries) that is not done in either
    view today, so a report can change it."""
    today = timezone.localdate()
    unit = unit_today(unit_code)
    queryset = Assignment.objects.filter(unit=unit, task__programme__code=programme)
    if unit.code != unit_code:
        queryset = queryset.filter(carried_from__unit__code=unit_code)
    for view in (View.VERIFIED,):
        candidates = assignments_with_status(as_of=today, view=view, queryset=queryset).order_by("task__code")
        for assignment in candidates:
            if assignment.status == AssignmentStatus.OVERDUE and assignment.reported_report_id == (
                assignment.verified_report_id
            ):
                return Assignment.objects.select_related("task__programme", "unit").get(pk=assignment.pk)
    raise AssertionError(f"no open assignment for {unit_code} in {programme}")


def evidence_pdf(name="bien-ban.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submit_done(assignment, *, username="hagiang", evidence=None):
    today = timezone.localdate()
    return services.report_submit(
        user=user(username),
        assignment=assignment,
        status=ReportStatus.DONE,
        percent=100,
        completed_on=today,
        effective_date=today,
        note="Đã hoàn thành",
        evidence_file=evidence,
    )


def form_data(assignment, **overrides):
    today = timezone.localdate().isoformat()
    data = {
        "status": "done",
        "percent": "100",
        "completed_on": today,
        "effective_date": today,
        "note": "Đã hoàn thành, có biên bản.",
        "evidence_url": "",
        "version": str(assignment.version),
    }
    data.update(overrides)
    return data


def csv_bytes(rows: list[list[str]]) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")
