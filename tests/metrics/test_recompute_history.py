"""`recompute_rollups --history --missing` stores each history day once, so `make run` restarts quickly."""

import pytest
from django.core.management import call_command

from metrics.models import RollupDay, RollupRun

pytestmark = pytest.mark.django_db


def test_missing_history_days_are_computed_once():
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    days = set(RollupDay.objects.filter(programme__code="DA06").values_list("day", flat=True))
    assert len(days) >= 4  # from 06/01/2022 every 180 days, and today
    runs = RollupRun.objects.count()
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    # Only today's full recompute ran again; no history day was recomputed.
    assert RollupRun.objects.count() == runs + 1
    assert set(RollupDay.objects.filter(programme__code="DA06").values_list("day", flat=True)) == days


def test_an_observation_for_an_earlier_period_flags_the_stored_history_stale(tmp_path):
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    days = RollupDay.objects.filter(programme__code="DA06")
    assert not days.filter(stale=True).exists()
    csv = tmp_path / "values.csv"
    csv.write_text("indicator,unit,period,value\nCCCD_CHIP,VN,2022-07-01,60000000\n", encoding="utf-8")
    call_command("import_observations", str(csv), verbosity=0)
    stale = set(days.filter(stale=True).values_list("day", flat=True))
    assert stale, "no stored day was flagged"
    assert all(day.isoformat() >= "2022-07-01" for day in stale)
    assert days.filter(day__lt="2022-07-01", stale=False).exists()


def test_history_keeps_the_last_day_of_each_map_and_a_day_reads_from_its_own_map():
    """Between two maps every carried assignment changes: a day not stored is moved from a stored day on its
    own map (the nearest there), and the history stores the last day of the old map and the first of the new."""
    from datetime import date

    from metrics import readers, rollups
    from projects.models import Programme, Unit

    programme = Programme.objects.get(code="DA06")
    change = date(2025, 7, 1)
    assert change in rollups.any_day.map_changes()  # the demo loads today's map, valid from 01/07/2025
    days = rollups.history_days(programme, until=date(2025, 12, 31), step_days=180)
    assert date(2025, 6, 30) in days and change in days
    assert days == sorted(set(days))

    # Nearer to a day after the change, but on the old map: the base is the stored day before it.
    bases = [date(2025, 3, 1), date(2025, 7, 3)]
    assert rollups.base_day(programme, date(2025, 6, 25), bases) == date(2025, 3, 1)
    assert rollups.base_day(programme, date(2025, 7, 2), bases) == date(2025, 7, 3)
    # No stored day on its map (or only stale ones there): none, and the day is counted in full, which
    # costs half as much as moving every carried assignment across the change.
    assert rollups.base_day(programme, date(2025, 6, 25), [date(2025, 7, 3)]) is None
    assert rollups.base_day(programme, date(2025, 7, 2), [date(2025, 3, 1)]) is None

    # And the figures read so equal a count from the report chains, on both sides of the change.
    rollups.recompute_history(programme, days=[date(2025, 3, 1), date(2025, 7, 3)])
    nation = Unit.objects.get(code="VN")
    for day in (date(2025, 6, 25), date(2025, 7, 2)):
        read = readers.StoredDay(programme, day).status([nation])[nation.pk]
        counted = rollups.compute_status(programme=programme, day=day)[nation.pk]
        assert read == counted, day


