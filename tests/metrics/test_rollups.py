"""Rollups: refresh after each kind of change, the readers, --verify, and what the pages read."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from metrics import dashboard, headline, readers, rollups
from metrics import selectors as metric_selectors
from metrics.models import (
    GoalRollup,
    IndicatorRollup,
    RollupDay,
    RollupPending,
    RollupRun,
    StatusRollup,
    TaskRollup,
)
from projects import selectors as project_selectors
from projects import services
from projects.choices import AssignmentStatus, ReportStatus, ReviewState, UnitKind, View
from projects.models import Assignment, Programme, Report, Task, Unit
from tests import factories as f
from tests.metrics import headline_oracle

pytestmark = pytest.mark.django_db

CONFERENCE = date(2022, 12, 25)


def stored_rows(programme, day):
    status = sorted(
        StatusRollup.objects.filter(programme=programme, day=day).values_list(
            "unit_id", "view", *readers.FIGURE_FIELDS
        )
    )
    goals = sorted(
        GoalRollup.objects.filter(programme=programme, day=day).values_list("view", "achieved", "total")
    )
    return status, goals


@pytest.fixture
def da06():
    return Programme.objects.get(code="DA06")


def _awaiting(programme):
    """Reports awaiting review that count today: each the latest reported of an assignment valid today."""
    return Report.objects.filter(
        programme=programme,
        review_state=ReviewState.SUBMITTED,
        carried_from__isnull=True,
        assignment__valid_to__isnull=True,
        assignment__reported_report=F("pk"),
    )


def _accept(programme):
    services.report_accept(report=_awaiting(programme).first(), user=None)


def _return(programme):
    services.report_return(report=_awaiting(programme).last(), user=None, note="Thiếu minh chứng.")


def _withdraw(programme):
    assignment = Assignment.objects.filter(
        task__programme=programme, verified_report__status=ReportStatus.DONE
    ).first()
    services.report_withdraw(report=assignment.verified_report, user=None)


def _create_assignment(programme):
    task = Task.objects.filter(programme=programme).order_by("code").first()
    unit = (
        Unit.objects.filter(kind=UnitKind.PROVINCE).exclude(assignments__task=task).order_by("code").first()
    )
    services.assignment_create(task=task, unit=unit)


def _set_deadline(programme):
    # Done on time until the deadline moves before the day it was done: then done late.
    # An assignment that counts today (one that passed to a successor unit counts there instead).
    assignment = (
        Assignment.objects.valid_on(rollups.today())
        .filter(task__programme=programme, verified_report__status=ReportStatus.DONE)
        .filter(Q(deadline__isnull=True) | Q(verified_report__completed_on__lte=F("deadline")))
        .select_related("verified_report")
        .order_by("-unit__depth", "pk")
        .first()
    )
    deadline = assignment.verified_report.completed_on - timedelta(days=1)
    services.assignment_set_deadline(assignment=assignment, deadline=deadline)


def _move_unit(programme):
    # A district with work of the programme goes to another province; failing that, a whole province does.
    # Units of today's map whose work counts today (on the map of a programme that ended: its units).
    today = rollups.today()
    units = Unit.objects.valid_on(project_selectors.map_day(programme, today))
    moved = (
        units.filter(kind=UnitKind.DISTRICT, assignments__task__programme=programme).first()
        or units.filter(kind=UnitKind.PROVINCE, assignments__task__programme=programme).last()
    )
    other = (
        units.filter(kind=UnitKind.PROVINCE, assignments__task__programme=programme)
        .exclude(pk__in=[moved.pk, moved.parent_id])
        .order_by("code")
        .first()
    )
    services.unit_move(unit=moved, parent=other)


def _goal_assessment(programme):
    today = rollups.today()
    achieved = metric_selectors.goals_achieved(programme=programme, as_of=today)
    goal = programme.goals.exclude(pk__in=achieved).first()
    if goal is None:  # a programme without goals: the assessment of a new one
        goal = programme.goals.create(code="MTX", title="Mục tiêu thử")
    f.report(goal, ReportStatus.DONE, today - timedelta(days=1))


CHANGES = {
    "accept": _accept,
    "return": _return,
    "withdraw": _withdraw,
    "assignment created": _create_assignment,
    "deadline changed": _set_deadline,
    "unit moved": _move_unit,
    "goal assessed": _goal_assessment,
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("code", ["DA06", "CDS2022"])
def test_refresh_after_a_change_equals_a_full_recompute(change, code, django_capture_on_commit_callbacks):
    programme = Programme.objects.get(code=code)
    today = rollups.today()
    rollups.recompute_programme(programme, day=today)
    before = stored_rows(programme, today)
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[change](programme)
    assert not RollupPending.objects.exists(), "the flush ran and cleared what it refreshed"
    assert RollupRun.objects.filter(programme=programme, scope="paths", outcome="succeeded").exists()
    refreshed = stored_rows(programme, today)
    rollups.recompute_programme(programme, day=today)
    assert refreshed == stored_rows(programme, today)
    if change == "accept":  # a fresh count from the selectors too, once (it is slow on PostgreSQL)
        assert rollups.verify_programme(programme, today) == []
    assert refreshed != before, "the change shows in the rollups"


def test_a_burst_of_changes_coalesces_into_pending_paths(da06, settings):
    rollups.recompute_programme(da06, day=rollups.today())
    units = list(Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("code")[:3])
    for unit in units:
        rollups.mark_pending(programme_ids={da06.pk}, unit_paths={unit.path})
        rollups.mark_pending(programme_ids={da06.pk}, unit_paths={unit.path})
    assert RollupPending.objects.filter(programme=da06).count() == 3
    assert readers.freshness(da06)["pending"] is True
    runs = RollupRun.objects.count()
    assert rollups.flush_pending() > 0
    assert RollupRun.objects.count() == runs + 1, "one refresh for the whole burst"
    assert rollups.flush_pending() == 0
    assert readers.freshness(da06) | {"computed_at": None} == {
        "computed_at": None,
        "day": rollups.today(),
        "stale": False,
        "pending": False,
    }


def test_a_refresh_of_a_day_not_yet_computed_computes_it_in_full(da06):
    day = rollups.today()
    assert not RollupDay.objects.filter(programme=da06, day=day).exists()
    rollups.refresh_paths(da06, ["VN/01/"], day=day)
    assert RollupDay.objects.get(programme=da06, day=day).max_depth is None
    assert rollups.verify_programme(da06, day) == []


def test_two_recomputes_give_the_same_rows_as_one(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)
    once = stored_rows(da06, CONFERENCE)
    rollups.recompute_programme(da06, day=CONFERENCE)
    assert stored_rows(da06, CONFERENCE) == once


def test_verify_passes_then_fails_on_a_figure_altered_by_hand(da06, capsys):
    call_command("recompute_rollups", "--programme", "DA06", "--day", CONFERENCE.isoformat(), verbosity=0)
    call_command("recompute_rollups", "--verify", "--programme", "DA06", verbosity=0)
    row = StatusRollup.objects.get(programme=da06, day=CONFERENCE, unit__code="01", view="verified")
    StatusRollup.objects.filter(pk=row.pk).update(done_on_time=row.done_on_time + 1)
    with pytest.raises(CommandError):
        call_command("recompute_rollups", "--verify", "--programme", "DA06", verbosity=0)
    assert "01 done_on_time" in capsys.readouterr().err


def test_verify_catches_an_altered_indicator_value_and_goal(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)
    IndicatorRollup.objects.filter(day=CONFERENCE, indicator__code="CCCD_CHIP").update(value=1)
    GoalRollup.objects.filter(programme=da06, day=CONFERENCE, view="verified").update(achieved=3)
    differences = rollups.verify_programme(da06, CONFERENCE)
    assert any(line.startswith("CCCD_CHIP") for line in differences)
    assert any("goals" in line for line in differences)


@pytest.mark.parametrize("stored", [True, False])
def test_programme_summary_equals_the_fresh_count(stored):
    for programme in Programme.objects.all():
        if stored:
            rollups.recompute_programme(programme, day=CONFERENCE)
        for code in ("VN", "01", "BCA"):
            unit = project_selectors.unit_for_code(code, on=CONFERENCE)
            read = readers.programme_summary(programme=programme, unit=unit, as_of=CONFERENCE)
            assert read.pop("computed_at")
            assert read == metric_selectors.programme_summary(
                programme=programme, unit=unit, as_of=CONFERENCE
            )


@pytest.mark.parametrize("stored", [True, False])
def test_national_headline_equals_the_fresh_count(stored):
    if stored:
        rollups.recompute_all(day=CONFERENCE)
    read = headline.national_headline(CONFERENCE)
    fresh = headline_oracle.national_headline_fresh(CONFERENCE)
    assert read.pop("computed_at")
    assert read == fresh
    assert (read["da06_goals"].done, read["da06_tasks"].done, read["cds_central_tasks"].done) == (11, 47, 42)
    assert (read["cds_provinces"].done, read["cds_provinces"].total) == (59, 63)


def test_unit_rows_for_a_league_table(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)
    rows = readers.unit_rows(programme=da06, as_of=CONFERENCE, kind=UnitKind.PROVINCE)
    assert len(rows) == 63
    hanoi = next(row for row in rows if row["code"] == "01")
    counts = metric_selectors.programme_summary(
        programme=da06, unit=project_selectors.unit_for_code("01", on=CONFERENCE), as_of=CONFERENCE
    )
    assert hanoi["total"] == counts["assignments"]["total"]
    assert hanoi["done"] == counts["assignments"]["done_on_time"] + counts["assignments"]["done_late"]
    below = readers.unit_rows(programme=da06, as_of=CONFERENCE, parent="01")
    assert {row["code"] for row in below} == set(
        Unit.objects.filter(parent=project_selectors.unit_for_code("01", on=CONFERENCE)).values_list(
            "code", flat=True
        )
    )


def test_readers_use_as_many_queries_however_large_the_data(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            readers.programme_summary(programme=da06, unit="VN", as_of=CONFERENCE)
            readers.unit_rows(programme=da06, as_of=CONFERENCE, kind=UnitKind.PROVINCE)
            readers.completion_over_time(da06, unit="VN", as_of=CONFERENCE)
            readers.freshness(da06)
            headline.national_headline(CONFERENCE)
        return len(captured)

    small = count_queries()
    province = Unit.objects.get(code="02")
    task = Task.objects.filter(programme=da06).first()
    for index in range(30):
        commune = f.unit(f"QC{index:03d}", parent=province, kind=UnitKind.COMMUNE)
        assignment = services.assignment_create(task=task, unit=commune)
        f.report(assignment, ReportStatus.DONE, date(2022, 6, 1))
    rollups.recompute_programme(da06, day=CONFERENCE)
    assert count_queries() == small


def _assert_points_equal_a_count_from_the_report_chains(programme, series):
    nation = Unit.objects.get(code="VN")
    for point in series:
        counted = rollups.compute_status(programme=programme, day=point["day"])[nation.pk]
        assert point["total"] == counted[View.VERIFIED]["assignments"], point["day"]
        for view in (View.VERIFIED, View.REPORTED):
            assert point[view] == counted[view]["done_on_time"] + counted[view]["done_late"], point["day"]


def test_completion_over_time_reads_the_stored_days_and_ends_on_the_day_asked_for(da06):
    days = [date(2022, 3, 1), date(2022, 6, 1), CONFERENCE]
    rollups.recompute_history(da06, days=days)
    end = date(2022, 12, 31)
    series = readers.completion_over_time(da06, unit="VN", as_of=end)
    assert [point["day"] for point in series] == [*days, end]
    assert series[0][View.VERIFIED] <= series[-1][View.VERIFIED]
    _assert_points_equal_a_count_from_the_report_chains(da06, series)


def test_completion_over_time_without_stored_history_counts_the_month_ends(da06):
    """Nothing stored: the month ends since the programme's start, counted together in one pass."""
    series = readers.completion_over_time(da06, as_of=CONFERENCE)
    assert [point["day"] for point in series][-1] == CONFERENCE
    assert len(series) >= 12
    _assert_points_equal_a_count_from_the_report_chains(da06, series)


