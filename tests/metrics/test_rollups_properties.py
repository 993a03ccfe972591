"""Rollups against brute force: random unit trees, assignments and report histories, many days, both views."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import rollups
from metrics.models import StatusRollup
from projects import selectors, services
from projects.choices import CENTRAL_KINDS, ReportStatus, ReviewState, UnitKind, View
from projects.models import Unit
from tests import factories as f

pytestmark = pytest.mark.django_db

START = date(2024, 1, 1)
FIELDS = [
    "assignments",
    "done_on_time",
    "done_late",
    "overdue",
    "in_progress",
    "not_started",
    "tasks",
    "tasks_done",
    "tasks_overdue",
    "tasks_in_progress",
    "tasks_not_started",
    "central_tasks",
    "central_tasks_done",
]

# A tree: each new unit hangs under an earlier one (or the nation); depth-one units are provinces or
# ministries, below them districts and communes.
tree_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=20), st.booleans()), min_size=1, max_size=7
)
report_strategy = st.tuples(
    st.integers(min_value=0, max_value=40),  # which assignment (modulo)
    st.integers(min_value=0, max_value=50),  # effective day offset
    st.sampled_from(list(ReportStatus)),
    st.integers(min_value=0, max_value=10),  # days done before the effective day
    st.sampled_from(
        [ReviewState.ACCEPTED, ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.WITHDRAWN]
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    days=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=3, unique=True),
)
def test_every_stored_figure_equals_a_brute_force_count(tree, tasks, history, days):
    with transaction.atomic():
        _check(tree, tasks, history, days)
        transaction.set_rollback(True)


def build_history(tree, tasks, history, *, code="HYPO", prefix="HY", era_day=None):
    """Build a random programme: units (a tree under the nation), tasks given to some of them, and a report
    history; shared by the property tests of the rollups, the figure cache and the days not stored.

    With ``era_day``, the first unit right below the nation ends the day before it and a successor takes
    its work on from it (projects.lineage.carry_over: the original assignments end, carried ones begin).
    Return the programme and its units, the nation first.
    """
    nation = Unit.objects.get(code="VN")
    units = []
    for index, (parent_choice, central) in enumerate(tree):
        parent = nation if not units else [nation, *units][parent_choice % (len(units) + 1)]
        if parent == nation:
            kind = UnitKind.MINISTRY if central else UnitKind.PROVINCE
        elif parent.kind in CENTRAL_KINDS:
            kind = UnitKind.GOVERNMENT_AGENCY
        else:
            kind = UnitKind.DISTRICT if parent.depth == 1 else UnitKind.COMMUNE
        units.append(f.unit(f"{prefix}{index:02d}", parent=parent, kind=kind))
    programme = f.programme(code, lead=nation)
    assignments = []
    for index, (deadline_offset, mask) in enumerate(tasks):
        deadline = None if deadline_offset is None else START + timedelta(days=deadline_offset)
        task = f.task(programme, f"NV{index}", lead=nation, deadline=deadline)
        for bit, unit in enumerate(units):
            if mask >> bit & 1:
                assignments.append(services.assignment_create(task=task, unit=unit))
    for which, offset, status, done_before, review in history:
        if not assignments:
            break
        day = START + timedelta(days=offset)
        report = services.report_submit(
            user=None,
            assignment=assignments[which % len(assignments)],
            status=status,
            effective_date=day,
            completed_on=day - timedelta(days=done_before) if status == ReportStatus.DONE else None,
            submitted_at=datetime.combine(day, time(9), f.TZ) + timedelta(minutes=which),
        )
        if review == ReviewState.ACCEPTED:
            services.report_accept(report=report, user=None)
        elif review == ReviewState.RETURNED:
            services.report_return(report=report, user=None, note="Trả lại.")
        elif review == ReviewState.WITHDRAWN:
            services.report_withdraw(report=report, user=None)
    ended = next((u for u in units if u.depth == 1 and not u.children.exists()), None)
    if era_day is not None and ended is not None:
        from projects import lineage

        Unit.objects.filter(pk=ended.pk).update(valid_to=era_day - timedelta(days=1))
        ended.refresh_from_db()
        successor = f.unit(f"{prefix}S", parent=nation, kind=ended.kind)
        Unit.objects.filter(pk=successor.pk).update(valid_from=era_day)
        successor.refresh_from_db()
        ended.successors.add(successor)
        lineage.carry_over(units=[ended], notify=False)
        units.append(successor)
    return programme, [nation, *units]


def _check(tree, tasks, history, days):
    programme, [nation, *units] = build_history(tree, tasks, history)

    as_of_days = [START + timedelta(days=offset) for offset in days]
    for day in as_of_days:
        rollups.recompute_programme(programme, day=day)
    for day in as_of_days:
        stored = {
            (row["unit_id"], row["view"]): row
            for row in StatusRollup.objects.filter(programme=programme, day=day).values(
                "unit_id", "view", *FIELDS
            )
        }
        for unit in [nation, *units]:
            for view in View:
                assert _row(stored.get((unit.pk, view))) == _brute_force(programme, unit, day, view), (
                    unit.code,
                    day,
                    view,
                )
        assert rollups.verify_programme(programme, day) == []
    _check_refresh(programme, units, as_of_days[-1])


def _rows(programme, day):
    return sorted(
        StatusRollup.objects.filter(programme=programme, day=day).values_list("unit_id", "view", *FIELDS)
    )


def _check_refresh(programme, units, day):
    """A refresh of the changed paths after an accept, then a unit move, equals a full recompute."""
    from projects.models import Report

    submitted = Report.objects.filter(
        programme=programme, review_state=ReviewState.SUBMITTED, assignment__isnull=False
    ).first()
    if submitted is not None:
        services.report_accept(report=submitted, user=None)
        _refresh_and_compare(programme, [submitted.assignment.unit.path], day)
    movable = [u for u in units if u.depth >= 2]
    if movable:
        unit = movable[-1]
        old_path = unit.path
        unit = services.unit_move(unit=unit, parent=Unit.objects.get(code="VN"))
        _refresh_and_compare(programme, [old_path, unit.path], day)


def _refresh_and_compare(programme, paths, day):
    rollups.refresh_paths(programme, paths, day=day)
    refreshed = _rows(programme, day)
    rollups.recompute_programme(programme, day=day)
    assert refreshed == _rows(programme, day), paths


def _row(row):
    return {name: row[name] for name in FIELDS} if row else dict.fromkeys(FIELDS, 0)


def _brute_force(programme, unit, day, view) -> dict:
    scope = {"programme": programme, "as_of": day, "view": view, "unit": unit}
    assignments = selectors.assignment_status_counts(**scope)
    tasks = selectors.task_status_counts(**scope)
    central = selectors.task_status_counts(**scope, unit_kinds=CENTRAL_KINDS)
    return {
        "assignments": assignments["total"],
        **{
            key: assignments[key]
            for key in ("done_on_time", "done_late", "overdue", "in_progress", "not_started")
        },
        "tasks": tasks["total"],
        "tasks_done": tasks["done"],
        "tasks_overdue": tasks["overdue"],
        "tasks_in_progress": tasks["in_progress"],
        "tasks_not_started": tasks["not_started"],
        "central_tasks": central["total"],
        "central_tasks_done": central["done"],
    }
