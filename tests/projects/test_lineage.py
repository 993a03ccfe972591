"""Lineage that carries work across the change of 01/07/2025: counted once, nothing lost, plans checked."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from metrics import rollups
from projects import lineage, selectors, services, unit_map
from projects.choices import AssignmentStatus, ReportStatus, ReviewState, View
from projects.models import Assignment, Membership, Programme, Report, Unit
from tests import factories as f

pytestmark = pytest.mark.django_db

LAST_DAY = date(2025, 6, 30)
FIRST_DAY = date(2025, 7, 1)
DONE = (AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE)


def _open_ha_giang_assignment() -> Assignment:
    """An assignment of Hà Giang (02) not done on its last day, in the verified view."""
    da06 = Programme.objects.get(code="DA06")
    ha_giang = selectors.unit_for_code("02", on=LAST_DAY)
    rows = selectors.assignments_with_status(
        as_of=LAST_DAY, queryset=Assignment.objects.filter(unit=ha_giang, task__programme=da06)
    ).order_by("task__code")
    return next(a for a in rows if a.status not in DONE)


def _holders(assignment: Assignment, day: date) -> list[Assignment]:
    """The assignments that count a given original's work on a day: it, or what carries it."""
    chain = Assignment.objects.filter(pk=assignment.pk) | Assignment.objects.filter(carried_from=assignment)
    return list(chain.valid_on(day))


def test_an_open_ha_giang_assignment_counts_for_tuyen_quang_exactly_once_from_the_change():
    original = _open_ha_giang_assignment()
    tuyen_quang = selectors.unit_for_code("08", on=FIRST_DAY)
    carried = original.carried_to.get()
    assert (carried.unit, carried.valid_from, carried.task, carried.deadline) == (
        tuyen_quang,
        FIRST_DAY,
        original.task,
        original.deadline,
    )
    assert original.valid_to == LAST_DAY
    assert _holders(original, LAST_DAY) == [original]
    assert _holders(original, FIRST_DAY) == [carried]
    # Counted in Tuyên Quang's subtree from 01/07/2025, in no subtree of Hà Giang's any more.
    for day in (FIRST_DAY, date(2026, 1, 5)):
        in_tuyen_quang = selectors.programme_assignments(programme=original.task.programme, unit=tuyen_quang)
        ids = set(
            selectors.assignments_with_status(as_of=day, queryset=in_tuyen_quang).values_list("pk", flat=True)
        )
        assert carried.pk in ids and original.pk not in ids
    # Its state passed with it: the same status on either side of the change.
    for view in View:
        assert selectors.assignment_status_as_of(carried, as_of=FIRST_DAY, view=view) == (
            selectors.assignment_status_as_of(original, as_of=LAST_DAY, view=view)
        )
    # Reports made before stay with the unit that made them; the copies name their originals.
    before = carried.reports.filter(effective_date__lte=LAST_DAY)
    assert before.exists() and all(r.carried_from.assignment_id == original.pk for r in before)
    assert not original.reports.filter(carried_from__isnull=False).exists()


def test_national_totals_across_the_change_differ_only_by_what_was_reported_between():
    da06 = Programme.objects.get(code="DA06")
    nation = selectors.unit_for_code("VN", on=FIRST_DAY)
    before, after = (
        selectors.assignment_status_counts(programme=da06, as_of=day, unit=nation)
        for day in (LAST_DAY, FIRST_DAY)
    )
    # The demo reports nothing on 01/07/2025, so nothing moves but the map.
    assert not Report.objects.filter(
        programme=da06, effective_date=FIRST_DAY, carried_from__isnull=True
    ).exists()
    assert before == after
    # The rollups say the same as the selectors on both days.
    for day in (LAST_DAY, FIRST_DAY):
        rollups.recompute_programme(da06, day=day)
        assert rollups.verify_programme(da06, day) == []
    # A report made on the first day moves exactly one assignment.
    carried = _open_ha_giang_assignment().carried_to.get()
    report = services.report_submit(
        user=f.UserFactory(),
        assignment=carried,
        status=ReportStatus.DONE,
        percent=100,
        completed_on=FIRST_DAY,
        effective_date=FIRST_DAY,
    )
    services.report_accept(report=report, user=None)
    moved = selectors.assignment_status_counts(programme=da06, as_of=FIRST_DAY, unit=nation)
    assert moved["total"] == before["total"]
    done_before = before["done_on_time"] + before["done_late"]
    assert moved["done_on_time"] + moved["done_late"] == done_before + 1


def test_a_carried_report_follows_its_original_and_is_not_in_the_review_queue():
    original = _open_ha_giang_assignment()
    admin = f.UserFactory(username="lineage-admin", is_superuser=True)
    pending = services.report_submit(
        user=admin,
        assignment=original,
        status=ReportStatus.DONE,
        percent=100,
        completed_on=LAST_DAY - timedelta(days=5),
        effective_date=LAST_DAY - timedelta(days=5),
    )
    carried = original.carried_to.get()
    copy = pending.carried_copies.get()
    assert (copy.assignment, copy.review_state) == (carried, ReviewState.SUBMITTED)
    assert copy not in selectors.review_queue(admin) and pending in selectors.review_queue(admin)
    assert selectors.assignment_status_as_of(carried, as_of=FIRST_DAY, view=View.REPORTED) in DONE
    services.report_return(report=pending, user=admin, note="Thiếu minh chứng.")
    copy.refresh_from_db()
    assert copy.review_state == ReviewState.RETURNED
    assert selectors.assignment_status_as_of(carried, as_of=FIRST_DAY, view=View.REPORTED) not in DONE
    # A report on the ended assignment for a day after the change goes to the successor instead.
    with pytest.raises(Exception, match="Tuyên Quang"):
        services.report_submit(
            user=admin, assignment=original, status=ReportStatus.IN_PROGRESS, effective_date=FIRST_DAY
        )


