"""Any day, stored or not, against a count from the report chains: random histories, both views, every unit,
both eras of the map (a unit ending and its successor carrying its assignments)."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import readers, rollups
from projects.choices import View
from tests.metrics.test_rollups_properties import (
    FIELDS,
    START,
    _brute_force,
    build_history,
    report_strategy,
    tree_strategy,
)

pytestmark = pytest.mark.django_db

ERA = START + timedelta(days=30)  # the successor takes the ended unit's work on from this day


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tree=tree_strategy,
    tasks=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(min_value=0, max_value=50)),
            st.integers(min_value=1, max_value=127),
        ),
        min_size=1,
        max_size=3,
    ),
    history=st.lists(report_strategy, max_size=12),
    stored=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=3, unique=True),
    asked=st.lists(st.integers(min_value=0, max_value=62), min_size=1, max_size=3, unique=True),
    full=st.booleans(),
    era=st.booleans(),
)
def test_every_day_stored_or_not_equals_a_count_from_the_report_chains(
    tree, tasks, history, stored, asked, full, era
):
    with transaction.atomic():
        programme, units = build_history(tree, tasks, history, era_day=ERA if era else None)
        stored_days = sorted(START + timedelta(days=offset) for offset in stored)
        if full:
            for day in stored_days:
                rollups.recompute_programme(programme, day=day)
        else:
            rollups.recompute_history(programme, days=stored_days)
        # The day just after a stored day (the midnight case), a day between two stored days, and any day.
        days = {stored_days[0] + timedelta(days=1), *(START + timedelta(days=o) for o in asked)}
        if len(stored_days) > 1:
            days.add(stored_days[0] + (stored_days[1] - stored_days[0]) / 2)
        for day in sorted(days):
            _compare(programme, units, day)
        transaction.set_rollback(True)


def _compare(programme, units, day):
    read = readers.StoredDay(programme, day)
    top = [u for u in units if u.depth <= 1]
    figures = read.status(top)
    for unit in units:
        if unit.depth > 1:
            ancestor = next(u for u in top if unit.path.startswith(u.path) and u.depth == 1)
            by_view = read.status([unit], within=ancestor).get(unit.pk, {})
        else:
            by_view = figures.get(unit.pk, {})
        for view in View:
            found = by_view.get(view)
            found = {name: found[name] for name in FIELDS} if found else dict.fromkeys(FIELDS, 0)
            assert found == _brute_force(programme, unit, day, view), (unit.code, day, view)
    _compare_children(programme, units, day, read)
    task_figures = read.task_figures()
    if task_figures is None:
        return
    # The per-task figures of the units right below the nation, against a full count's.
    accumulators: dict = {}
    rollups.compute_status(programme=programme, day=day, accumulators=accumulators)
    tasks, nation_holds = task_figures.tasks, task_figures.nation_holds
    expected = {
        key: {task: list(acc) for task, acc in by_task.items() if acc[0]}
        for key, by_task in accumulators.items()
        if any(acc[0] for acc in by_task.values())
    }
    assert tasks == expected, day
    assert task_figures.task_totals == rollups.task_totals(expected), day
    assert nation_holds is False  # no task is given to the nation itself here


def _compare_children(programme, units, day, read):
    """A table of each unit's children: their assignments by status (readers.StoredDay.children_counts,
    counted without per-task figures where the day does not keep the children's depth)."""
    counted = ["assignments", *rollups.STATUS_FIELDS]
    for parent in units:
        children = [unit for unit in units if unit.parent_id == parent.pk]
        if not children:
            continue
        by_child = read.children_counts(parent, children)
        for child in children:
            for view in View:
                found = (by_child.get(child.pk) or {}).get(view)
                found = {name: found[name] for name in counted} if found else dict.fromkeys(counted, 0)
                expected = _brute_force(programme, child, day, view)
                expected = {name: expected[name] for name in counted}
                assert found == expected, (parent.code, child.code, day, view)


def test_the_nation_s_own_assignments_count_on_a_day_not_stored():
    """A task given to the nation itself (no unit below it holds it): on a day not stored, its assignment
    is counted on the day, whether or not it changed since the base (metrics.rollups.any_day), beside the
    differences of the units below. Every unit and view against a count from the report chains."""
    from datetime import datetime, time

    from projects import services
    from projects.choices import ReportStatus, ReviewState
    from projects.models import Task
    from tests import factories as f

    programme, units = build_history(
        [(0, False), (0, True), (0, False)],
        [(10, 0b011), (30, 0b110)],
        [
            (0, 3, ReportStatus.DONE, 0, ReviewState.ACCEPTED),
            (1, 12, ReportStatus.IN_PROGRESS, 0, ReviewState.ACCEPTED),
            (2, 20, ReportStatus.DONE, 2, ReviewState.SUBMITTED),
            (3, 22, ReportStatus.IN_PROGRESS, 0, ReviewState.ACCEPTED),
        ],
    )
    own = services.assignment_create(task=Task.objects.get(programme=programme, code="NV0"), unit=units[0])
    done = START + timedelta(days=15)
    report = services.report_submit(
        user=None,
        assignment=own,
        status=ReportStatus.DONE,
        effective_date=done,
        completed_on=done,
        submitted_at=datetime.combine(done, time(9), f.TZ),
    )
    services.report_accept(report=report, user=None)
    rollups.recompute_history(programme, days=[START + timedelta(days=5), START + timedelta(days=40)])
    for offset in (6, 14, 15, 16, 21, 25, 39, 41):
        day = START + timedelta(days=offset)
        read = readers.StoredDay(programme, day)
        assert read.task_figures().nation_holds, day
        figures = read.status([u for u in units if u.depth <= 1])
        for unit in units:
            for view in View:
                found = figures.get(unit.pk, {}).get(view)
                found = {name: found[name] for name in FIELDS} if found else dict.fromkeys(FIELDS, 0)
                assert found == _brute_force(programme, unit, day, view), (unit.code, day, view)