def test_prune_keeps_the_top_of_the_tree_on_earlier_days(da06):
    earlier = CONFERENCE - timedelta(days=1)
    rollups.recompute_programme(da06, day=earlier)
    rollups.recompute_programme(da06, day=CONFERENCE)
    rollups.prune(before=CONFERENCE, programmes=[da06])
    assert not StatusRollup.objects.filter(programme=da06, day=earlier, unit__depth__gt=1).exists()
    assert StatusRollup.objects.filter(programme=da06, day=CONFERENCE, unit__depth__gt=1).exists()
    assert RollupDay.objects.get(programme=da06, day=earlier).max_depth == 1
    assert rollups.verify_programme(da06, earlier) == []
    # A district on the pruned day is counted on demand, and still right.
    district = Unit.objects.filter(kind=UnitKind.DISTRICT, assignments__task__programme=da06).first()
    read = readers.programme_summary(programme=da06, unit=district, as_of=earlier)
    read.pop("computed_at")
    assert read == metric_selectors.programme_summary(programme=da06, unit=district, as_of=earlier)


def test_the_nightly_prune_keeps_the_per_task_rows_that_days_not_stored_start_from(da06):
    """A day not stored starts from a stored day with per-task rows (rollups.any_day.base_day). The nightly
    run prunes every earlier day: it kept no per-task rows at all, so after the first night every past day
    was counted from today's rows across years of reports. History days keep theirs, and of the days the
    nightly run stored, one a week (the weekly history's days) keeps them."""
    weekly = rollups.history_days(da06, until=CONFERENCE, step_days=7)
    history = weekly[3] + timedelta(days=2)  # a history day off the weekly grid (`--history --step 30`)
    nightly_weekly = weekly[-3]
    nightly_other = nightly_weekly + timedelta(days=1)
    rollups.recompute_history(da06, days=[history])
    for day in (nightly_weekly, nightly_other, CONFERENCE):
        rollups.recompute_programme(da06, day=day)

    rollups.prune(before=CONFERENCE, programmes=[da06])

    def has_task_rows(day):
        return TaskRollup.objects.filter(programme=da06, day=day).exists()

    assert has_task_rows(history)
    assert has_task_rows(nightly_weekly)
    assert not has_task_rows(nightly_other)
    assert has_task_rows(CONFERENCE)
    assert rollups.days_without_base(da06, [history, nightly_weekly, nightly_other, CONFERENCE]) == [
        nightly_other
    ]
    assert not readers.stored_day(da06, nightly_other).has_task_rows
    assert readers.stored_day(da06, nightly_weekly).has_task_rows
    # The day after the thinned one starts from the weekly day before it, not from CONFERENCE.
    assert rollups.base_day(da06, nightly_other + timedelta(days=1)) == nightly_weekly
    # A second night's prune leaves what the first kept.
    rollups.prune(before=CONFERENCE, programmes=[da06])
    assert has_task_rows(history) and has_task_rows(nightly_weekly)