def _pending_on_ha_giang(admin, count: int) -> list[Report]:
    """Reports awaiting review, one on each of ``count`` of Hà Giang's carried assignments, before the change."""
    ha_giang = selectors.unit_for_code("02", on=LAST_DAY)
    open_ones = list(
        Assignment.objects.filter(unit=ha_giang, task__programme__code="DA06", carried_to__isnull=False)
        .distinct()
        .order_by("task__code")
    )
    assert len(open_ones) >= count
    day = LAST_DAY - timedelta(days=3)
    return [
        services.report_submit(
            user=admin, assignment=a, status=ReportStatus.DONE, percent=100, completed_on=day, effective_date=day
        )
        for a in open_ones[:count]
    ]


def test_a_bulk_review_moves_every_carried_copy_in_queries_that_do_not_grow_with_it():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = f.UserFactory(username="lineage-bulk", is_superuser=True)
    pending = _pending_on_ha_giang(admin, 4)
    queries = []
    for batch in (pending[:1], pending[1:]):
        with CaptureQueriesContext(connection) as captured:
            services.reports_review(reports=batch, user=admin, accept=True)
        queries.append(len(captured))
    assert queries[0] == queries[1], queries
    for report in pending:
        copy = report.carried_copies.get()
        assert (copy.review_state, copy.reviewed_by) == (ReviewState.ACCEPTED, admin)
        # Each copy's trail has the review, by the original's reviewer.
        assert copy.history.first().history_user == admin
        assert copy.history.first().review_state == ReviewState.ACCEPTED
        carried = copy.assignment
        assert selectors.assignment_status_as_of(carried, as_of=FIRST_DAY, view=View.VERIFIED) in DONE
    # The successor's figures equal a count from the reports, as one by one would leave them.
    da06 = Programme.objects.get(code="DA06")
    rollups.recompute_programme(da06, day=FIRST_DAY)
    assert rollups.verify_programme(da06, FIRST_DAY) == []


def test_reporters_follow_their_unit():
    hagiang = Membership.objects.filter(user__username="hagiang", role="reporter")
    assert {m.unit for m in hagiang} == {
        selectors.unit_for_code("02", on=LAST_DAY),
        selectors.unit_for_code("08", on=FIRST_DAY),
    }


# A split: one commune into two, decided by a plan --------------------------------------------------------


@pytest.fixture
def split(tmp_path):
    """A commune of 2022 with two assignments, split among two communes of today."""
    da06 = Programme.objects.get(code="DA06")
    district = selectors.unit_for_code("001", on=LAST_DAY)
    commune = f.unit("99901", parent=district, kind="commune", name="Xã Chia Đôi")
    Unit.objects.filter(pk=commune.pk).update(valid_to=LAST_DAY)
    commune.refresh_from_db()
    east, west = (selectors.unit_for_code(code, on=FIRST_DAY) for code in ("00004", "00008"))
    commune.successors.add(east, west)
    tasks = list(da06.tasks.order_by("code")[:2])
    for task in tasks:
        services.assignment_create(task=task, unit=commune)
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "programme,task,unit,successor\n"
        f"DA06,{tasks[0].code},99901,{east.code}\n"
        f"DA06,{tasks[1].code},99901,{west.code}\n",
        encoding="utf-8",
    )
    return {"commune": commune, "east": east, "west": west, "tasks": tasks, "plan": plan}


def _state():
    return (
        sorted(Assignment.objects.values_list("pk", "unit_id", "valid_from", "valid_to", "carried_from_id")),
        sorted(Report.objects.values_list("pk", "assignment_id", "review_state")),
        Membership.objects.count(),
    )


def test_a_split_waits_for_its_plan(split):
    result = lineage.carry_over(units=[split["commune"]])
    assert result.carried == 0 and len(result.needs_plan) == 2
    assert all("Xã Chia Đôi" in line for line in result.needs_plan)


def test_a_plans_dry_run_writes_nothing(split, capsys):
    before = _state()
    call_command("load_units", "--dry-run", "--plan", str(split["plan"]), verbosity=0)
    assert "phân công chuyển cho đơn vị kế thừa: 2 " in capsys.readouterr().out
    assert _state() == before


def test_applying_a_plan_twice_changes_nothing(split):
    plan = lineage.read_plan(split["plan"])
    first = lineage.carry_over(units=[split["commune"]], plan=plan)
    assert first.carried == 2 and not first.needs_plan
    by_task = {a.task_id: a.unit for a in Assignment.objects.filter(carried_from__unit=split["commune"])}
    assert by_task == {split["tasks"][0].pk: split["east"], split["tasks"][1].pk: split["west"]}
    after_first = _state()
    second = lineage.carry_over(units=[split["commune"]], plan=plan)
    assert (second.carried, second.already, second.reports) == (0, 2, 0)
    assert _state() == after_first
    assert unit_map.load_map().carry.carried == 0
    assert _state() == after_first


def test_a_plan_naming_a_unit_that_is_no_successor_is_refused(split, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"programme,task,unit,successor\nDA06,{split['tasks'][0].code},99901,00070\n", encoding="utf-8"
    )
    with pytest.raises(lineage.PlanError, match="not a successor"):
        lineage.carry_over(units=[split["commune"]], plan=lineage.read_plan(bad))
