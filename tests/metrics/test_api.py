"""The read-only JSON API: every endpoint answers, unknown codes are 404, and its numbers are the pages'."""

import re

import pytest

from tests.metrics.dashboard_helpers import API, CONFERENCE, UNKNOWN, with_as_of

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {"programme", "unit", "as_of", "computed_at", "goals", "tasks", "assignments", "reported"}
ASSIGNMENT_KEYS = {"total", "done_on_time", "done_late", "in_progress", "not_started", "overdue"}


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("url", API)
def test_every_endpoint_answers_json(client, prefix, url):
    response = client.get(prefix + with_as_of(url))
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/json"
    assert response.json()


@pytest.mark.parametrize("url", [u for u in UNKNOWN if u.startswith("/api/")])
def test_an_unknown_code_is_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_malformed_date_is_a_json_400(client):
    response = client.get("/api/programmes/DA06/summary", {"as_of": "yesterday"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


def test_the_api_is_read_only(client):
    assert client.post("/api/programmes/").status_code == 405


def test_the_summary_has_the_shape_of_the_design(client):
    body = client.get("/api/programmes/DA06/summary", {"as_of": CONFERENCE}).json()
    assert set(body) == SUMMARY_KEYS
    assert body["as_of"] == CONFERENCE
    assert set(body["assignments"]) == ASSIGNMENT_KEYS
    assert set(body["reported"]) == {"goals", "tasks", "assignments"}
    assert body["goals"] == {"achieved": 11, "total": 24}
    assert (body["tasks"]["done"], body["tasks"]["total"]) == (47, 89)


def test_unit_summary_covers_the_unit_s_subtree(client):
    body = client.get("/api/units/01/summary", {"programme": "CDS2022", "as_of": CONFERENCE}).json()
    assert body["unit"] == "01"
    assert body["assignments"]["total"] > 0


def test_assignments_are_paginated_with_their_status(client):
    first = client.get("/api/assignments", {"programme": "CDS2022", "as_of": CONFERENCE}).json()
    assert first["count"] > 100
    assert len(first["results"]) == 100
    assert first["pages"] > 1
    second = client.get("/api/assignments", {"programme": "CDS2022", "as_of": CONFERENCE, "page": 2}).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert client.get("/api/assignments", {"programme": "CDS2022", "page": 999}).status_code == 404
    assert client.get("/api/assignments", {"status": "finished"}).status_code == 400


def test_ranking_ties_share_a_rank(client):
    results = client.get(
        "/api/indicators/KET_NOI_CSDLDC/ranking", {"kind": "province", "as_of": CONFERENCE}
    ).json()["results"]
    ranks = [r["rank"] for r in results]
    assert ranks == sorted(ranks)
    for index, row in enumerate(results):
        if index and row["value"] == results[index - 1]["value"]:
            assert row["rank"] == results[index - 1]["rank"]
        elif index:
            assert row["rank"] == index + 1


def test_the_openapi_description_lists_every_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/programmes/",
        "/api/programmes/{code}/summary",
        "/api/units/{code}/summary",
        "/api/assignments",
        "/api/indicators/{code}/values",
        "/api/indicators/{code}/ranking",
    }
    page = client.get("/en/api/docs")
    assert page.status_code == 200
    assert b"/api/openapi.json" in page.content


# The API's numbers are the pages' numbers --------------------------------------------------------------------


def _counts_on_page(html: str) -> dict[str, int]:
    return {
        status: int(count)
        for _href, status, count in re.findall(
            r'<a href="([^"]+)" data-status-count="(\w+)" data-count="(\d+)">', html
        )
    }


@pytest.mark.parametrize("code", ["DA06", "CDS2022"])
def test_programme_summary_equals_the_programme_page(client, code):
    body = client.get(f"/api/programmes/{code}/summary", {"as_of": CONFERENCE}).json()
    response = client.get(f"/programmes/{code}/", {"as_of": CONFERENCE})
    context = response.context
    assert _counts_on_page(response.content.decode()) == {
        k: v for k, v in body["assignments"].items() if k != "total"
    }
    assert context["status_total"] == body["assignments"]["total"]
    assert (context["tasks_done"], context["tasks_total"]) == (body["tasks"]["done"], body["tasks"]["total"])
    assert context["tasks_reported"] == body["reported"]["tasks"]["done"]
    assert (context["goals_achieved"], context["goals_total"]) == (
        body["goals"]["achieved"],
        body["goals"]["total"],
    )
    assert context["goals_reported"] == body["reported"]["goals"]["achieved"]


@pytest.mark.parametrize(("unit", "programme"), [("01", "CDS2022"), ("BCA", "DA06"), ("02", "DA06")])
def test_unit_summary_equals_the_unit_page(client, unit, programme):
    body = client.get(f"/api/units/{unit}/summary", {"programme": programme, "as_of": CONFERENCE}).json()
    response = client.get(f"/units/{unit}/", {"programme": programme, "as_of": CONFERENCE})
    own = response.context["own"]
    assert own["total"] == body["assignments"]["total"]
    assert own["done"] == body["assignments"]["done_on_time"] + body["assignments"]["done_late"]
    assert own["reported_done"] == (
        body["reported"]["assignments"]["done_on_time"] + body["reported"]["assignments"]["done_late"]
    )
    assert _counts_on_page(response.content.decode()) == {
        k: v for k, v in body["assignments"].items() if k != "total"
    }


def test_the_summary_page_headline_equals_the_api(client):
    da06 = client.get("/api/programmes/DA06/summary", {"as_of": CONFERENCE}).json()
    context = client.get("/", {"as_of": CONFERENCE}).context
    assert context["da06_tasks"].done == da06["tasks"]["done"]
    assert context["da06_tasks"].total == da06["tasks"]["total"]
    assert context["da06_goals"].done == da06["goals"]["achieved"]
    assert context["da06_goals"].reported == da06["reported"]["goals"]["achieved"]


def test_assignment_list_count_equals_the_table(client):
    body = client.get(
        "/api/assignments", {"programme": "DA06", "status": "overdue", "as_of": CONFERENCE}
    ).json()
    html = client.get("/programmes/DA06/assignments/", {"status": "overdue", "as_of": CONFERENCE}).content
    assert f'data-row-count="{body["count"]}"'.encode() in html


def test_indicator_values_equal_the_indicator_page(client):
    body = client.get("/api/indicators/CCCD_CHIP/values", {"as_of": CONFERENCE}).json()
    assert body["value"] == 76_000_000
    context = client.get("/indicators/CCCD_CHIP/", {"as_of": CONFERENCE}).context
    assert context["value"].value == body["value"]
    assert [float(r["value"]) for r in context["series"]] == [r["value"] for r in body["series"]]


def test_closed_site_answers_401(client, settings, django_user_model):
    settings.TIENDO_PUBLIC = False
    assert client.get("/api/programmes/DA06/summary").status_code == 401
    user = django_user_model.objects.create_user("reader", password="x-long-enough-pass")
    client.force_login(user)
    assert client.get("/api/programmes/DA06/summary").status_code == 200
