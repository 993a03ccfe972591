"""Figures a new user found wrong or confusing (issue 12): each read the same way on every page."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.html import strip_tags

from metrics import charts, readers, trends
from metrics.numbers import percent_text, round_percent
from projects.models import Programme
from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


def test_programmes_show_their_tasks_done(client):
    text = text_of(client.get(f"/programmes/?as_of={CONFERENCE}"))
    assert "47/89" in text
    assert "107" in text


def test_shares_round_half_up_to_one_decimal():
    assert round_percent(100 * 386 / 559) == Decimal("69.1")
    assert round_percent(Decimal("69.05")) == Decimal("69.1")
    assert round_percent(12.25) == Decimal("12.3")
    assert round_percent(None) is None
    with translation.override("vi"):
        assert percent_text(100 * 386 / 559) == "69,1%"
    with translation.override("en"):
        assert percent_text(100 * 386 / 559) == "69.1%"
        assert percent_text(None) == "—"


def test_a_share_reads_the_same_on_the_summary_and_the_programmes(client):
    summary = readers.programme_summary(programme="DA06", unit="VN", as_of=date.fromisoformat(CONFERENCE))
    done = summary["assignments"]["done_on_time"] + summary["assignments"]["done_late"]
    total = summary["assignments"]["total"]
    with translation.override("vi"):
        share = percent_text(100 * done / total)
    assert share in text_of(client.get(f"/programmes/?as_of={CONFERENCE}"))
    assert f"({share})" in text_of(client.get(f"/?as_of={CONFERENCE}"))


def test_the_trend_caption_gives_the_day_asked_for(client):
    text = text_of(client.get(f"/?as_of={CONFERENCE}"))
    assert "Ngày 25/12/2022" in text or "25/12/2022," in text
    assert "02/12/2022," not in text
    rows = trends.trend(programme=Programme.objects.get(code="DA06"), as_of=date.fromisoformat(CONFERENCE))
    assert rows[-1]["day"] == date.fromisoformat(CONFERENCE)


def test_the_reported_line_is_drawn_over_the_verified_one_and_differs_by_more_than_colour():
    rows = [
        {"day": date(2022, 1, 31), "percent": 10.0, "reported_percent": 10.0, "done": 1, "total": 10},
        {"day": date(2022, 2, 28), "percent": 20.0, "reported_percent": 20.0, "done": 2, "total": 10},
    ]
    verified, reported = charts.completion_trend(rows)["data"]
    assert verified["line"].get("dash") in (None, "solid")
    assert reported["line"].get("dash") not in (None, "solid")
    assert reported["line"]["color"] != verified["line"]["color"]
    assert reported["line"]["width"] >= 2
    assert reported["marker"]["symbol"] and reported["marker"]["symbol"] != verified["marker"]["symbol"]


def test_an_indicator_reported_nationally_only_says_so_instead_of_an_empty_ranking(client):
    from metrics.models import Indicator, Observation

    national_only = [
        i.code
        for i in Indicator.objects.all()
        if not Observation.objects.filter(indicator=i).exclude(unit__kind="nation").exists()
    ]
    assert len(national_only) >= 6
    for code in national_only:
        for kind in ("", "?kind=central", "?kind=enterprise"):
            text = text_of(client.get(f"/indicators/{code}/{kind}"))
            assert "Không có kết quả phù hợp" not in text
            assert "0 dòng" not in text
            assert "chỉ được báo cáo cho cả nước" in text


def test_an_indicator_ranked_by_unit_offers_only_the_tabs_with_values(client):
    response = client.get("/indicators/KET_NOI_CSDLDC/")
    text = text_of(response)
    assert "chỉ được báo cáo cho cả nước" not in text
    assert "Không có kết quả phù hợp" not in text
    assert re.search(r"\d+ dòng", text)


def test_goals_past_their_deadline_and_not_achieved_are_flagged(client):
    from projects.models import Goal

    goal = Goal.objects.get(programme__code="DA06", code="MT04")
    assert goal.deadline == date(2023, 6, 30)
    # The day after its deadline: the demo runs on to today, and MT04 is achieved later on.
    html = client.get("/programmes/DA06/goals/?as_of=2023-07-01").content.decode()
    row = next(r for r in html.split("<tr") if ">MT04<" in r)
    assert "Chưa đạt, đã quá hạn" in row
    assert "status-overdue" in row
    html = client.get(f"/programmes/DA06/goals/?as_of={CONFERENCE}").content.decode()
    row = next(r for r in html.split("<tr") if ">MT04<" in r)
    assert "quá hạn" not in row


def test_an_achieved_goal_says_why_when_its_tasks_are_not_done(client):
    html = client.get(f"/en/programmes/DA06/goals/?as_of={CONFERENCE}").content.decode()
    row = next(r for r in html.split("<tr") if ">MT01<" in r)
    assert "Achieved" in row
    assert "by an accepted assessment" in row or "by its indicator" in row


@pytest.mark.parametrize("sort", ["deadline", "-deadline"])
def test_tasks_without_a_deadline_sort_last_by_deadline(client, sort):
    from projects.models import Task

    assert Task.objects.filter(programme__code="DA06", deadline__isnull=True).exists()
    response = client.get(f"/en/programmes/DA06/tasks/?sort={sort}&_export=csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    dates = [row["Deadline"] for row in rows]
    blank = [d for d in dates if d in ("", "—")]
    assert blank
    assert dates[-len(blank) :] == blank
    assert dates[0] not in ("", "—")
    first_page = client.get(f"/programmes/DA06/tasks/?sort={sort}").content.decode()
    assert re.search(r'data-label="Thời hạn">\d', first_page)


def test_the_units_first_page_lists_the_least_done_first_ranked_among_peers(client):
    response = client.get(f"/en/units/?as_of={CONFERENCE}&_export=csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    shares = [float(r["Completion"]) for r in rows if r["Completion"]]
    assert shares == sorted(shares)
    assert shares[0] < 100
    first_page = rows[:50]
    assert len({r["Rank"] for r in first_page}) > 1
    provinces = [r for r in rows if r["Kind"] == "Province"]
    assert min(int(r["Rank"]) for r in provinces) == 1
    central = [r for r in rows if r["Kind"] in ("Ministry", "Ministerial agency", "Government agency")]
    assert central and min(int(r["Rank"]) for r in central) == 1


def test_a_task_given_to_one_unit_gets_no_page_wide_chart(client):
    from django.db.models import Count, Q

    from projects.models import Task

    # The assignments counting today: one carried to a successor unit (2025 map) replaces its original.
    tasks = Task.objects.filter(programme__code="DA06").annotate(
        n=Count("assignments", filter=Q(assignments__valid_to__isnull=True))
    )
    single = tasks.filter(n=1).first()
    several = tasks.filter(n__gt=1).first()
    html = client.get(f"/programmes/DA06/tasks/{single.code}/").content.decode()
    # The status bars are drawn by the server (partials/status_bars.html).
    assert 'class="status-bars"' not in html
    assert "1 phân công: trạng thái" in html
    html = client.get(f"/programmes/DA06/tasks/{several.code}/").content.decode()
    assert 'class="status-bars"' in html
