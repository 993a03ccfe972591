"""Early warnings on hand-built cases: edge days of each rule, and the pace projection both ways."""

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from metrics import early_warnings, staleness
from metrics.choices import ReportingPeriod
from metrics.models import Indicator, Observation
from projects import services
from projects.choices import ReportStatus
from projects.models import Unit
from tests import factories

pytestmark = pytest.mark.django_db

D = date(2023, 3, 1)


def url(name, *args, **params):
    return reverse(name, args=args) + (f"?{urlencode(params)}" if params else "")


@pytest.fixture
def world():
    nation = Unit.objects.get(code="VN")
    programme = factories.programme("EW", lead=nation)
    provinces = {code: factories.unit(code, parent=nation) for code in ("P1", "P2", "P3", "P4", "P5", "P6")}
    return {"nation": nation, "programme": programme, **provinces}


def assign(world, unit, code, deadline):
    task = factories.task(world["programme"], code, lead=world["nation"], deadline=deadline)
    return services.assignment_create(task=task, unit=unit)


# Due within 30 days, no progress reported ---------------------------------------------------------------


def test_due_soon_counts_deadlines_from_the_day_to_thirty_days_on_with_no_progress(world, client):
    p1 = world["P1"]
    assign(world, p1, "T-1", D - timedelta(days=1))  # overdue already: not "due soon"
    assign(world, p1, "T0", D)  # due today, not yet overdue
    assign(world, p1, "T30", D + timedelta(days=30))
    assign(world, p1, "T31", D + timedelta(days=31))  # beyond the window
    progressing = assign(world, p1, "TP", D + timedelta(days=10))
    factories.report(progressing, ReportStatus.IN_PROGRESS, D - timedelta(days=5))
    awaiting = assign(world, p1, "TA", D + timedelta(days=10))
    factories.report(awaiting, ReportStatus.IN_PROGRESS, D - timedelta(days=5), accepted=False)
    later = assign(world, p1, "TL", D + timedelta(days=10))
    factories.report(later, ReportStatus.IN_PROGRESS, D + timedelta(days=1))  # not yet effective on D
    said_not_started = assign(world, p1, "TN", D + timedelta(days=12))
    factories.report(said_not_started, ReportStatus.NOT_STARTED, D - timedelta(days=2))

    warning = early_warnings.due_soon(programme=world["programme"], as_of=D, unit=world["nation"], url=url)

    assert warning.count == 4
    assert [row["label"].split(" · ")[0] for row in warning.rows] == ["T0", "TL", "TN", "T30"]
    # The warning links to exactly its rows.
    response = client.get(f"{warning.url}&as_of={D.isoformat()}")
    assert response.status_code == 200
    assert response.context["row_count"] == 4


def test_due_soon_is_empty_when_nothing_is_due(world):
    assign(world, world["P1"], "T60", D + timedelta(days=60))
    warning = early_warnings.due_soon(programme=world["programme"], as_of=D, unit=world["P1"], url=url)
    assert (warning.count, warning.rows) == (0, [])


# Behind pace ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "now", "elapsed", "left", "finishes"),
    [
        (0.5, 0.8, 90, 60, True),  # 0.8 + 0.3/90 × 60 = 1.0 exactly: just makes it
        (0.5, 0.8, 90, 59, False),  # a day short
        (0.5, 0.6, 90, 60, False),
        (0.6, 0.6, 90, 400, False),  # no progress in 90 days never finishes
        (0.2, 1.0, 90, 0, True),  # done already
        (0.9, 0.8, 90, 1000, False),  # going backwards
    ],
)
def test_the_projection_is_linear_on_the_share_done(then, now, elapsed, left, finishes):
    assert (
        early_warnings.will_finish(share_then=then, share_now=now, elapsed_days=elapsed, days_left=left)
        is finishes
    )


def test_a_unit_on_pace_is_not_warned_and_a_unit_behind_is(world):
    deadline = D + timedelta(days=60)
    baseline = D - timedelta(days=early_warnings.PACE_DAYS)
    for unit, done_before, done_since in ((world["P1"], 1, 2), (world["P2"], 1, 0)):
        assignments = [assign(world, unit, f"{unit.code}-{i}", deadline) for i in range(4)]
        for a in assignments[:done_before]:
            factories.report(a, ReportStatus.DONE, baseline - timedelta(days=10))
        for a in assignments[done_before : done_before + done_since]:
            factories.report(a, ReportStatus.DONE, D - timedelta(days=20))
    # P1: 25 % done 90 days ago, 75 % now: at that pace 108 % by the deadline. P2: 25 %, then nothing.
    warning = early_warnings.behind_pace(programme=world["programme"], as_of=D, unit=world["nation"], url=url)
    assert [row["code"] for row in warning.rows] == ["P2"]
    assert warning.count == 1
    assert "/units/P2/" in warning.rows[0]["url"]


def test_no_projection_once_the_deadline_has_passed(world):
    assign(world, world["P2"], "OLD", D - timedelta(days=1))
    warning = early_warnings.behind_pace(programme=world["programme"], as_of=D, unit=world["nation"], url=url)
    assert warning.count == 0


# Stale indicators -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "reporting", "as_of", "stale", "since"),
    [
        (date(2023, 1, 1), ReportingPeriod.MONTH, date(2023, 2, 1), False, None),  # the due day itself
        (date(2023, 1, 1), ReportingPeriod.MONTH, date(2023, 2, 2), True, date(2023, 2, 1)),
        (date(2023, 1, 31), ReportingPeriod.MONTH, date(2023, 2, 28), False, None),  # no 31 February
        (date(2023, 1, 31), ReportingPeriod.MONTH, date(2023, 3, 1), True, date(2023, 2, 28)),
        (date(2022, 11, 30), ReportingPeriod.QUARTER, date(2023, 2, 28), False, None),
        (date(2022, 12, 31), ReportingPeriod.YEAR, date(2024, 1, 1), True, date(2023, 12, 31)),
        (None, ReportingPeriod.MONTH, date(2024, 1, 1), False, None),  # no value at all is not "old"
    ],
)
def test_an_indicator_is_stale_after_its_reporting_period(period, reporting, as_of, stale, since):
    age = staleness.age(period=period, reporting_period=reporting, as_of=as_of)
    assert (age.stale, age.since) == (stale, since)


