"""Dates are typed as the pages write them (25/12/2022), whatever the browser's language."""

from datetime import date

import pytest

from projects.forms import ReportForm
from tests.projects.reporting_helpers import client_for, open_assignment

pytestmark = pytest.mark.django_db


def test_the_as_of_field_shows_the_day_first_and_is_not_a_browser_date_field(client):
    html = client.get("/en/programmes/?as_of=2022-12-25").content.decode()
    start = html.index('<input id="as-of-date"')
    field = html[start : html.index(">", start)]
    assert 'type="text"' in field
    assert 'value="25/12/2022"' in field
    assert 'type="date"' not in html


@pytest.mark.parametrize("typed", ["25/12/2022", "25/12/2022 "])
def test_a_day_typed_day_first_leads_to_the_iso_address(client, typed):
    response = client.get("/units/", {"as_of": typed, "kind": "province"})
    assert response.status_code == 302
    assert "as_of=2022-12-25" in response["Location"]
    assert "kind=province" in response["Location"]
    assert client.get(response["Location"]).status_code == 200


def test_iso_addresses_keep_working(client):
    assert client.get("/units/?as_of=2022-12-25").status_code == 200
    assert client.get("/units/?as_of=2022-02-30").status_code == 400
    assert client.get("/units/?as_of=31/02/2022").status_code == 400


def test_the_report_form_writes_and_reads_dates_day_first():
    form = ReportForm(initial={"effective_date": date(2026, 3, 12)})
    html = str(form["effective_date"])
    assert 'type="text"' in html and 'value="12/03/2026"' in html
    assignment = open_assignment("02")
    client = client_for("hagiang")
    page = client.get(f"/reports/new/?assignment={assignment.pk}").content.decode()
    assert 'type="date"' not in page
