"""Lineage that carries work across a change of the map: assignments, their state, and memberships.

When a unit ends (``valid_to``, its last day L) and names its successors, each of its assignments of
a programme still running on L + 1 passes to a successor:

- the original assignment ends on L (``valid_to``); a new assignment of the successor begins on L + 1
  (``valid_from``) with ``carried_from`` naming the original. As of any day exactly one of the two
  counts (selectors and rollups count only assignments valid on the day), so nothing is counted
  twice or lost;
- the state passes with it: the original's latest accepted report as of L, and its latest report
  counting in the reported view, are copied onto the new assignment as carried reports
  (``Report.carried_from``) with the same status, dates and review state. Reports made before stay
  with the unit that made them. A carried report is never reviewed itself: when its original is
  accepted, returned or withdrawn, the copy follows (follow_original), and it never enters a review
  queue;
- a unit with one successor passes everything to it; a unit with several (a commune split among
  several) passes each assignment as a carry-over plan says (read_plan): without a plan entry the
  assignment stays where it is and is listed, so that a dry run shows what the plan must decide;
- memberships follow: a viewer or reporter of the ended unit gets the same role in each successor of
  the same kind from L + 1 (a district's reporters do not become their province's: the programme
  office grants that). The old membership stays, for the record of what they reported.

Programmes that ended before L + 1 keep their assignments on the map they ran on. Everything here is
idempotent: applying the same change or plan twice changes nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import transaction

from projects.choices import ReviewState, Role
from projects.models import Assignment, Membership, Report, Unit

CARRIED_STATES = (ReviewState.ACCEPTED, ReviewState.SUBMITTED)
REPORT_FIELDS = (
    "programme_id",
    "status",
    "percent",
    "completed_on",
    "effective_date",
    "note",
    "evidence_url",
    "submitted_by_id",
    "submitted_at",
    "review_state",
    "reviewed_by_id",
    "reviewed_at",
    "review_note",
)


class PlanError(ValueError):
    """A carry-over plan names a unit, task or successor that does not fit the lineage."""


@dataclass
class CarryResult:
    carried: int = 0
    already: int = 0
    reports: int = 0
    memberships: int = 0
    needs_plan: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"assignments carried to successors: {self.carried} (already carried: {self.already}), "
            f"reports carried: {self.reports}, memberships added: {self.memberships}"
        ]
        if self.needs_plan:
            lines.append(
                f"assignments left where they are, waiting for a carry-over plan: {len(self.needs_plan)}"
            )
            lines += [f"  {line}" for line in self.needs_plan[:50]]
        return lines

    def add(self, other: CarryResult) -> None:
        self.carried += other.carried
        self.already += other.already
        self.reports += other.reports
        self.memberships += other.memberships
        self.needs_plan += other.needs_plan


# Plans ---------------------------------------------------------------------------------------------


def read_plan(path: str | Path) -> dict[tuple[str, str, str], str]:
    """Read a carry-over plan: (programme code, task code, ended unit code) → successor unit code.

    CSV with the header ``programme,task,unit,successor``, or JSON: a list of objects with those keys.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    rows = json.loads(text) if path.suffix.lower() == ".json" else list(csv.DictReader(text.splitlines()))
    plan = {}
    for number, row in enumerate(rows, start=2):
        try:
            key = (row["programme"].strip(), row["task"].strip(), row["unit"].strip().upper())
            plan[key] = row["successor"].strip().upper()
        except (KeyError, AttributeError) as error:
            raise PlanError(f"row {number}: needs programme, task, unit and successor") from error
    return plan


def _plan_successor(plan: dict, assignment: Assignment, successors: list[Unit]) -> Unit | None:
    key = (assignment.task.programme.code, assignment.task.code, assignment.unit.code)
    code = plan.get(key)
    if code is None:
        return None
    for successor in successors:
        if successor.code == code:
            return successor
    names = ", ".join(f"{s.code} {s.name}" for s in successors)
    raise PlanError(f"{'/'.join(key)}: {code} is not a successor of {assignment.unit.name} ({names})")


# Carry-over ----------------------------------------------------------------------------------------


def _open_on(assignment: Assignment, first_day) -> bool:
    programme = assignment.task.programme
    return programme.end is None or programme.end >= first_day


