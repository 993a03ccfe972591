"""The evidence file through the report form: kept only when it really is, never silently dropped."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects.storage import private_storage
from tests.projects.reporting_helpers import client_for, evidence_pdf, form_data, open_assignment

pytestmark = pytest.mark.django_db

KEPT = "is kept and will be attached"


def form_url(assignment):
    return f"/en/reports/new/?assignment={assignment.pk}"


def test_a_first_visit_does_not_claim_a_file_is_kept():
    assignment = open_assignment("02")
    page = client_for("hagiang").get(form_url(assignment)).content.decode()
    assert KEPT not in page


def test_an_error_without_any_file_does_not_claim_a_file_is_kept():
    assignment = open_assignment("02")
    response = client_for("hagiang").post(form_url(assignment), form_data(assignment, completed_on=""))
    assert response.status_code == 200
    assert KEPT not in response.content.decode()


def test_after_a_refused_exe_the_resubmission_is_not_saved_without_evidence_silently():
    assignment = open_assignment("02")
    client = client_for("hagiang")
    before = assignment.reports.count()
    data = form_data(assignment)
    data["evidence_file"] = SimpleUploadedFile("script.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    refused = client.post(form_url(assignment), data)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert KEPT not in page
    assert "Choose the evidence file again" in page
    # Resubmitting as the page invites, without choosing a new file: refused again, saying why.
    resubmitted = dict(form_data(assignment))
    for name in ("evidence_refused",):
        resubmitted[name] = refused.context["form"][name].value()
    again = client.post(form_url(assignment), resubmitted)
    assert again.status_code == 200
    assert "The evidence file you chose was refused" in again.content.decode()
    assert assignment.reports.count() == before
    # With a valid file it goes through, with its evidence.
    third = dict(form_data(assignment))
    third["evidence_file"] = evidence_pdf()
    done = client.post(form_url(assignment), third)
    assert done.status_code == 302
    report = assignment.reports.order_by("-pk").first()
    assert report.evidence_file


def test_replacing_a_kept_file_deletes_the_one_it_replaces():
    assignment = open_assignment("02")
    client = client_for("hagiang")
    first = dict(form_data(assignment, completed_on=""))
    first["evidence_file"] = evidence_pdf()
    one = client.post(form_url(assignment), first)
    token = one.context["form"]["pending_evidence"].value()
    kept = one.context["form"].kept_evidence["name"]
    assert private_storage.exists(kept)
    second = dict(form_data(assignment, completed_on="", pending_evidence=token))
    second["evidence_file"] = evidence_pdf("khac.pdf")
    two = client.post(form_url(assignment), second)
    assert two.status_code == 200
    assert not private_storage.exists(kept)
    assert private_storage.exists(two.context["form"].kept_evidence["name"])


def test_kept_files_never_used_expire(settings):
    from projects.tasks import pending_evidence_expire

    old = private_storage.save("pending/old.pdf", ContentFile(b"%PDF-1.4"))
    new = private_storage.save("pending/new.pdf", ContentFile(b"%PDF-1.4"))
    import os

    day_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(private_storage.path(old), (day_ago, day_ago))
    assert pending_evidence_expire() == 1
    assert not private_storage.exists(old)
    assert private_storage.exists(new)
    assert any(
        entry["task"] == "projects.tasks.pending_evidence_expire" for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_an_oversize_file_is_described_sensibly(settings):
    settings.TIENDO_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    assignment = open_assignment("02")
    data = form_data(assignment)
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 512 * 1024)
    data["evidence_file"] = SimpleUploadedFile("lon.pdf", big, content_type="application/pdf")
    page = client_for("hagiang").post(f"/reports/new/?assignment={assignment.pk}", data).content.decode()
    assert "10,6 MB" in page and "tối đa 10 MB" in page


def test_an_upload_is_not_written_to_disk_beyond_the_limit(settings):
    import os

    from projects.uploads import BoundedTemporaryFileUploadHandler

    settings.TIENDO_EVIDENCE_MAX_BYTES = settings.TIENDO_IMPORT_MAX_BYTES = 1024 * 1024
    handler = BoundedTemporaryFileUploadHandler()
    handler.new_file("evidence_file", "lon.pdf", "application/pdf", None)
    chunk = b"0" * 64 * 1024
    for index in range(100):  # 6.4 MB sent
        handler.receive_data_chunk(chunk, index * len(chunk))
    upload = handler.file_complete(100 * len(chunk))
    try:
        assert os.path.getsize(upload.temporary_file_path()) == 1024 * 1024 + 1
        assert upload.size == 100 * len(chunk)
    finally:
        upload.close()


def test_an_oversize_import_is_described_sensibly(settings):
    settings.TIENDO_IMPORT_MAX_BYTES = 3 * 1024 * 1024
    data = b"programme,task\n" + b"x" * (3 * 1024 * 1024 + 100)
    response = client_for("hagiang").post(
        "/imports/", {"kind": "reports", "file": SimpleUploadedFile("lon.csv", data), "dry_run": ""}
    )
    page = response.content.decode()
    assert "3,1 MB" in page and "tối đa 3 MB" in page
