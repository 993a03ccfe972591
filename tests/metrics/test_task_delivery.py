"""A killed worker's task comes back within minutes, and a second delivery of a running one leaves."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections

from metrics import rollups, tasks
from metrics.models import RollupRun
from projects import locks

pytestmark = pytest.mark.django_db


def test_a_task_killed_mid_run_is_redelivered_within_minutes_not_an_hour():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] <= 10 * 60
    # The shortest tasks finish well within it, so only a killed or long one is delivered twice.
    assert tasks.rollups_flush_pending.time_limit < options["visibility_timeout"]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a lock held by another connection")
def test_a_second_delivery_of_the_nightly_recompute_leaves_while_the_first_runs():
    day = rollups.today()
    held, release = threading.Event(), threading.Event()

    def first_delivery():
        try:
            with locks.running(tasks.RECOMPUTE_LOCK_NAMESPACE, day.toordinal()) as acquired:
                assert acquired
                held.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_delivery)
    thread.start()
    try:
        assert held.wait(timeout=60)
        runs = RollupRun.objects.count()
        assert tasks.rollups_recompute_all() == 0
        assert RollupRun.objects.count() == runs
    finally:
        release.set()
        thread.join(timeout=60)
    assert not locks.is_running(tasks.RECOMPUTE_LOCK_NAMESPACE, day.toordinal())
