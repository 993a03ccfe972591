"""Many submitters at once, and submissions racing the rollup flush, on PostgreSQL with real connections.

Each thread has its own database connection, as each gunicorn worker would; the flush runs eagerly
after each commit (no broker in tests), so submissions and flushes interleave for real.
"""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from metrics import rollups
from projects.models import Assignment, Programme, Report
from tests.projects.reporting_helpers import form_data, unit_today, user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections: PostgreSQL"),
]

SUBMITTERS = 20


def _province_assignments(programme_code: str):
    """Hà Giang's (02) assignments of a programme as they stand today: those Tuyên Quang (08) carries
    since 02 ended on 30/06/2025, so reports on them are accepted."""
    return Assignment.objects.filter(
        unit=unit_today("02"), carried_from__unit__code="02", task__programme__code=programme_code
    )


def _run_all(targets: list) -> list:
    """Start every callable at the same moment in its own thread; return what each returned or raised."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait(timeout=60)
            results[index] = target()
        except BaseException as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def _submitter(assignment, version, note, username="admin"):
    def submit():
        client = Client(raise_request_exception=False)
        client.force_login(user(username))
        response = client.post(
            f"/en/reports/new/?assignment={assignment.pk}",
            form_data(assignment, version=str(version), note=note),
        )
        return response.status_code, response.content.decode()

    return submit


def test_twenty_submitters_on_one_assignment_one_lands_the_others_meet_the_conflict(committed_demo):
    programme = Programme.objects.get(code="DA06")
    rollups.recompute_programme(programme, day=rollups.today())
    assignment = _province_assignments("DA06").order_by("pk").first()
    version, before = assignment.version, assignment.reports.count()

    results = _run_all([_submitter(assignment, version, f"người thứ {i}") for i in range(SUBMITTERS)])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    codes = Counter(code for code, _html in results)
    assert codes == {302: 1, 409: SUBMITTERS - 1}
    assert all("Another report landed while you were writing" in html for code, html in results if code == 409)
    assert assignment.reports.count() == before + 1
    assignment.refresh_from_db()
    assert assignment.version == version + 1


def test_submissions_on_many_assignments_racing_the_flush_leave_the_figures_right(committed_demo):
    from metrics import rollups as r

    programme = Programme.objects.get(code="DA06")
    today = r.today()
    r.recompute_programme(programme, day=today)
    # One province's assignments (they share the unit, its ancestors and the tasks' rows).
    assignments = list(_province_assignments("DA06").order_by("pk")[:SUBMITTERS])
    targets = [_submitter(a, a.version, "cùng lúc") for a in assignments]
    # Flushes and full recomputes racing the submissions, as the beat and the nightly job would.
    targets += [r.flush_pending, r.flush_pending, lambda: r.recompute_programme(programme, day=today)]
    before = Report.objects.count()

    results = _run_all(targets)

    errors = [x for x in results if isinstance(x, BaseException)]
    assert errors == []
    assert Counter(code for code, _html in results[: len(assignments)]) == {302: len(assignments)}
    assert Report.objects.count() == before + len(assignments)
    r.flush_pending()
    assert r.verify_programme(programme, today) == []


def test_submissions_to_different_assignments_of_one_unit_never_deadlock(committed_demo):
    programme = Programme.objects.get(code="CDS2022")
    rollups.recompute_programme(programme, day=rollups.today())
    assignments = list(
        Assignment.objects.filter(unit__code="01", task__programme=programme).order_by("pk")[:SUBMITTERS]
    )
    tasks = {a.task_id for a in assignments}
    assert len(tasks) > 1
    results = _run_all([_submitter(a, a.version, "cùng đơn vị") for a in assignments])
    errors = [x for x in results if isinstance(x, BaseException)]
    assert errors == []
    assert Counter(code for code, _html in results) == {302: len(assignments)}


def test_a_submission_locks_its_assignment_only_not_its_task_or_unit(committed_demo):
    """While a submission holds its lock, another transaction can still reference the task and the unit.

    A rollup flush inserting rows that point at them takes FOR KEY SHARE on those rows: when the
    submission also locked them FOR UPDATE, the two waited on each other (the deadlocks of issue 10).
    """
    from django.db import transaction

    from projects import services

    assignment = _province_assignments("DA06").first()
    locked, release = threading.Event(), threading.Event()

    def submission():
        try:
            with transaction.atomic():
                services.assignment_lock(assignment.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=submission)
    holder.start()
    try:
        assert locked.wait(timeout=60)
        with transaction.atomic(), connection.cursor() as cursor:
            # Fail fast instead of waiting, should the row be locked against a reference to it.
            cursor.execute("SET LOCAL lock_timeout = '5s'")
            cursor.execute("SELECT 1 FROM projects_task WHERE id = %s FOR KEY SHARE", [assignment.task_id])
            cursor.execute("SELECT 1 FROM projects_unit WHERE id = %s FOR KEY SHARE", [assignment.unit_id])
            cursor.execute(
                "SELECT 1 FROM projects_programme WHERE id = %s FOR KEY SHARE", [assignment.task.programme_id]
            )
    finally:
        release.set()
        holder.join(timeout=60)
