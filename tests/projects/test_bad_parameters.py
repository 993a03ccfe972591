"""Paging is bounded on every table, and no query parameter, however malformed, answers 500."""

import csv
import io

import pytest

from projects.review_views import ReviewQueueView
from projects.tables import MAX_PER_PAGE
from tests.projects.reporting_helpers import client_for

pytestmark = pytest.mark.django_db

# Every page with a table, and who may see it.
TABLE_PAGES = [
    ("/programmes/", None),
    ("/programmes/DA06/goals/", None),
    ("/programmes/DA06/tasks/", None),
    ("/programmes/DA06/tasks/NV01/", None),
    ("/programmes/CDS2022/assignments/", None),
    ("/programmes/DA06/assignments/", None),
    ("/units/", None),
    ("/units/01/", None),
    ("/indicators/", None),
    ("/indicators/KET_NOI_CSDLDC/", None),
    ("/reports/", "hagiang"),
    ("/reviews/", "c06"),
]


def _get(url, username, **params):
    return client_for(username).get(url, params)


@pytest.mark.parametrize(("url", "username"), TABLE_PAGES)
@pytest.mark.parametrize("per_page", ["-5", "0", "abc", "1e9", "", "-1"])
def test_a_bad_page_size_shows_a_sane_page(url, username, per_page):
    response = _get(url, username, per_page=per_page)
    assert response.status_code == 200


@pytest.mark.parametrize(("url", "username"), TABLE_PAGES)
def test_a_huge_page_size_is_capped(url, username):
    response = _get(url, username, per_page="1000000")
    assert response.status_code == 200
    if url == "/reviews/":
        # The review queue is a list of cards, not a table: it pages the reports itself, offering a fixed
        # choice of page sizes, and any other size means its default.
        paginator, page = response.context["paginator"], response.context["page_obj"]
        assert paginator.per_page == ReviewQueueView.paginate_by
        assert paginator.per_page in ReviewQueueView.page_sizes
        assert len(page.object_list) <= paginator.per_page <= MAX_PER_PAGE
        return
    table = response.context["table"]
    if getattr(table, "paginator", None) is not None:
        assert table.paginator.per_page == MAX_PER_PAGE
        assert len(table.page.object_list) <= MAX_PER_PAGE


def test_the_assignments_of_a_programme_take_at_most_the_cap_per_page(client):
    response = client.get("/programmes/CDS2022/assignments/", {"per_page": "1000000"})
    assert response.status_code == 200
    rows = response.content.decode().count("<tr ")
    assert response.context["table"].paginator.count > MAX_PER_PAGE
    assert rows <= MAX_PER_PAGE + 1


@pytest.mark.parametrize(("url", "username"), TABLE_PAGES)
@pytest.mark.parametrize("page", ["abc", "1e9", "-1", "0", "999999999999999999999", "", "2.5"])
def test_a_bad_page_number_shows_a_sane_page(url, username, page):
    response = _get(url, username, page=page, per_page="-5")
    assert response.status_code == 200


@pytest.mark.parametrize(("url", "username"), TABLE_PAGES)
def test_a_nul_byte_in_any_parameter_is_a_400(url, username):
    for name in ("parent", "q", "kind", "status", "programme", "sort", "page", "per_page", "as_of"):
        response = _get(url, username, **{name: "01\x00"})
        assert response.status_code == 400, name


def test_a_nul_byte_in_parent_on_units_is_a_clear_400(client):
    response = client.get("/en/units/", {"parent": "01\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This address asks for something we cannot show" in page
    assert "NUL character" in page


def test_a_nul_byte_in_a_parameter_name_is_a_400(client):
    response = client.get("/units/?pa%00rent=01")
    assert response.status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_ignores_the_page_size(client, fmt):
    response = client.get("/programmes/DA06/goals/", {"_export": fmt, "per_page": "-5", "page": "abc"})
    assert response.status_code == 200


def test_an_export_over_the_bound_is_refused_with_a_clear_page(client, settings):
    settings.TIENDO_EXPORT_MAX_ROWS = 10
    response = client.get("/programmes/CDS2022/assignments/", {"_export": "csv"})
    assert response.status_code == 400
    assert "Thu hẹp bộ lọc" in response.content.decode()
    small = client.get("/programmes/", {"_export": "csv"})
    assert small.status_code == 200
    rows = list(csv.reader(io.StringIO(small.content.decode("utf-8"))))
    assert 1 < len(rows) <= 11