def test_stale_history_is_recomputed_within_minutes_not_only_at_night(settings):
    """A backdated change flags earlier stored days stale; the periodic task recomputes the latest few."""
    from metrics import tasks

    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    days = RollupDay.objects.filter(programme__code="DA06")
    days.update(stale=True)
    flagged = days.count()
    assert tasks.rollups_recompute_stale(limit=2) > 0  # rows written
    fresh = list(days.filter(stale=False).order_by("day").values_list("day", flat=True))
    assert len(fresh) == 2 and fresh == sorted(days.values_list("day", flat=True))[-2:]  # the latest first
    assert days.filter(stale=True).count() == flagged - 2
    # Time-boxed: once the time is up no further day is begun, but a run always does one.
    assert tasks.rollups_recompute_stale(seconds=0) > 0
    assert days.filter(stale=True).count() == flagged - 3
    assert tasks.rollups_recompute_stale() > 0  # the rest, within the default three minutes
    assert not days.filter(stale=True).exists()
    assert any(
        entry["task"] == "metrics.tasks.rollups_recompute_stale" and entry["schedule"] <= 15 * 60
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_weekly_history_fills_itself_a_few_days_at_a_time_the_latest_first(settings):
    """No one ran `--history`: the periodic task stores the weekly grid's days, a few per run, so that a day
    not stored is soon a few days of reports from a base (rollups.any_day.base_day) on any deployment."""
    from metrics import rollups, tasks
    from metrics.models import TaskRollup
    from projects.models import Programme

    today = rollups.today()
    grid = []
    for programme in Programme.objects.all():
        stop = min(today, programme.end) if programme.end else today
        grid += [(day, programme.pk) for day in rollups.history_days(programme, until=stop) if day < today]
    grid.sort(reverse=True)
    assert len(grid) > 6

    def bases() -> list[tuple]:
        return sorted(
            (
                (day.day, day.programme_id)
                for day in RollupDay.objects.filter(stale=False).annotate(first=rollups.first_task_row())
                if day.first is not None
            ),
            reverse=True,
        )

    assert tasks.rollups_fill_history(limit=3) > 0
    assert bases() == grid[:3]
    assert tasks.rollups_fill_history(limit=3) > 0
    assert bases() == grid[:6]  # nothing stored twice: the next three

    # A day kept without its per-task rows (as the nightly prune left them before 04/12/2026) is no base.
    day, programme_id = grid[1]
    TaskRollup.objects.filter(programme_id=programme_id, day=day).delete()
    assert rollups.days_without_base(Programme.objects.get(pk=programme_id), [day]) == [day]
    runs = RollupRun.objects.count()
    tasks.rollups_fill_history(limit=1)
    assert bases() == grid[:6]
    assert RollupRun.objects.count() == runs + 1
    assert any(
        entry["task"] == "metrics.tasks.rollups_fill_history" and entry["schedule"] <= 15 * 60
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_stale_history_days_are_moved_from_the_fresh_day_after_them_and_equal_a_count_in_full():
    """A backdated report leaves the stored history stale. Recomputed latest first, each history day is
    moved from the fresh day after it and the reports between (metrics.rollups.repair); its rows then equal
    those of a count in full from the report chains, and the run says which day it came from."""
    from datetime import date, datetime, time, timedelta

    from django.db.models import Q

    from metrics import rollups
    from metrics.models import GoalRollup, RollupScope, StatusRollup, TaskRollup
    from projects import services
    from projects.choices import ReportStatus
    from projects.models import Assignment, Programme, Unit
    from tests import factories as f

    programme = Programme.objects.get(code="DA06")
    days = [date(2024, 1, 4) + timedelta(days=7 * week) for week in range(4)]  # a weekly history of 2024
    rollups.recompute_history(programme, days=days)
    nation = Unit.objects.get(code="VN")

    def rows(day):
        """Every stored row of the day, every column but the id."""
        return tuple(
            sorted(
                model.objects.filter(programme=programme, day=day).values_list(
                    *[f.attname for f in model._meta.concrete_fields if not f.primary_key]
                )
            )
            for model in (StatusRollup, TaskRollup, GoalRollup)
        )

    before = rows(days[2])
    # Two backdated reports: one done before the history begins, one done between its first two days.
    untouched = (
        Assignment.objects.filter(task__programme=programme, unit__depth__gte=1)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=days[0]))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=days[-1]))
        .exclude(reports__effective_date__lt=date(2024, 3, 1))  # nothing reported for 2024's first weeks
        .order_by("pk")
    )
    for assignment, effective in zip(untouched[:2], (date(2023, 12, 1), date(2024, 1, 8)), strict=True):
        report = services.report_submit(
            user=None,
            assignment=assignment,
            status=ReportStatus.DONE,
            effective_date=effective,
            completed_on=effective,
            submitted_at=datetime.combine(date(2024, 3, 1), time(9), f.TZ),
        )
        services.report_accept(report=report, user=None)
    RollupDay.objects.filter(programme=programme, day__in=days).update(stale=True)

    assert rollups.recompute_stale(programmes=[programme]) > 0
    assert not RollupDay.objects.filter(programme=programme, stale=True).exists()
    repaired = {day: rows(day) for day in days}
    assert repaired[days[2]] != before  # the change reached the stored history
    runs = RollupRun.objects.filter(programme=programme, scope=RollupScope.HISTORY)
    for index, day in enumerate(days):
        detail = runs.filter(day=day).order_by("-started_at").first().detail
        if index == len(days) - 1:
            assert detail == ""  # no fresh day after the latest: counted in full
        else:
            assert days[index + 1].isoformat() in detail, detail
        rollups.recompute_programme(programme, day=day, max_depth=rollups.SNAPSHOT_DEPTH)
        assert rows(day) == repaired[day], day
    assert any(nation.pk in row for row in repaired[days[0]][0])