def test_the_summary_page_reads_the_rollups(client):
    rollups.recompute_all(day=CONFERENCE)
    StatusRollup.objects.filter(
        day=CONFERENCE, unit__code="VN", view="verified", programme__code="DA06"
    ).update(tasks_done=48)
    response = client.get("/", {"as_of": CONFERENCE.isoformat()})
    assert response.status_code == 200
    assert "48/89" in response.content.decode()


def test_a_failed_run_is_recorded_and_writes_nothing(da06, monkeypatch):
    rollups.recompute_programme(da06, day=CONFERENCE)
    before = stored_rows(da06, CONFERENCE)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rollups.write, "compute_goals", broken)
    with pytest.raises(RuntimeError):
        rollups.recompute_programme(da06, day=CONFERENCE)
    assert stored_rows(da06, CONFERENCE) == before


def test_a_backdated_report_makes_earlier_days_stale_until_recomputed(
    da06, django_capture_on_commit_callbacks
):
    from metrics.models import RollupDay

    earlier, later = date(2022, 6, 30), CONFERENCE
    rollups.recompute_history(da06, days=[earlier, later])
    rollups.recompute_programme(da06, day=rollups.today())
    assignment = (
        Assignment.objects.filter(task__programme=da06, unit__depth=1)
        .exclude(verified_report__status=ReportStatus.DONE)
        .first()
    )
    with django_capture_on_commit_callbacks(execute=True):
        f.report(assignment, ReportStatus.DONE, date(2022, 9, 1))  # backdated, between the two days
    assert not RollupDay.objects.get(programme=da06, day=earlier).stale
    assert RollupDay.objects.get(programme=da06, day=later).stale
    # Readers count a stale day afresh, so the page is right before the nightly run.
    read = readers.programme_summary(programme=da06, unit="VN", as_of=later)
    read.pop("computed_at")
    assert read == metric_selectors.programme_summary(
        programme=da06, unit=Unit.objects.get(code="VN"), as_of=later
    )
    rollups.recompute_stale()
    assert not RollupDay.objects.filter(programme=da06, stale=True).exists()
    assert rollups.verify_programme(da06, later) == []


