"""Faults under a running import: its worker SIGKILLed, its database connection killed.

A real Redis broker and real Celery worker processes (solo pool, so the job runs in the process a
signal hits), on the test's committed PostgreSQL database. Each import is held between its checks
and its write (TIENDO_IMPORTS_PAUSE_FILE) so that the fault lands mid-run; the job must then be
finished by a worker, never left pending or half-written.
"""

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from projects.models import ImportJob, Report
from tests.metrics.test_worker import wait_for, worker
from tests.projects.reporting_helpers import client_for, csv_bytes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes share PostgreSQL"),
]


def _reset_connections(app):
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def import_broker(redis_url):
    """This process's tasks go to a real, empty Redis database."""
    import redis

    from config.celery_app import app

    # TEST_BROKER_URL: a Redis database of this run's own, when other runs share the server.
    url = os.environ.get("TEST_BROKER_URL") or redis_url.rsplit("/", 1)[0] + "/12"
    redis.Redis.from_url(url).flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _reset_connections(app)
    yield url
    app.conf.update(saved)
    _reset_connections(app)
    redis.Redis.from_url(url).flushdb()


def _upload(note: str) -> ImportJob:
    day = timezone.localdate().isoformat()
    # Hà Giang ended on 30/06/2025: its row is mapped to the assignment Tuyên Quang carries for it.
    data = csv_bytes(
        [
            ["programme", "task", "unit", "status", "percent", "effective_date", "note"],
            ["DA06", "NV14", "Tỉnh Hà Giang", "in_progress", "40", day, note],
            ["DA06", "NV14", "Tỉnh Cà Mau", "in_progress", "45", day, note],
        ]
    )
    response = client_for("admin").post(
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
    assert job.state == ImportJob.State.PENDING and job.enqueued_at is not None
    return job


def _finished(job):
    def check():
        job.refresh_from_db()
        return job.finished

    return check


def test_a_worker_killed_mid_import_leaves_the_job_to_the_next_worker(
    committed_demo, import_broker, private_media, tmp_path
):
    job = _upload("worker bị dừng")
    marker = tmp_path / "paused"
    pause = {"TIENDO_IMPORTS_PAUSE_FILE": str(marker), "DJANGO_PRIVATE_MEDIA_ROOT": str(private_media)}
    with worker(import_broker, tmp_path, TIENDO_IMPORTS_PAUSE_SECONDS="120", **pause) as first:
        wait_for(marker.exists, "the import to be checked and about to write")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    job.refresh_from_db()
    assert not job.finished  # killed mid-run: nothing written, not finished
    assert Report.objects.filter(note="worker bị dừng").count() == 0
    # Never acknowledged: the broker hands the job to the next worker, which finishes it.
    with worker(import_broker, tmp_path, **pause):
        wait_for(_finished(job), "the redelivered import to finish")
    assert job.state == ImportJob.State.DONE
    assert Report.objects.filter(note="worker bị dừng").count() == 2


def test_an_import_whose_database_connection_is_killed_is_run_again(
    committed_demo, import_broker, private_media, tmp_path
):
    job = _upload("kết nối bị cắt")
    marker = tmp_path / "paused"
    with worker(
        import_broker,
        tmp_path,
        TIENDO_IMPORTS_PAUSE_FILE=str(marker),
        TIENDO_IMPORTS_PAUSE_SECONDS="3",
        DJANGO_PRIVATE_MEDIA_ROOT=str(private_media),
    ):
        wait_for(lambda: marker.exists() and marker.read_text(), "the import to be checked and paused")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [int(marker.read_text())])
            assert cursor.fetchone() == (True,)
        wait_for(_finished(job), "the import to be retried and finish")
    assert job.state == ImportJob.State.DONE
    assert Report.objects.filter(note="kết nối bị cắt").count() == 2
