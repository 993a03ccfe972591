"""Charts are pure functions: plain rows in, a plotly figure's JSON out, in the page's number format and safe colours.

The specs are written as plain dicts, not plotly.graph_objects: building and validating a Figure, then
its to_json() round trip, cost 10–25 ms a chart on every page render. plotly itself stays the judge of
the shape: each spec must be exactly what plotly would write for it.
"""

import json
from datetime import date

import plotly.graph_objects as go
import pytest

from metrics import charts

TREND = [
    {
        "day": date(2022, 1, 31),
        "done": 10,
        "reported_done": 12,
        "total": 100,
        "percent": 10.0,
        "reported_percent": 12.0,
    },
    {
        "day": date(2022, 12, 25),
        "done": 69,
        "reported_done": 70,
        "total": 100,
        "percent": 69.0,
        "reported_percent": 70.0,
    },
]
GROUPS = [{"group": "Nhóm 1: Phục vụ …", "done": 11, "reported_done": 13, "total": 25}]
SERIES = [
    {"period": date(2022, 1, 31), "comparable": 52_000_000},
    {"period": date(2022, 12, 20), "comparable": 76_000_000},
]


def every_chart():
    yield charts.completion_trend(TREND)
    yield charts.completion_trend([], language="en")
    yield charts.completion_by_group(GROUPS)
    yield charts.completion_by_group([], language="en")
    yield charts.status_breakdown({"done_on_time": 1}, {"done_on_time": 1})
    yield charts.status_breakdown({"done_on_time": 380, "overdue": 63}, {"done_on_time": 382})
    yield charts.indicator_series(SERIES, name="CCCD", target=90_000_000)
    yield charts.indicator_series(SERIES, name="CCCD", percent=True, stale_since=date(2022, 12, 20))
    yield charts.indicator_series([], name="CCCD", target=90)


@pytest.mark.parametrize("figure", list(every_chart()))
def test_each_spec_is_what_plotly_writes_for_it(figure):
    """plotly validates the spec (a wrong key or value raises) and writes it back unchanged, template included."""
    assert json.loads(json.dumps(figure)) == figure, "plain JSON values only (no dates, no Decimals)"
    assert json.loads(go.Figure(figure).to_json()) == figure


def test_the_figures_carry_plotly_default_template_as_plotly_figures_did():
    assert (
        charts.completion_trend(TREND)["layout"]["template"]
        == json.loads(go.Figure().to_json())["layout"]["template"]
    )


@pytest.mark.parametrize(("language", "separators"), [("vi", ",."), ("en", ".,")])
def test_numbers_follow_the_page_language(language, separators):
    figure = charts.completion_trend(TREND, language=language)
    assert figure["layout"]["separators"] == separators


def test_trend_draws_verified_solid_and_reported_dashed():
    verified, reported = charts.completion_trend(TREND)["data"]  # reported on top
    assert verified["y"] == [10.0, 69.0]
    assert "dash" not in verified["line"]
    assert reported["line"]["dash"] == "dash"
    assert verified["line"]["color"] != reported["line"]["color"]


def test_groups_show_done_of_total_per_group():
    verified, reported = charts.completion_by_group(GROUPS)["data"]
    assert verified["y"] == ["Nhóm 1"]
    assert verified["text"] == ["11/25"]
    assert verified["x"][0] == pytest.approx(44.0)
    assert reported["marker"]["pattern"]["shape"] == "/"


def test_status_breakdown_has_one_colour_per_status_from_the_safe_palette():
    verified = {"done_on_time": 5, "done_late": 1, "overdue": 2, "in_progress": 3, "not_started": 4}
    figure = charts.status_breakdown(verified, verified)
    colours = [trace["marker"]["color"] for trace in figure["data"]]
    assert len(set(colours)) == 5
    assert set(colours) <= {charts.GREEN, charts.SKY, charts.VERMILLION, charts.BLUE, charts.GREY}
    assert sum(trace["x"][0] for trace in figure["data"]) == 15


def test_indicator_series_carries_its_target_and_no_si_suffixes():
    figure = charts.indicator_series(SERIES, name="CCCD", target=90_000_000)
    _series, target = figure["data"]
    assert target["y"] == [90_000_000.0, 90_000_000.0]
    assert figure["layout"]["yaxis"]["tickformat"] == ",.0f"


@pytest.mark.django_db
def test_charts_do_not_touch_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        json.dumps(charts.completion_trend(TREND))


def test_status_breakdown_counts_in_whole_numbers():
    few = charts.status_breakdown({"done_on_time": 1}, {"done_on_time": 1})
    assert few["layout"]["xaxis"]["tickformat"] == ",d"
    assert few["layout"]["xaxis"]["dtick"] == 1
    many = charts.status_breakdown({"done_on_time": 380, "overdue": 63}, {"done_on_time": 382})
    assert "dtick" not in many["layout"]["xaxis"]