def test_a_moved_deadline_makes_every_earlier_day_stale(da06, django_capture_on_commit_callbacks):
    from metrics.models import RollupDay

    rollups.recompute_history(da06, days=[date(2022, 3, 1), CONFERENCE])
    rollups.recompute_programme(da06, day=rollups.today())
    with django_capture_on_commit_callbacks(execute=True):
        _set_deadline(da06)
    assert RollupDay.objects.filter(programme=da06, day__lt=rollups.today(), stale=False).count() == 0


@pytest.mark.parametrize("rule", ["sum", "mean", "min", "max", "ratio", "none"])
def test_indicator_values_roll_up_by_their_rule(da06, rule):
    from decimal import Decimal

    from django.utils import timezone

    from metrics.models import Indicator, Observation

    indicator = Indicator.objects.create(code=f"T_{rule}", name=rule, aggregation=rule, programme=da06)
    province = project_selectors.unit_for_code("01", on=CONFERENCE)
    districts = list(Unit.objects.filter(parent=province).order_by("code")[:3])
    for index, unit in enumerate([*districts, *Unit.objects.filter(parent=districts[0])[:2]]):
        for period, bump in ((date(2022, 10, 31), 0), (date(2022, 11, 30), 5)):
            Observation.objects.create(
                indicator=indicator,
                unit=unit,
                period=period,
                value=Decimal(10 + 7 * index + bump),
                denominator=Decimal(50) if rule == "ratio" else None,
                reported_at=timezone.now(),
            )
    # A revision of the same period: the later one counts.
    Observation.objects.create(
        indicator=indicator,
        unit=districts[1],
        period=date(2022, 11, 30),
        value=Decimal(3),
        reported_at=timezone.now(),
    )
    rollups.recompute_programme(da06, day=CONFERENCE)
    assert rollups.verify_programme(da06, CONFERENCE) == []
    stored = {row.unit_id: row for row in IndicatorRollup.objects.filter(indicator=indicator, day=CONFERENCE)}
    for unit in [Unit.objects.get(code="VN"), province, *districts]:
        expected = metric_selectors.indicator_value(indicator=indicator, unit=unit, as_of=CONFERENCE)
        row = stored.get(unit.pk)
        got = (row.value, row.denominator) if row else (None, None)
        if expected.value is None:
            assert got[0] is None
        else:
            assert got[0] == expected.value.quantize(Decimal("0.0001")), unit.code
            assert got[1] == expected.denominator


