"""Every model has an admin an administrator can use: list, search and filter without N+1 queries."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("projects", "unit", {"q": "Hà"}),
    ("projects", "programme", {}),
    ("projects", "goal", {"programme__id__exact": "1"}),
    ("projects", "task", {"q": "NV0"}),
    ("projects", "assignment", {"unit__kind": "province"}),
    ("projects", "report", {"review_state__exact": "accepted"}),
    ("projects", "membership", {}),
    ("projects", "importjob", {}),
    ("metrics", "indicator", {}),
    ("metrics", "observation", {}),
]


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    return client


@pytest.mark.parametrize(("app", "model", "params"), CHANGELISTS)
def test_changelist_answers_with_a_bounded_number_of_queries(admin_client, app, model, params):
    url = f"/admin/{app}/{model}/"
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, params)
    assert response.status_code == 200
    # A page lists up to 100 rows: a per-row query would show as dozens here.
    assert len(queries) <= 20, [q["sql"][:120] for q in queries.captured_queries]


def test_reports_are_read_only_in_the_admin(admin_client):
    from projects.models import Report

    report = Report.objects.first()
    assert admin_client.get("/admin/projects/report/add/").status_code == 403
    response = admin_client.post(f"/admin/projects/report/{report.pk}/change/", {"percent": 5})
    assert response.status_code == 403
    assert admin_client.get(f"/admin/projects/report/{report.pk}/delete/").status_code == 403


def test_a_unit_moved_in_the_admin_takes_its_subtree_along(admin_client):
    from projects.models import Unit

    district = Unit.objects.get(code="001")
    response = admin_client.post(
        f"/admin/projects/unit/{district.pk}/change/",
        {
            "name": district.name,
            "short_name": district.short_name,
            "name_en": "",
            "kind": district.kind,
            "region": "",
            "parent": Unit.objects.get(code="02").pk,
            "valid_from": "",
            "valid_to": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.get(code="00001").path == "VN/02/001/00001/"