def test_stale_indicators_are_warned_with_their_day(world):
    programme, nation = world["programme"], world["nation"]
    monthly = Indicator.objects.create(code="EW_M", name="Hàng tháng", programme=programme)
    quarterly = Indicator.objects.create(
        code="EW_Q", name="Hàng quý", programme=programme, reporting_period=ReportingPeriod.QUARTER
    )
    for indicator in (monthly, quarterly):
        Observation.objects.create(
            indicator=indicator,
            unit=nation,
            period=date(2023, 1, 15),
            value=Decimal(5),
            reported_at=timezone.now(),
        )
    on_due_day = early_warnings.stale_indicators(programme=programme, as_of=date(2023, 2, 15), url=url)
    assert on_due_day.count == 0
    day_after = early_warnings.stale_indicators(programme=programme, as_of=date(2023, 2, 16), url=url)
    assert [row["label"] for row in day_after.rows] == ["EW_M"]
    assert day_after.rows[0]["since"] == date(2023, 2, 15)
    assert "/indicators/EW_M/" in day_after.rows[0]["url"]


# Reported ahead of verified, reversals ----------------------------------------------------------------------


def test_units_reporting_far_ahead_of_verified(world):
    deadline = D + timedelta(days=100)
    ahead = [assign(world, world["P3"], f"A{i}", deadline) for i in range(4)]
    for a in ahead[:3]:
        factories.report(a, ReportStatus.DONE, D - timedelta(days=3), accepted=False)
    close = [assign(world, world["P4"], f"B{i}", deadline) for i in range(10)]
    factories.report(close[0], ReportStatus.DONE, D - timedelta(days=3), accepted=False)
    for a in close[1:5]:
        factories.report(a, ReportStatus.DONE, D - timedelta(days=3))
    warning = early_warnings.reported_ahead(
        programme=world["programme"], as_of=D, unit=world["nation"], url=url
    )
    assert [row["code"] for row in warning.rows] == ["P3"]  # P4: one of ten ahead, not far


def test_units_whose_accepted_reports_are_often_withdrawn(world):
    reviewer = factories.UserFactory(username="ew-reviewer")
    deadline = D + timedelta(days=100)
    for unit, withdrawn in ((world["P5"], 3), (world["P6"], 2)):
        for i in range(5):
            accepted = factories.report(
                assign(world, unit, f"{unit.code}R{i}", deadline), ReportStatus.DONE, D - timedelta(days=30)
            )
            if i < withdrawn:
                services.report_withdraw(report=accepted, user=reviewer, note="sai số liệu")
    warning = early_warnings.often_reversed(
        programme=world["programme"], as_of=D, unit=world["nation"], url=url
    )
    assert [row["code"] for row in warning.rows] == ["P5"]  # P6: two withdrawn, below the minimum of three
    assert "3" in str(warning.rows[0]["detail"]) and "5" in str(warning.rows[0]["detail"])
    # A withdrawal older than the window does not count.
    later = early_warnings.often_reversed(
        programme=world["programme"], as_of=D + timedelta(days=400), unit=world["nation"], url=url
    )
    assert later.count == 0


# Read once per change of the data (metrics.figure_cache) ---------------------------------------------------


@pytest.fixture
def figure_cache_on(settings):
    """A real cache behind metrics.figure_cache (the test settings' dummy cache keeps nothing)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ew"}
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_due_soon_counts_only_the_programmes_own_assignments(world):
    assign(world, world["P1"], "T5", D + timedelta(days=5))
    other = factories.programme("EW2", lead=world["nation"])
    task = factories.task(other, "X5", lead=world["nation"], deadline=D + timedelta(days=5))
    services.assignment_create(task=task, unit=world["P2"])
    warning = early_warnings.due_soon(programme=world["programme"], as_of=D, unit=world["nation"], url=url)
    assert (warning.count, [row["label"] for row in warning.rows]) == (1, ["T5 · Đơn vị P1"])


def test_kept_warnings_change_as_soon_as_the_data_does(
    world, figure_cache_on, django_capture_on_commit_callbacks
):
    def due():
        return early_warnings.due_soon(programme=world["programme"], as_of=D, unit=world["nation"], url=url)

    def reversed_():
        return early_warnings.often_reversed(
            programme=world["programme"], as_of=D, unit=world["nation"], url=url
        )

    reviewer = factories.UserFactory(username="ew-cache-reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = [
            factories.report(
                assign(world, world["P5"], f"R{i}", D + timedelta(days=100)), ReportStatus.DONE, D
            )
            for i in range(4)
        ]
        soon = assign(world, world["P1"], "T5", D + timedelta(days=5))
    assert (due().count, reversed_().count) == (1, 0)
    assert (due().count, reversed_().count) == (1, 0)  # read again from the cache
    with django_capture_on_commit_callbacks(execute=True):
        assign(world, world["P2"], "T6", D + timedelta(days=6))
        for report in accepted[:3]:
            services.report_withdraw(report=report, user=reviewer, note="sai số liệu")
    assert (due().count, reversed_().count) == (2, 1)
    with django_capture_on_commit_callbacks(execute=True):
        factories.report(soon, ReportStatus.IN_PROGRESS, D - timedelta(days=1))
    assert due().count == 1