def test_verify_catches_an_altered_task_row(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)
    assert rollups.verify_programme(da06, CONFERENCE) == []
    row = TaskRollup.objects.filter(programme=da06, day=CONFERENCE, view="verified", done__gt=0).first()
    TaskRollup.objects.filter(pk=row.pk).update(done_late=row.done_late + 1)
    differences = rollups.verify_programme(da06, CONFERENCE)
    assert len(differences) == 1
    assert (
        f"{row.unit.code} task {row.task_id} done_late: stored {row.done_late + 1}, counted {row.done_late}"
        in (differences[0])
    )


def _task_counts_from_the_chains(task) -> tuple[dict, dict]:
    """A task's assignments by status, (verified, reported), counted a second way: each assignment's status
    from its report chains (dashboard.assignments_as_of), grouped in Python."""
    verified = dict.fromkeys(AssignmentStatus.values, 0)
    reported = dict.fromkeys(AssignmentStatus.values, 0)
    rows = dashboard.assignments_as_of(as_of=CONFERENCE, queryset=task.assignments.all())
    for status, reported_status in rows.values_list("status", "reported_status"):
        verified[status] += 1
        reported[reported_status] += 1
    return verified, reported


@pytest.mark.parametrize("code", ["DA06", "CDS2022"])
def test_a_task_s_counts_by_status_equal_a_count_from_the_report_chains(code):
    """The task page reads its status breakdown through the one interface: nothing stored, then the stored
    day's per-task rows, the same as counting, task by task."""
    programme = Programme.objects.get(code=code)
    for stage in ("nothing stored", "stored"):
        if stage == "stored":
            rollups.recompute_programme(programme, day=CONFERENCE)
        compared = 0
        for task in programme.tasks.all():
            counted = _task_counts_from_the_chains(task)
            read = dashboard.task_status_counts(programme=programme, task=task, as_of=CONFERENCE)
            assert read == counted, (stage, task.code)
            compared += bool(sum(counted[0].values()))
        assert compared >= 40


