"""With the broker unreachable (a real closed port, not a mock), writes succeed and nothing is stranded.

The report or acceptance is saved with its pending refresh in the same transaction; the user is told
the figures will follow; /healthz answers 503; an import waits, marked as not yet queued, and the
beat job that looks for such imports queues it once the broker answers again.
"""

import socket

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from metrics.models import RollupPending
from projects.choices import ReviewState
from projects.models import ImportJob, Report
from tests.projects.reporting_helpers import client_for, csv_bytes, form_data, open_assignment

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_connections(app):
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def dead_broker(settings):
    """Point this process's Celery at a port where nothing listens."""
    from config.celery_app import app

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    keys = ("broker_url", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=url, task_always_eager=False)
    settings.CELERY_BROKER_URL = url
    _reset_connections(app)
    yield url
    app.conf.update(saved)
    _reset_connections(app)


@pytest.fixture
def broker_back(settings):
    """The broker is back: here, eager execution in this process (what a worker would do)."""

    def restore():
        from config.celery_app import app

        app.conf.update(broker_url="", task_always_eager=True)
        settings.CELERY_BROKER_URL = ""
        _reset_connections(app)

    return restore


@pytest.mark.django_db(transaction=True)
def test_a_report_submitted_while_the_broker_is_down_is_saved_and_its_refresh_recorded(
    committed_demo, dead_broker
):
    """Committed for real: the enqueue on commit meets the closed port inside the request."""
    RollupPending.objects.all().delete()
    assignment = open_assignment("02")
    client = client_for("hagiang")
    before = assignment.reports.count()
    response = client.post(f"/en/reports/new/?assignment={assignment.pk}", form_data(assignment))
    assert response.status_code == 302
    assert assignment.reports.count() == before + 1
    assert RollupPending.objects.filter(programme=assignment.task.programme).exists()
    page = client.get(response["Location"]).content.decode()
    assert "The figures will include this change within a few minutes" in page
    assert "A refresh is waiting" in client.get("/en/programmes/DA06/").content.decode()


def test_a_review_while_the_broker_is_down_is_saved_and_not_answered_500(
    dead_broker, django_capture_on_commit_callbacks, broker_back
):
    from metrics import tasks

    RollupPending.objects.all().delete()
    report = Report.objects.filter(
        programme__code="DA06", review_state=ReviewState.SUBMITTED, assignment__isnull=False
    ).first()
    client = client_for("c06")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/reviews/{report.pk}/", {"action": "accept", "review_note": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    assert RollupPending.objects.exists()
    # Once the broker is back, the beat's flush does the waiting refresh.
    broker_back()
    tasks.rollups_flush_pending.delay()
    assert not RollupPending.objects.exists()


def test_healthz_is_503_when_the_broker_is_down(client, dead_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "failing"


def test_an_import_uploaded_while_the_broker_is_down_runs_once_it_is_back(
    dead_broker, django_capture_on_commit_callbacks, broker_back
):
    from projects.tasks import import_jobs_requeue

    client = client_for("hagiang")
    day = timezone.localdate().isoformat()
    # Hà Giang ended on 30/06/2025: its row is mapped to the assignment Tuyên Quang carries for it.
    data = csv_bytes(
        [
            ["programme", "task", "unit", "status", "percent", "effective_date", "note"],
            ["DA06", "NV14", "Tỉnh Hà Giang", "in_progress", "40", day, "khi hàng đợi hỏng"],
        ]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/imports/",
            {
                "kind": "reports",
                "file": SimpleUploadedFile("r.csv", data),
                "dry_run": "",
                "map_to_successors": "on",
            },
        )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.state == ImportJob.State.PENDING
    assert job.enqueued_at is None
    page = client.get(response["Location"]).content.decode()
    assert "not been queued yet" in page
    broker_back()
    assert import_jobs_requeue(min_age_seconds=0) == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Report.objects.filter(note="khi hàng đợi hỏng").count() == 1


def test_the_beat_schedule_requeues_stranded_imports():
    assert any(
        entry["task"] == "projects.tasks.import_jobs_requeue"
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_observations_imported_while_the_broker_is_down_are_kept_and_todays_figures_counted_afresh(
    dead_broker, django_capture_on_commit_callbacks
):
    from metrics import rollups
    from metrics.imports import ObservationImporter
    from metrics.models import Observation, RollupDay
    from projects.models import Programme

    programme = Programme.objects.get(code="DA06")
    rollups.recompute_programme(programme, day=rollups.today())
    data = csv_bytes(
        [
            ["indicator", "unit", "period", "value", "denominator", "source"],
            ["CCCD_CHIP", "TP. Hồ Chí Minh", "2024-01-31", "1.234.567,5", "", "Bộ Công an"],
        ]
    )
    before = Observation.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        result = ObservationImporter(user=None).run(data, "obs.csv")
    assert result.ok and result.written
    assert Observation.objects.count() == before + 1
    assert RollupDay.objects.get(programme=programme, day=rollups.today()).stale
