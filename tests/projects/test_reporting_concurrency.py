"""Two submissions on one assignment at the same moment: exactly one lands, the other meets the conflict."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.projects.reporting_helpers import form_data, open_assignment, user


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks across connections (PostgreSQL)"
)
def test_concurrent_submissions_one_lands_one_conflicts(committed_demo):
    # Hà Giang's work, Tuyên Quang's since 01/07/2025: an assignment hagiang reports on today.
    assignment = open_assignment("02")
    version = assignment.version
    before = assignment.reports.count()
    barrier = threading.Barrier(2)
    statuses = []

    def submit(username, note):
        try:
            client = Client()
            client.force_login(user(username))
            barrier.wait(timeout=30)
            response = client.post(
                f"/en/reports/new/?assignment={assignment.pk}",
                form_data(assignment, version=str(version), note=note),
            )
            statuses.append((response.status_code, response.content.decode()))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit, args=("hagiang", "luồng một")),
        threading.Thread(target=submit, args=("admin", "luồng hai")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(code for code, _html in statuses)
    assert codes == [302, 409]
    conflict_html = next(html for code, html in statuses if code == 409)
    assert "Another report landed while you were writing" in conflict_html
    assert assignment.reports.count() == before + 1
    assignment.refresh_from_db()
    assert assignment.version == version + 1
    assert assignment.reports.order_by("-pk").first().effective_date == timezone.localdate()
