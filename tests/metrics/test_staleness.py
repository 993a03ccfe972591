"""Honest about age: an indicator whose latest value is older than its reporting period is marked stale,
since when, on the cards, the tables, the chart and the API, and its line stops instead of running to today."""

from datetime import date

import pytest

from metrics.models import Indicator
from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db

LATER = "2023-06-30"  # the demo's monthly values stop in December 2022


def test_the_api_says_when_a_value_went_stale(client):
    fresh = client.get("/api/indicators/CCCD_CHIP/values", {"as_of": CONFERENCE}).json()
    assert (fresh["stale"], fresh["stale_since"]) == (False, None)
    old = client.get("/api/indicators/CCCD_CHIP/values", {"as_of": LATER}).json()
    period = date.fromisoformat(old["period"])
    assert old["stale"] is True
    assert (
        old["stale_since"]
        == date(period.year + (period.month == 12), period.month % 12 + 1, period.day).isoformat()
    )


def test_a_quarterly_indicator_stays_fresh_longer(client):
    Indicator.objects.filter(code="CCCD_CHIP").update(reporting_period="year")
    body = client.get("/api/indicators/CCCD_CHIP/values", {"as_of": LATER}).json()
    assert body["stale"] is False


def test_cards_and_tables_mark_the_stale_value(client):
    summary = client.get("/", {"as_of": LATER}).content.decode()
    assert "badge stale" in summary
    listing = client.get("/indicators/", {"as_of": LATER})
    rows = {row.record["code"]: row.record for row in listing.context["table"].rows}
    assert rows["CCCD_CHIP"]["stale_since"] is not None
    assert "badge stale" not in client.get("/", {"as_of": CONFERENCE}).content.decode()


def test_the_chart_says_stale_and_its_line_does_not_run_on_to_today(client):
    from django.core.management import call_command

    # Store a day well after the last value: it carries that value forward.
    call_command("recompute_rollups", "--programme", "DA06", "--day", LATER, verbosity=0)
    response = client.get("/indicators/CCCD_CHIP/", {"as_of": LATER})
    series = response.context["series"]
    assert max(row["period"] for row in series) < date(2023, 2, 1)
    annotations = response.context["series_chart"]["figure"]["layout"].get("annotations", [])
    assert any("stale" in a["text"].lower() or "cũ" in a["text"].lower() for a in annotations)
    assert response.context["age"].stale
