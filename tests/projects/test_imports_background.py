"""A large import runs on a real Celery worker over Redis; its page shows progress, then the outcome.

The worker must see the test's rows and files, so this test commits (``committed_demo``), uses a
database another process can open (PostgreSQL; skipped on SQLite, and CI fails on any skip) and
points the worker at the same private file directory.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from projects.models import Assignment, ImportJob, Report
from tests.projects.reporting_helpers import client_for, csv_bytes

WAIT = 120  # seconds: generous for a loaded CI machine; nothing asserts on speed


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def to_broker(redis_url):
    """Send this process's tasks to a real, empty Redis instead of running them eagerly."""
    import redis
    from kombu import pools

    from config.celery_app import app

    # TEST_BROKER_URL: a Redis database of this run's own, when other runs share the server.
    url = os.environ.get("TEST_BROKER_URL") or redis_url.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    yield url
    app.conf.update(saved)
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    redis.Redis.from_url(url).flushdb()


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database")
def test_large_import_runs_on_a_worker_with_progress(committed_demo, to_broker, private_media, tmp_path):
    rows = [["programme", "task", "unit", "status", "percent", "effective_date", "note"]]
    assignments = list(
        Assignment.objects.filter(unit__kind="province").select_related("task__programme", "unit")[:1500]
    )
    for round_ in range(4):
        for a in assignments:
            rows.append(
                [
                    a.task.programme.code,
                    a.task.code,
                    a.unit.name,
                    "in_progress",
                    str(10 + round_),
                    f"2024-0{round_ + 1}-01",
                    "nền",
                ]
            )
    client = client_for("admin")
    before = Report.objects.count()
    response = client.post(
        "/en/imports/",
        {"kind": "reports", "file": SimpleUploadedFile("lon.csv", csv_bytes(rows)), "dry_run": ""},
    )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    # No worker yet: the job waits, and its page says so and refreshes itself.
    page = client.get(response["Location"]).content.decode()
    assert job.state == ImportJob.State.PENDING
    assert "<progress" in page and 'http-equiv="refresh"' in page

    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed after the process
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": to_broker,
        "DJANGO_PRIVATE_MEDIA_ROOT": str(private_media),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"imports-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    progress_seen = []
    try:

        def finished():
            job.refresh_from_db()
            progress_seen.append(job.rows_done)
            return job.finished

        try:
            wait_for(finished, "the import to finish")
        except AssertionError as error:
            log.flush()
            raise AssertionError(
                f"{error}; job {job.state} {job.rows_done}/{job.rows_total}; "
                f"worker log:\n{(tmp_path / 'worker.log').read_text()[-4000:]}"
            ) from None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    assert job.state == ImportJob.State.DONE, (tmp_path / "worker.log").read_text()[-3000:]
    assert job.result["new"] == len(rows) - 1
    assert Report.objects.count() == before + len(rows) - 1
    assert job.rows_done == job.rows_total == len(rows) - 1
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page and str(len(rows) - 1) in page.replace(",", "")
