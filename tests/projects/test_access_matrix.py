"""Roles × endpoints: each restricted page and action allows exactly who it should, 403/404 for the rest."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Goal, ImportJob, Report, Task
from tests.projects.reporting_helpers import (
    USERS,
    client_for,
    evidence_pdf,
    form_data,
    open_assignment,
    submit_done,
    user,
)

pytestmark = pytest.mark.django_db

EVERYONE = {None, *USERS}
REPORTERS = {"hagiang", "camau", "hanoi", "bocongan"}


@pytest.fixture
def world():
    """A Hà Giang assignment of Đề án 06 with a report awaiting review (with evidence), and an import job."""
    assignment = open_assignment("02")
    report = submit_done(assignment, evidence=evidence_pdf())
    job = ImportJob.objects.create(
        kind="reports", file="imports/x.csv", original_name="x.csv", created_by=user("hagiang"), state="done"
    )
    dry_job = ImportJob.objects.create(
        kind="reports",
        file="imports/dry.csv",
        original_name="dry.csv",
        created_by=user("hagiang"),
        state="done",
        dry_run=True,
    )
    return {
        "assignment": assignment,
        "report": report,
        "job": job,
        "dry_job": dry_job,
        "task": Task.objects.get(pk=assignment.task_id),
        "goal": Goal.objects.get(programme__code="DA06", code="MT01"),
    }


def url(name, world):
    a, r = world["assignment"], world["report"]
    return {
        "report_list": reverse("projects:report_list"),
        "report_list_csv": reverse("projects:report_list") + "?_export=csv",
        "report_form": reverse("projects:report_create") + f"?assignment={a.pk}",
        "report_post": reverse("projects:report_create") + f"?assignment={a.pk}",
        "report_bulk": reverse("projects:report_bulk"),
        "review_queue": reverse("projects:report_queue"),
        "review_accept": reverse("projects:report_review", args=[r.pk]),
        "report_withdraw": reverse("projects:report_withdraw", args=[r.pk]),
        "goal_assess": reverse("projects:goal_assess", args=[world["goal"].pk]),
        "evidence": reverse("projects:report_evidence", args=[r.pk]),
        "report_history": reverse("projects:report_history", args=[r.pk]),
        "assignment_history": reverse("projects:assignment_history", args=[a.pk]),
        "task_history": reverse("projects:task_history", args=[world["task"].pk]),
        "imports": reverse("projects:importjob_create"),
        "import_detail": reverse("projects:importjob_detail", args=[world["job"].pk]),
        "import_upload": reverse("projects:importjob_create"),
        "import_run": reverse("projects:importjob_run", args=[world["dry_job"].pk]),
    }[name]


# endpoint → (method, who is allowed, status when allowed)
MATRIX = {
    "report_list": ("get", REPORTERS | {"admin"}, 200),
    "report_list_csv": ("get", REPORTERS | {"admin"}, 200),
    "report_form": ("get", {"hagiang", "admin"}, 200),
    "report_post": ("post", {"hagiang", "admin"}, 302),
    "report_bulk": ("get", REPORTERS | {"admin"}, 200),
    "review_queue": ("get", {"c06", "vpcp", "admin"}, 200),
    "review_accept": ("post", {"c06", "admin"}, 302),
    # The report awaits review: its unit's reporter may withdraw it, as may its programme's reviewer.
    "report_withdraw": ("post", {"hagiang", "c06", "admin"}, 302),
    # Đề án 06 is led by the Ministry of Public Security: its reporters assess the goals.
    "goal_assess": ("get", {"bocongan", "admin"}, 200),
    "evidence": ("get", {"hagiang", "c06", "lanhdao", "admin"}, 200),
    "report_history": ("get", {"hagiang", "c06", "lanhdao", "admin"}, 200),
    "assignment_history": ("get", {"hagiang", "c06", "lanhdao", "admin"}, 200),
    "task_history": ("get", set(USERS), 200),
    "imports": ("get", REPORTERS | {"c06", "vpcp", "admin"}, 200),
    "import_detail": ("get", {"hagiang", "admin"}, 200),
    "import_upload": ("post", REPORTERS | {"c06", "vpcp", "admin"}, 302),
    "import_run": ("post", {"hagiang", "admin"}, 302),
}


def post_data(endpoint, world):
    if endpoint == "report_post":
        return form_data(world["assignment"], version=str(world["assignment"].version + 1))
    if endpoint == "review_accept":
        return {"action": "accept", "review_note": ""}
    if endpoint == "report_withdraw":
        return {"review_note": "Nộp nhầm."}
    if endpoint == "import_upload":
        return {"kind": "reports", "file": SimpleUploadedFile("r.csv", b"programme\n"), "dry_run": "on"}
    return {}


@pytest.mark.parametrize("username", [None, *USERS], ids=lambda u: u or "anonymous")
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_access(endpoint, username, world):
    method, allowed, ok_status = MATRIX[endpoint]
    client = client_for(username)
    address = url(endpoint, world)
    reports_before = Report.objects.count()
    send = client.get if method == "get" else client.post
    response = send(address, post_data(endpoint, world)) if method == "post" else send(address)
    if username in allowed:
        assert response.status_code == ok_status, (endpoint, username)
    else:
        assert response.status_code in (403, 404), (endpoint, username, response.status_code)
        if endpoint == "report_post":
            assert Report.objects.count() == reports_before
        if endpoint in ("review_accept", "report_withdraw"):
            world["report"].refresh_from_db()
            assert world["report"].review_state == "submitted"
    if username is None and response.status_code == 403:
        assert reverse("login") in response.content.decode()


def test_report_post_by_allowed_reporter_lands(world):
    assignment = world["assignment"]
    assignment.refresh_from_db()
    before = assignment.reports.count()
    response = client_for("hagiang").post(
        url("report_post", world), form_data(assignment, version=str(assignment.version))
    )
    assert response.status_code == 302
    assert assignment.reports.count() == before + 1


def test_other_units_reporter_cannot_post_on_ca_mau(world):
    ca_mau = open_assignment("96")
    client = client_for("hagiang")
    before = ca_mau.reports.count()
    address = reverse("projects:report_create") + f"?assignment={ca_mau.pk}"
    assert client.get(address).status_code == 404
    assert client.post(address, form_data(ca_mau)).status_code == 404
    assert ca_mau.reports.count() == before


def test_bulk_post_with_another_units_assignment_is_refused(world):
    ca_mau = open_assignment("96")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "500",
        "form-0-assignment": str(ca_mau.pk),
        "form-0-version": str(ca_mau.version),
        "form-0-status": "in_progress",
        "form-0-percent": "40",
        "form-0-effective_date": form_data(ca_mau)["effective_date"],
    }
    before = ca_mau.reports.count()
    assert client_for("hagiang").post(reverse("projects:report_bulk"), data).status_code == 404
    assert ca_mau.reports.count() == before


def test_review_of_another_programme_is_refused(world):
    """vpcp reviews CDS2022 only: a DA06 report is not theirs to accept."""
    response = client_for("vpcp").post(url("review_accept", world), {"action": "accept"})
    assert response.status_code == 404
    world["report"].refresh_from_db()
    assert world["report"].review_state == "submitted"


def test_evidence_is_not_under_media(world):
    report = world["report"]
    assert report.evidence_file.name.startswith("evidence/")
    assert "bien-ban" not in report.evidence_file.name
    with pytest.raises(ValueError):
        report.evidence_file.url  # noqa: B018 - private files have no public address
