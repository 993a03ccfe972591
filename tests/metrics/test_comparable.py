"""Comparable history: Tuyên Quang of today (08, from 01/07/2025) shows, before it existed, the sum of
Tuyên Quang of before and Hà Giang, labelled as such; after, its own figures (issue 9, item 2)."""

import re
from datetime import date

import pytest
from django.utils.html import strip_tags
from django.utils.translation import override

from metrics import comparable, trends
from projects.models import Programme
from projects.selectors import unit_for_code

pytestmark = pytest.mark.django_db

CHANGE = date(2025, 7, 1)
LAST_DAY = date(2025, 6, 30)
AS_OF = date(2025, 12, 31)  # Đề án 06's last day, on today's map
FIELDS = ("done", "reported_done", "total")


@pytest.fixture
def da06():
    return Programme.objects.get(code="DA06")


def test_before_the_change_the_comparable_trend_is_the_sum_of_the_predecessors_day_by_day(da06):
    tuyen_quang = unit_for_code("08", on=CHANGE)
    history = comparable.comparable_trend(programme=da06, as_of=AS_OF, unit=tuyen_quang)
    assert history is not None and history["since"] == CHANGE
    before = [row for row in history["rows"] if row["comparable"]]
    assert before and all(row["day"] < CHANGE for row in before)
    parts = [
        {
            row["day"]: row
            for row in trends.trend(programme=da06, as_of=LAST_DAY, unit=unit_for_code(code, on=LAST_DAY))
        }
        for code in ("08", "02")
    ]
    for row in before:
        for name in FIELDS:
            assert row[name] == sum(part[row["day"]][name] for part in parts), (row["day"], name)
    assert sum(row["total"] for row in before) > 0


def test_after_the_change_the_comparable_trend_is_the_unit_s_own(da06):
    tuyen_quang = unit_for_code("08", on=CHANGE)
    history = comparable.comparable_trend(programme=da06, as_of=AS_OF, unit=tuyen_quang)
    after = [row for row in history["rows"] if not row["comparable"]]
    own = [
        row for row in trends.trend(programme=da06, as_of=AS_OF, unit=tuyen_quang) if row["day"] >= CHANGE
    ]
    assert after and [{k: r[k] for k in (*FIELDS, "day")} for r in after] == [
        {k: r[k] for k in (*FIELDS, "day")} for r in own
    ]


def test_the_label_names_the_predecessors_in_both_languages():
    tuyen_quang = unit_for_code("08", on=CHANGE)
    sources = comparable.predecessors(tuyen_quang)
    assert comparable.label(tuyen_quang, sources) == "Lịch sử so sánh: tổng của Tuyên Quang (cũ) và Hà Giang"
    with override("en"):
        assert comparable.label(tuyen_quang, sources) == (
            "Comparable history: sum of Tuyên Quang (former) and Hà Giang"
        )


def test_a_unit_that_continues_none_has_no_comparable_history(da06):
    assert (
        comparable.comparable_trend(programme=da06, as_of=LAST_DAY, unit=unit_for_code("02", on=LAST_DAY))
        is None
    )


def test_the_unit_page_draws_and_tabulates_the_comparable_history_with_its_label(client, da06):
    response = client.get("/units/08/", {"programme": "DA06", "as_of": AS_OF.isoformat()})
    html = response.content.decode()
    text = re.sub(r"\s+", " ", strip_tags(html))
    assert response.status_code == 200
    assert "Lịch sử so sánh: tổng của Tuyên Quang (cũ) và Hà Giang" in text
    assert "Bảng lịch sử so sánh" in text
    # The chart has a third line, dotted, named by the label, over the days before the change.
    traces = response.context["trend_chart"]["figure"]["data"]
    [history] = [t for t in traces if t["name"] == "Lịch sử so sánh: tổng của Tuyên Quang (cũ) và Hà Giang"]
    assert history["line"]["dash"] == "dot" and history["x"] and max(history["x"]) < "2025-07-01"
    english = client.get("/en/units/08/", {"programme": "DA06", "as_of": AS_OF.isoformat()}).content.decode()
    assert "Comparable history: sum of Tuyên Quang (former) and Hà Giang" in english


def test_a_page_without_predecessors_shows_no_comparable_history(client):
    html = client.get("/units/02/", {"programme": "DA06", "as_of": LAST_DAY.isoformat()}).content.decode()
    assert "Lịch sử so sánh" not in html


def test_a_unit_that_only_changed_is_labelled_without_a_sum():
    ha_noi = unit_for_code("01", on=CHANGE)
    label = comparable.label(ha_noi, comparable.predecessors(ha_noi))
    assert label.startswith("Lịch sử so sánh: ") and "tổng của" not in label