def test_a_task_s_counts_are_counted_when_the_rows_cannot_say(da06):
    rollups.recompute_programme(da06, day=CONFERENCE)
    # A task with a late completion, so that rows that cannot tell late from on time would show.
    task, counted = next(
        (task, counts)
        for task in da06.tasks.order_by("code")
        for counts in [_task_counts_from_the_chains(task)]
        if counts[0][AssignmentStatus.DONE_LATE]
    )
    read = lambda: dashboard.task_status_counts(programme=da06, task=task, as_of=CONFERENCE)  # noqa: E731
    assert read() == counted
    # Rows written before they counted late completions: they cannot split done on time from done late.
    TaskRollup.objects.filter(task=task, day=CONFERENCE).update(done_late=None)
    assert read() == counted
    rollups.recompute_programme(da06, day=CONFERENCE)
    # An assignment held by the nation itself, which no row below the nation counts.
    Assignment.objects.create(task=task, unit=Unit.objects.get(code="VN"))
    assert read() == _task_counts_from_the_chains(task)
    assert sum(read()[0].values()) == sum(counted[0].values()) + 1


def test_indicator_over_time_equals_the_selectors_value_at_every_point(da06):
    """Nothing stored: each observation period, counted; with stored days: those days. Every point equals the
    value metrics.selectors gives for that unit and day (a second way of counting)."""
    from metrics.models import Indicator, Observation

    indicator = Indicator.objects.get(code="CCCD_CHIP")
    for unit in (Unit.objects.get(code="VN"), project_selectors.unit_for_code("01", on=CONFERENCE)):
        counted = readers.indicator_over_time(indicator, unit=unit, as_of=CONFERENCE)
        periods = sorted(
            set(
                Observation.objects.filter(
                    indicator=indicator, unit__path__startswith=unit.path, period__lte=CONFERENCE
                ).values_list("period", flat=True)
            )
        )
        assert [row["period"] for row in counted] == periods
        for row in counted:
            value = metric_selectors.indicator_value(indicator=indicator, unit=unit, as_of=row["period"])
            assert (row["value"], row["denominator"]) == (value.value, value.denominator), row
    rollups.recompute_history(da06, days=[date(2022, 9, 30), date(2022, 11, 30), CONFERENCE])
    nation = Unit.objects.get(code="VN")
    stored = readers.indicator_over_time(indicator, unit=nation, as_of=CONFERENCE)
    assert [row["period"] for row in stored][-1] == CONFERENCE
    for row in stored:
        value = metric_selectors.indicator_value(indicator=indicator, unit=nation, as_of=row["period"])
        assert row["value"] == value.value, row
