"""The bulk report grid: errors marked on the wrong field, not the whole row; an evidence file as well as a link."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.models import Report
from tests.projects.reporting_helpers import PDF, client_for
from tests.projects.test_reporting import bulk_data

pytestmark = pytest.mark.django_db

URL = reverse("projects:report_bulk")


def grid_rows(client):
    assignments = [row["assignment"] for row in client.get(URL).context["rows"]]
    today = timezone.localdate().isoformat()
    return assignments, [
        {"assignment": str(a.pk), "version": str(a.version), "effective_date": today, "status": ""}
        for a in assignments
    ]


def cell(html, index, name):
    """Return the <td> of one field of one row."""
    match = re.search(
        rf'<td class="cell-{name}[^"]*">(?:(?!</td>).)*id="id_form-{index}-{name}"(?:(?!</td>).)*</td>',
        html,
        re.S,
    )
    assert match, (index, name)
    return match.group(0)


def test_a_wrong_field_is_marked_not_its_whole_row():
    client = client_for("hagiang")
    _assignments, rows = grid_rows(client)
    rows[0].update(status="done", percent="50", completed_on=timezone.localdate().isoformat())
    response = client.post("/en" + URL, bulk_data(rows))
    assert response.status_code == 400
    html = response.content.decode()
    percent = cell(html, 0, "percent")
    assert "has-error" in percent and 'aria-invalid="true"' in percent
    assert "A report that says done is 100 percent complete." in percent
    for name in ("status", "completed_on", "effective_date", "note", "evidence_url", "evidence_file"):
        assert "has-error" not in cell(html, 0, name) and "aria-invalid" not in cell(html, 0, name), name
    assert 'class="has-error' not in html[html.index("<tbody") :].split("<td")[0]  # not on the row itself
    assert '<tr class="has-error' not in html


def test_an_evidence_file_is_taken_with_the_row():
    client = client_for("hagiang")
    assignments, rows = grid_rows(client)
    rows[0].update(status="in_progress", percent="30", note="Có biên bản")
    data = bulk_data(rows)
    data["form-0-evidence_file"] = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    page = client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="form-0-evidence_file"' in page
    response = client.post(URL, data)
    assert response.status_code == 302
    report = Report.objects.filter(assignment=assignments[0]).order_by("-pk").first()
    assert report.note == "Có biên bản" and report.evidence_file
    assert report.evidence_file.name.endswith(".pdf") and "bien-ban" not in report.evidence_file.name


def test_a_bad_evidence_file_is_refused_on_its_field_as_on_the_single_form():
    client = client_for("hagiang")
    _assignments, rows = grid_rows(client)
    rows[0].update(status="in_progress", percent="30")
    rows[1].update(status="in_progress", percent="40")
    data = bulk_data(rows)
    data["form-0-evidence_file"] = SimpleUploadedFile(
        "script.pdf", b"#!/bin/sh\n", content_type="application/pdf"
    )
    before = Report.objects.count()
    response = client.post("/en" + URL, data)
    assert response.status_code == 400
    assert Report.objects.count() == before
    html = response.content.decode()
    evidence = cell(html, 0, "evidence_file")
    assert "has-error" in evidence and "does not match its type (.pdf)" in evidence
    assert "Choose the file again" in evidence
    assert "has-error" not in cell(html, 1, "evidence_file")