@transaction.atomic
def carry_over(*, units: Iterable[Unit], plan: dict | None = None, notify: bool = True) -> CarryResult:
    """Pass the assignments, their state and the memberships of ended units to their successors.

    Set-based: a handful of queries whatever the number of units, so that a whole map change (ten
    thousand communes) carries in one pass.
    """
    plan = plan or {}
    result = CarryResult()
    units = {unit.pk: unit for unit in units if unit.valid_to is not None}
    successors: dict[int, list[Unit]] = {pk: [] for pk in units}
    for link in Unit.successors.through.objects.filter(from_unit_id__in=list(units)).select_related(
        "to_unit"
    ):
        successors[link.from_unit_id].append(link.to_unit)
    for items in successors.values():
        items.sort(key=lambda u: u.path)
    units = {pk: unit for pk, unit in units.items() if successors[pk]}
    assignments = [
        a
        for a in Assignment.objects.filter(unit_id__in=list(units))
        .select_related("task__programme", "unit")
        .order_by("task__programme__code", "task__code", "pk")
        if (a.valid_from is None or a.valid_from <= a.unit.valid_to)
        and (a.valid_to is None or a.valid_to == a.unit.valid_to)
        and _open_on(a, a.unit.valid_to + timedelta(days=1))
    ]
    carried_by_original = {
        c.carried_from_id: c
        for c in Assignment.objects.filter(carried_from__in=assignments).select_related("unit")
    }
    pairs: list[tuple[Assignment, Assignment]] = []
    new: list[tuple[Assignment, Assignment]] = []
    for assignment in assignments:
        unit = units[assignment.unit_id]
        carried = carried_by_original.get(assignment.pk)
        if carried is not None:
            result.already += 1
            pairs.append((assignment, carried))
            continue
        options = successors[unit.pk]
        successor = options[0] if len(options) == 1 else _plan_successor(plan, assignment, options)
        if successor is None:
            result.needs_plan.append(
                f"{assignment.task.programme.code}/{assignment.task.code}/{unit.code} {unit.name}: "
                + " | ".join(f"{s.code} {s.name}" for s in options)
            )
            continue
        carried = Assignment(
            task=assignment.task,
            unit=successor,
            deadline=assignment.deadline,
            valid_from=unit.valid_to + timedelta(days=1),
            carried_from=assignment,
        )
        new.append((assignment, carried))
    Assignment.objects.bulk_create([c for _a, c in new], batch_size=2000)
    for assignment, _c in new:
        assignment.valid_to = assignment.unit.valid_to
    Assignment.objects.bulk_update([a for a, _c in new], ["valid_to"], batch_size=2000)
    result.carried = len(new)
    pairs += new
    for unit in units.values():
        result.memberships += _follow_memberships(unit, successors[unit.pk])
    result.reports += carry_reports(pairs)
    if new and notify:
        _notify(new)
    return result


def _notify(pairs) -> None:
    from projects.services import notify_assignments_changed

    notify_assignments_changed(
        programme_ids={a.task.programme_id for a, _c in pairs},
        unit_paths={u.path for a, c in pairs for u in (a.unit, c.unit)},
    )


def carry_reports(pairs: Iterable[tuple[Assignment, Assignment]]) -> int:
    """Copy onto each carried assignment its original's latest accepted report and latest counting
    report of the reported view as of the original's last day; return how many copies were added."""
    from projects.services import report_chains_refresh

    pairs = list(pairs)
    if not pairs:
        return 0
    last_day = {a.pk: a.valid_to for a, _c in pairs}
    latest: dict[tuple[int, str], Report] = {}
    reports = Report.objects.filter(
        assignment_id__in=list(last_day), review_state__in=CARRIED_STATES
    ).order_by("effective_date", "submitted_at", "pk")
    for report in reports.iterator(chunk_size=5000):
        if report.effective_date > last_day[report.assignment_id]:
            continue
        latest[report.assignment_id, "reported"] = report
        if report.review_state == ReviewState.ACCEPTED:
            latest[report.assignment_id, "verified"] = report
    have = set(
        Report.objects.filter(assignment__in=[c for _a, c in pairs], carried_from__isnull=False).values_list(
            "assignment_id", "carried_from_id"
        )
    )
    copies = []
    for original, carried in pairs:
        wanted = {latest.get((original.pk, view)) for view in ("verified", "reported")} - {None}
        for report in sorted(wanted, key=lambda r: r.pk):
            if (carried.pk, report.pk) in have:
                continue
            copies.append(
                Report(
                    assignment=carried,
                    carried_from=report,
                    **{name: getattr(report, name) for name in REPORT_FIELDS},
                )
            )
    Report.objects.bulk_create(copies, batch_size=2000)
    if copies:
        report_chains_refresh(assignment_ids={c.assignment_id for c in copies})
    return len(copies)


def follow_original(report: Report) -> None:
    """Make the carried copies of a report follow its review, and carry a newer state if there is one."""
    copies = list(report.carried_copies.all())
    for copy in copies:
        if copy.review_state == report.review_state:
            continue
        copy.review_state = report.review_state
        copy.reviewed_by_id = report.reviewed_by_id
        copy.reviewed_at = report.reviewed_at
        copy.review_note = report.review_note
        copy.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    if report.assignment_id is None:
        return
    original = Assignment.objects.get(pk=report.assignment_id)
    pairs = [(original, carried) for carried in original.carried_to.all()] if original.valid_to else []
    added = carry_reports(pairs) if pairs else 0
    if copies and not added:
        from projects.services import report_chains_refresh

        report_chains_refresh(assignment_ids={copy.assignment_id for copy in copies})


def _follow_memberships(unit: Unit, successors: list[Unit]) -> int:
    same_kind = [s for s in successors if s.kind == unit.kind]
    added = 0
    for membership in Membership.objects.filter(unit=unit, role__in=[Role.VIEWER, Role.REPORTER]):
        for successor in same_kind:
            _obj, created = Membership.objects.get_or_create(
                user_id=membership.user_id,
                role=membership.role,
                unit=successor,
                programme=membership.programme,
            )
            added += created
    return added
