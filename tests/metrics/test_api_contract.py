"""The API answers as its description says: what the description allows is accepted, what it forbids is
refused with a declared 400, every status it answers is declared, and the description is translated."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SUMMARY = "/api/programmes/DA06/summary"
VALUES = "/api/indicators/CCCD_CHIP/values"
RANKING = "/api/indicators/KET_NOI_CSDLDC/ranking"
ENDPOINTS = [
    "/api/programmes/",
    SUMMARY,
    "/api/units/01/summary",
    "/api/assignments",
    VALUES,
    RANKING,
]


def _refused(response, parameter):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert body["detail"]
    return body


@pytest.mark.parametrize("query", ["page=null&page=null", "page=abc", "page=1e9", "page=0", "page=-5"])
def test_a_page_that_is_not_a_whole_number_in_bounds_is_a_declared_400(client, query):
    body = _refused(client.get(f"/api/assignments?{query}"), "page")
    assert "10000" in body["detail"]


def test_a_page_past_the_declared_bound_is_refused_as_declared(client):
    spec = client.get("/api/openapi.json").json()
    page = next(p for p in spec["paths"]["/api/assignments"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 10_000
    _refused(client.get("/api/assignments", {"page": 2960882}), "page")


def test_a_page_within_the_bound_but_past_the_last_is_a_404(client):
    response = client.get("/api/assignments", {"programme": "CDS2022", "page": 10_000})
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/assignments", SUMMARY, VALUES])
def test_a_nul_byte_in_a_code_is_a_400(client, url):
    separator = "&" if "?" in url else "?"
    _refused(client.get(f"{url}{separator}unit=0%001"), "unit")


def test_a_nul_byte_in_a_path_code_or_a_programme_is_a_400(client):
    _refused(client.get("/api/programmes/DA%0006/summary"), "code")
    _refused(client.get("/api/units/01/summary?programme=DA%0006"), "programme")


@pytest.mark.parametrize("as_of", ["1350-10-05", "5541-10-22", "0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("url", [SUMMARY, VALUES, RANKING, "/api/assignments", "/api/units/VN/summary"])
def test_any_date_the_description_allows_is_answered(client, url, as_of):
    response = client.get(url, {"as_of": as_of})
    assert response.status_code == 200, response.content
    assert response.json()["as_of"] == as_of


def test_a_day_before_any_report_counts_nothing_done(client):
    body = client.get(SUMMARY, {"as_of": "1350-10-05"}).json()
    assert body["tasks"]["done"] == 0
    assert body["assignments"]["not_started"] == body["assignments"]["total"]


@pytest.mark.parametrize("url", [SUMMARY, VALUES, RANKING, "/api/assignments", "/api/units/01/summary"])
def test_an_empty_as_of_is_refused(client, url):
    body = _refused(client.get(f"{url}?as_of="), "as_of")
    assert "YYYY-MM-DD" in body["detail"]


def test_an_empty_period_is_refused(client):
    _refused(client.get(f"{RANKING}?period="), "period")


@pytest.mark.parametrize("value", ["0", "1671926400", "2022-12-25T00:00:00", "2022-12-25 ", "20221225"])
def test_a_date_is_only_yyyy_mm_dd(client, value):
    _refused(client.get(SUMMARY, {"as_of": value}), "as_of")
    _refused(client.get(RANKING, {"period": value}), "period")


@pytest.mark.parametrize("query", ["status=", "kind=", "unit=", "programme="])
def test_empty_choices_and_codes_are_refused(client, query):
    url = RANKING if query.startswith("kind") else "/api/assignments"
    _refused(client.get(f"{url}?{query}"), query[:-1])


def test_refusals_speak_the_language_of_the_address(client):
    vi = client.get("/api/assignments", {"status": "finished"}).json()["detail"]
    en = client.get("/en/api/assignments", {"status": "finished"}).json()["detail"]
    assert en.startswith("Unknown status")
    assert vi != en


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_undeclared_method_is_a_405_even_with_csrf_checks(url, method):
    """Django's CSRF middleware answered 403 before the view could say 405."""
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def _declared(spec, path):
    return {int(status) for status in spec["paths"][path]["get"]["responses"]}


@pytest.mark.parametrize(
    ("url", "path", "status"),
    [
        ("/api/programmes/NOPE/summary", "/api/programmes/{code}/summary", 404),
        ("/api/programmes/DA06/summary?as_of=yesterday", "/api/programmes/{code}/summary", 400),
        ("/api/units/ZZ/summary", "/api/units/{code}/summary", 404),
        ("/api/assignments?status=finished", "/api/assignments", 400),
        ("/api/assignments?page=999", "/api/assignments", 404),
        ("/api/indicators/NOPE/values", "/api/indicators/{code}/values", 404),
        ("/api/indicators/CCCD_CHIP/ranking?kind=planet", "/api/indicators/{code}/ranking", 400),
    ],
)
def test_every_error_answered_is_declared_with_its_shape(client, url, path, status):
    spec = client.get("/api/openapi.json").json()
    response = client.get(url)
    assert response.status_code == status
    assert status in _declared(spec, path)
    declared = spec["paths"][path]["get"]["responses"][str(status)]
    assert declared["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert set(response.json()) == {"detail", "errors"}


def test_a_closed_site_answers_a_declared_401(client, settings):
    settings.TIENDO_PUBLIC = False
    for url in ENDPOINTS:
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["detail"]
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 401
    settings.TIENDO_PUBLIC = True
    spec = client.get("/api/openapi.json").json()
    for path in spec["paths"]:
        assert 401 in _declared(spec, path)


def _parameter(spec, name):
    path = next(path for path in spec["paths"] if path.endswith("/api/assignments"))
    return next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_the_description_is_translated_and_documents_status_and_page(client):
    vi = client.get("/api/openapi.json").json()
    en = client.get("/en/api/openapi.json").json()
    assert vi["info"]["description"] != en["info"]["description"]
    assert "báo cáo" in vi["info"]["description"]
    for spec in (vi, en):
        status, page = _parameter(spec, "status"), _parameter(spec, "page")
        assert status["schema"]["enum"] == [
            "done_on_time",
            "done_late",
            "overdue",
            "in_progress",
            "not_started",
        ]
        assert status["description"]
        assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 10_000)
        assert page["description"]
    assert _parameter(vi, "page")["description"] != _parameter(en, "page")["description"]
    assert set(en["paths"]) == {path.replace("/api/", "/en/api/") for path in vi["paths"]}


@pytest.mark.parametrize(("prefix", "words"), [("", "Tham số"), ("/en", "Parameter")])
def test_the_docs_page_is_generated_from_the_description(client, prefix, words):
    spec = client.get(f"{prefix}/api/openapi.json").json()
    html = client.get(f"{prefix}/api/docs").content.decode()
    assert words in html
    for path in spec["paths"]:
        assert f"GET {path}" in html
    assert "<code>overdue</code>" in html
    assert "10000" in html
    assert str(_parameter(spec, "page")["description"]).split(",")[0] in html
