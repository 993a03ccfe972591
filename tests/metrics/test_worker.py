"""Rollups on a real Redis broker and a real Celery worker process that this test starts and kills.

The worker must see the test's rows, so these tests commit (``committed_demo``) and need a database
that another process can open: PostgreSQL. With SQLite they are skipped (and CI, on PostgreSQL with
REQUIRE_SERVICES=1, fails on any skip).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from metrics import rollups
from metrics.models import RollupPending, StatusRollup
from projects import services
from projects.choices import ReviewState
from projects.models import Programme, Report

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)
CONFERENCE = date(2022, 12, 25)
WAIT = 60  # seconds: generous, for a loaded CI machine; no test asserts on how fast anything is


def _database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test: PostgreSQL")
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def broker(redis_url):
    import redis

    # TEST_BROKER_URL: a Redis database of this run's own, when other runs share the server.
    url = os.environ.get("TEST_BROKER_URL") or redis_url.rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def celery_to_broker(broker):
    """Send this process's tasks to the real broker instead of running them eagerly."""
    from config.celery_app import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(
        broker_url=broker, task_always_eager=False, broker_transport_options={"visibility_timeout": 3}
    )
    _reset_connections(app)
    yield app
    app.conf.update(saved)
    _reset_connections(app)


def _reset_connections(app):
    """Drop pooled broker connections so that the next send uses the broker now configured."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def worker(broker: str, tmp_path: Path, **environ):
    """Run a Celery worker process (solo pool: the task runs in the process a SIGKILL hits)."""
    name = f"rollups-{uuid.uuid4().hex[:8]}"
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed below, after the process)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        **environ,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def wait_for(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def rows(programme, day):
    return sorted(
        StatusRollup.objects.filter(programme=programme, day=day).values_list(
            "unit_id",
            "view",
            "done_on_time",
            "done_late",
            "overdue",
            "in_progress",
            "not_started",
            "tasks_done",
        )
    )


def fresh_rows(programme, day):
    """The rows a full recompute writes now, computed without touching the stored ones."""
    figures = rollups.compute_status(programme=programme, day=day)
    return sorted(
        (
            unit_id,
            view,
            f["done_on_time"],
            f["done_late"],
            f["overdue"],
            f["in_progress"],
            f["not_started"],
            f["tasks_done"],
        )
        for unit_id, by_view in figures.items()
        for view, f in by_view.items()
    )


def test_a_report_accepted_through_the_service_reaches_the_rollups(
    committed_demo, broker, celery_to_broker, tmp_path
):
    programme = Programme.objects.get(code="DA06")
    today = rollups.today()
    rollups.recompute_programme(programme, day=today)
    # A report awaiting review that counts today: its assignment's latest, on an assignment valid today.
    report = (
        Report.objects.filter(
            programme=programme,
            review_state=ReviewState.SUBMITTED,
            carried_from__isnull=True,
            assignment__valid_to__isnull=True,
            assignment__reported_report=F("pk"),
        )
        .order_by("pk")
        .first()
    )
    assert rows(programme, today) != fresh_rows_after_accept(programme, today, report)
    with worker(broker, tmp_path):
        services.report_accept(report=report, user=None)  # commits: the signal enqueues the flush
        wait_for(
            lambda: (
                not RollupPending.objects.exists() and rows(programme, today) == fresh_rows(programme, today)
            ),
            "the accepted report to reach the rollups",
        )
    assert rollups.verify_programme(programme, today) == []


def fresh_rows_after_accept(programme, day, report):
    """What the rows will be once the report counts (checked inside a rolled-back transaction)."""
    from django.db import transaction

    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(review_state=ReviewState.ACCEPTED)
        services.report_chains_refresh(assignment_ids=[report.assignment_id])
        expected = fresh_rows(programme, day)
        transaction.set_rollback(True)
    return expected


def test_a_worker_killed_mid_recompute_leaves_no_half_written_figures(
    committed_demo, broker, celery_to_broker, tmp_path
):
    from metrics import tasks

    programme = Programme.objects.get(code="DA06")
    rollups.recompute_programme(programme, day=CONFERENCE)
    before = rows(programme, CONFERENCE)
    # Change the source behind the rollups' back, so that a finished recompute would show.
    report = Report.objects.filter(
        programme=programme,
        review_state=ReviewState.SUBMITTED,
        assignment__isnull=False,
        effective_date__lte=CONFERENCE,
    ).first()
    Report.objects.filter(pk=report.pk).update(review_state=ReviewState.ACCEPTED)
    services.report_chains_refresh(assignment_ids=[report.assignment_id])
    expected = fresh_rows(programme, CONFERENCE)
    assert expected != before

    marker = tmp_path / "half-written"
    tasks.rollups_recompute_programme.delay(programme.pk, CONFERENCE.isoformat())
    with worker(
        broker, tmp_path, TIENDO_ROLLUPS_PAUSE_FILE=str(marker), TIENDO_ROLLUPS_PAUSE_SECONDS="120"
    ) as first:
        wait_for(marker.exists, "the recompute to be half-written")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    # The killed transaction is rolled back: every figure is still the old one, none half-new.
    assert rows(programme, CONFERENCE) == before

    # The task was never acknowledged: the broker hands it to the next worker, which finishes it.
    with worker(broker, tmp_path):
        wait_for(lambda: rows(programme, CONFERENCE) == expected, "the redelivered task to converge")
    assert rollups.verify_programme(programme, CONFERENCE) == []


def test_two_recomputes_at_once_give_the_same_figures_as_one(
    committed_demo, broker, celery_to_broker, tmp_path
):
    from metrics import tasks

    programme = Programme.objects.get(code="CDS2022")
    rollups.recompute_programme(programme, day=CONFERENCE)
    once = rows(programme, CONFERENCE)
    StatusRollup.objects.filter(programme=programme, day=CONFERENCE).delete()
    for _ in range(2):
        tasks.rollups_recompute_programme.delay(programme.pk, CONFERENCE.isoformat())
    with worker(broker, tmp_path), worker(broker, tmp_path):
        wait_for(lambda: rows(programme, CONFERENCE) == once, "both recomputes to finish")
        time.sleep(2)  # let the second one land too, if it has not yet
        wait_for(lambda: rows(programme, CONFERENCE) == once, "the figures to stay the same")
    assert rollups.verify_programme(programme, CONFERENCE) == []
