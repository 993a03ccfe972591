"""The national data set on both maps: the units of 2022 end with successors, the work crosses the change
once, and the figures on both sides agree with a fresh count (issue 9, item 7)."""

from datetime import date

import pytest
from django.db import transaction

from metrics import national, rollups
from metrics.models import StatusRollup
from projects import lineage
from projects.choices import UnitKind, View
from projects.models import Assignment, Programme, Report, Unit
from projects.selectors import assignments_with_status

pytestmark = pytest.mark.django_db

SCALE = 0.03  # the smallest scale that generates districts beside the demo's 18
SEED = 5
LAST_DAY = date(2025, 6, 30)
CHANGE = date(2025, 7, 1)


@pytest.fixture(scope="module")
def generated_once(django_db_setup, django_db_blocker):
    """Generated once for the module (half a minute), committed, and removed after it."""
    with django_db_blocker.unblock():
        national.generate(scale=SCALE, seed=SEED)
        yield
        with transaction.atomic():
            national.remove()


@pytest.fixture
def generated(generated_once, db):
    return Programme.objects.get(code=national.CODE)


def test_every_generated_unit_of_2022_ends_with_a_successor_of_the_next_day(generated):
    olds = Unit.objects.filter(code__startswith="X").prefetch_related("successors")
    assert olds.filter(kind=UnitKind.COMMUNE).exists() and olds.filter(kind=UnitKind.DISTRICT).exists()
    splits = 0
    for unit in olds:
        assert unit.valid_to == LAST_DAY, unit.code
        successors = list(unit.successors.all())
        assert successors, unit.code
        splits += len(successors) > 1
        for successor in successors:
            assert successor.valid_from == CHANGE and successor.valid_to is None, (unit.code, successor.code)
            # A district passes to a province of today, a commune to a real commune of today.
            expected = UnitKind.PROVINCE if unit.kind == UnitKind.DISTRICT else UnitKind.COMMUNE
            assert successor.kind == expected
    assert splits > 0, "some communes are split between two of today"
    # Both maps are there: 63 provinces before the change, 34 after.
    assert Unit.objects.valid_on(LAST_DAY).filter(kind=UnitKind.PROVINCE).count() == 63
    assert Unit.objects.valid_on(CHANGE).filter(kind=UnitKind.PROVINCE).count() == 34
    assert not Unit.objects.valid_on(CHANGE).filter(code__startswith="X").exists()


def test_the_work_crosses_the_change_once_on_today_s_map(generated):
    work = Assignment.objects.filter(task__programme=generated)
    before, after = work.valid_on(LAST_DAY), work.valid_on(CHANGE)
    assert before.count() == after.count()
    # From the change no assignment of an ended unit counts: all is on today's units.
    assert not after.filter(unit__valid_to__isnull=False).exists()
    assert not before.filter(valid_from=CHANGE).exists()
    carried = after.filter(valid_from=CHANGE)
    assert carried.count() == before.filter(unit__valid_to=LAST_DAY).count() > 0
    # Province-level tasks of ended provinces are carried to the province of today.
    assert carried.filter(unit__kind=UnitKind.PROVINCE, carried_from__unit__kind=UnitKind.PROVINCE).exists()
    # A split commune's work follows the plan: both of its successors take a share.
    split = [
        u
        for u in Unit.objects.filter(code__startswith="XC").prefetch_related("successors")
        if u.successors.count() > 1
    ]
    shares = set(carried.filter(carried_from__unit__in=split).values_list("unit_id", flat=True))
    assert len(shares) > 1
    # The successors report on from the change to today.
    assert Report.objects.filter(
        assignment__in=carried, carried_from__isnull=True, effective_date__gte=CHANGE
    ).exists()


def test_the_carry_over_is_the_project_s_own(generated):
    """projects.lineage.carry_over, run on the generated units, finds every assignment and report
    already carried: the set-based carry-over did exactly what it would have done."""
    ended = list(Unit.objects.filter(code__startswith="X"))
    result = lineage.carry_over(units=ended, notify=False)
    assert result.carried == 0 and result.reports == 0 and result.needs_plan == []
    assert result.already == Assignment.objects.filter(unit__in=ended, task__programme=generated).count()


def test_national_totals_across_the_change_differ_only_by_what_was_reported_on_the_day(generated):
    def statuses(day):
        rows = assignments_with_status(
            as_of=day, view=View.VERIFIED, queryset=Assignment.objects.filter(task__programme=generated)
        )
        return {a.carried_from_id or a.pk: (a.status, a.task.deadline) for a in rows.select_related("task")}

    reported_on_the_day = set(
        Report.objects.filter(
            programme=generated, effective_date=CHANGE, carried_from__isnull=True, assignment__isnull=False
        ).values_list("assignment__carried_from_id", flat=True)
    )
    old, new = statuses(LAST_DAY), statuses(CHANGE)
    assert old.keys() == new.keys()
    for key, (status, deadline) in old.items():
        if key in reported_on_the_day or deadline == LAST_DAY:
            continue  # a report of the day, or a deadline passing, may change it
        assert new[key][0] == status, key
    national_rows = {}
    for day in (LAST_DAY, CHANGE):
        rollups.recompute_programme(generated, day=day)
        national_rows[day] = StatusRollup.objects.get(
            programme=generated, day=day, view=View.VERIFIED, unit__code="VN"
        ).assignments
    assert national_rows[LAST_DAY] == national_rows[CHANGE] == len(old)


@pytest.mark.parametrize("day", [LAST_DAY, CHANGE, rollups.today(), date(2024, 6, 30)])
def test_stored_figures_agree_with_a_fresh_count_on_both_sides_of_the_change(generated, day):
    rollups.recompute_programme(generated, day=day)
    assert rollups.verify_programme(generated, day) == []


def test_the_same_seed_gives_the_same_rows_on_both_maps(generated):
    def rows():
        units = list(
            Unit.objects.filter(code__startswith="X")
            .order_by("pk")
            .values_list("pk", "code", "parent_id", "valid_to")
        )
        links = sorted(
            Unit.successors.through.objects.filter(from_unit__code__startswith="X").values_list(
                "from_unit_id", "to_unit_id"
            )
        )
        assignments = list(
            Assignment.objects.filter(task__programme__code=national.CODE)
            .order_by("pk")
            .values_list(
                "pk",
                "task__code",
                "unit_id",
                "valid_from",
                "valid_to",
                "carried_from_id",
                "verified_report_id",
                "reported_report_id",
            )
        )
        reports = list(
            Report.objects.filter(programme__code=national.CODE)
            .order_by("pk")
            .values_list(
                "pk",
                "assignment_id",
                "status",
                "effective_date",
                "review_state",
                "carried_from_id",
                "verified_until",
                "reported_until",
            )
        )
        return units, links, assignments, reports

    first = rows()
    with transaction.atomic():
        national.remove()
    national.generate(scale=SCALE, seed=SEED)
    assert rows() == first


def test_report_chains_of_carried_work_match_the_project_s_refresh(generated):
    """carry_batch.refresh_chains set the chains as projects.services.report_chains_refresh would."""
    from projects.services import report_chains_refresh

    carried = Assignment.objects.filter(task__programme=generated, carried_from__isnull=False)
    assert report_chains_refresh(assignment_ids=list(carried.values_list("pk", flat=True))) == 0
