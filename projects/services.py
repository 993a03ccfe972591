"""Writes of the write side. Every state change goes through one of these functions.

Each validates, saves, keeps the report chains (``verified_until`` / ``reported_until``) and the
assignment's latest reports in step, and tells the read side, in the same transaction, what changed.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import ReportStatus, ReviewState
from projects.models import Assignment, Goal, Programme, Report, Task, Unit
from projects.signals import assignments_changed
from projects.status import counting_review_states


class ReportConflict(Exception):
    """Another report landed on the assignment after the form was opened."""

    def __init__(self, assignment: Assignment, newer_report: Report | None):
        super().__init__(_("Another report was submitted for this assignment while you were writing yours."))
        self.assignment = assignment
        self.newer_report = newer_report


def _notify(*, programme_ids: Iterable[int], unit_paths: Iterable[str]) -> None:
    """Tell the read side, within this transaction, what changed (see projects.signals)."""
    assignments_changed.send(sender=Assignment, programme_ids=set(programme_ids), unit_paths=set(unit_paths))


# Units ---------------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(*, code: str, name: str, kind: str, parent: Unit | None = None, **fields) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=Unit.path_for(parent, code),
        depth=0 if parent is None else parent.depth + 1,
        **fields,
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Put a unit, with its whole subtree, under another parent."""
    if parent is not None and parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or its own subtree.")})
    old_path, new_path = unit.path, Unit.path_for(parent, unit.code)
    depth_change = (0 if parent is None else parent.depth + 1) - unit.depth
    affected_programmes = set(
        Assignment.objects.filter(unit__path__startswith=old_path).values_list(
            "task__programme_id", flat=True
        )
    )
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_change,
    )
    unit.parent = parent
    unit.save(update_fields=["parent"])
    unit.refresh_from_db()
    _notify(programme_ids=affected_programmes, unit_paths={old_path, new_path})
    return unit


# Assignments ---------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(*, task: Task, unit: Unit, deadline: date | None = None) -> Assignment:
    assignment = Assignment(
        task=task, unit=unit, deadline=deadline if deadline is not None else task.deadline
    )
    assignment.full_clean()
    assignment.save()
    _notify(programme_ids={task.programme_id}, unit_paths={unit.path})
    return assignment


@transaction.atomic
def assignment_set_deadline(*, assignment: Assignment, deadline: date | None) -> Assignment:
    assignment.deadline = deadline
    assignment.full_clean()
    assignment.save(update_fields=["deadline"])
    _notify(programme_ids={assignment.task.programme_id}, unit_paths={assignment.unit.path})
    return assignment


# Reports -------------------------------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    user,
    status: str,
    effective_date: date,
    assignment: Assignment | None = None,
    goal: Goal | None = None,
    programme: Programme | None = None,
    percent: int | None = None,
    completed_on: date | None = None,
    note: str = "",
    evidence_file=None,
    evidence_url: str = "",
    expected_version: int | None = None,
    submitted_at: datetime | None = None,
) -> Report:
    """Add a report on an assignment or a goal; it counts in the verified view once accepted.

    ``expected_version`` is the assignment's version when the form was opened: if another report
    has landed since, nothing is written and ReportConflict names the newer report.
    """
    if assignment is not None:
        assignment = assignment_lock(assignment.pk)
        if expected_version is not None and assignment.version != expected_version:
            newer = assignment.reports.order_by("-submitted_at", "-pk").first()
            raise ReportConflict(assignment, newer)
        programme_id = assignment.task.programme_id
    elif goal is not None:
        programme_id = goal.programme_id
    else:
        raise ValidationError(_("A report is about an assignment or a goal."))
    if programme is not None:
        programme_id = programme.pk
    if percent is None:
        percent = 100 if status == ReportStatus.DONE else 0
    report = Report(
        programme_id=programme_id,
        assignment=assignment,
        goal=goal,
        status=status,
        percent=percent,
        completed_on=completed_on,
        effective_date=effective_date,
        note=note,
        evidence_url=evidence_url,
        submitted_by=user,
        submitted_at=submitted_at or timezone.now(),
    )
    if evidence_file is not None:
        report.evidence_file = evidence_file
    report.full_clean()
    report.save()
    if assignment is not None:
        Assignment.objects.filter(pk=assignment.pk).update(version=F("version") + 1)
    _after_report_change(report)
    return report


def assignment_lock(pk: int) -> Assignment:
    """Lock an assignment's row for the rest of the transaction and return it, with its task and unit.

    Only the assignment's row is locked (``of=("self",)``): the task and unit rows are shared by every
    assignment of them and referenced by the rollup rows a flush writes (FOR KEY SHARE); locking them
    too made submissions and flushes wait on each other in a cycle (deadlocks).
    """
    return Assignment.objects.select_for_update(of=("self",)).select_related("task", "unit").get(pk=pk)


def _review(*, report: Report, user, state: str, note: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.review_state != ReviewState.SUBMITTED:
        raise ValidationError(_("This report has already been reviewed."))
    report.review_state = state
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_note = note
    report.full_clean()
    report.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    _after_report_change(report)
    return report


@transaction.atomic
def report_accept(*, report: Report, user, note: str = "") -> Report:
    """Accept a report: from now on it counts in the verified view."""
    return _review(report=report, user=user, state=ReviewState.ACCEPTED, note=note)


@transaction.atomic
def report_return(*, report: Report, user, note: str) -> Report:
    """Return a report to its reporter with a reason; it never counts."""
    if not note.strip():
        raise ValidationError({"review_note": _("Say why the report is returned.")})
    return _review(report=report, user=user, state=ReviewState.RETURNED, note=note)


@transaction.atomic
def report_withdraw(*, report: Report, user, note: str = "") -> Report:
    """Withdraw a report: it stays on record but no longer counts in either view."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.review_state == ReviewState.WITHDRAWN:
        return report
    report.review_state = ReviewState.WITHDRAWN
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_note = note
    report.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    _after_report_change(report)
    return report


def _after_report_change(report: Report) -> None:
    if report.assignment_id:
        report_chains_refresh(assignment_ids=[report.assignment_id])
        assignment = Assignment.objects.select_related("unit").get(pk=report.assignment_id)
        _notify(programme_ids={report.programme_id}, unit_paths={assignment.unit.path})
    else:
        report_chains_refresh(goal_ids=[report.goal_id])
        _notify(programme_ids={report.programme_id}, unit_paths=set())


# Report chains -------------------------------------------------------------------------------------


def report_chains_refresh(
    *,
    assignment_ids: Iterable[int] | None = None,
    goal_ids: Iterable[int] | None = None,
    programme: Programme | None = None,
    today: date | None = None,
) -> int:
    """Recompute each report's ``*_until`` dates and each assignment's latest reports.

    Set-based: one read of the reports concerned, then bulk updates of the rows that differ.
    Return the number of rows changed.
    """
    today = today or timezone.localdate()
    reports = Report.objects.all()
    if assignment_ids is not None:
        reports = reports.filter(assignment_id__in=list(assignment_ids))
    elif goal_ids is not None:
        reports = reports.filter(goal_id__in=list(goal_ids))
    elif programme is not None:
        reports = reports.filter(programme=programme)
    rows = reports.order_by("effective_date", "submitted_at", "pk").values_list(
        "pk",
        "assignment_id",
        "goal_id",
        "effective_date",
        "review_state",
        "verified_until",
        "reported_until",
    )
    timelines = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        timelines[(row[1], row[2])].append(row)

    verified_states = counting_review_states("verified")
    reported_states = counting_review_states("reported")
    changed_reports: list[Report] = []
    latest: dict[int, dict[str, int | None]] = {}
    for (assignment_id, _goal_id), timeline in timelines.items():
        until = {"verified": {}, "reported": {}}
        current = {"verified": None, "reported": None}
        for view, states in (("verified", verified_states), ("reported", reported_states)):
            chain = [row for row in timeline if row[4] in states]
            for index, row in enumerate(chain):
                successor = chain[index + 1] if index + 1 < len(chain) else None
                until[view][row[0]] = successor[3] if successor else None
                if row[3] <= today:
                    current[view] = row[0]
        for row in timeline:
            verified_until, reported_until = until["verified"].get(row[0]), until["reported"].get(row[0])
            if (verified_until, reported_until) != (row[5], row[6]):
                changed_reports.append(
                    Report(pk=row[0], verified_until=verified_until, reported_until=reported_until)
                )
        if assignment_id is not None:
            latest[assignment_id] = current
    Report.objects.bulk_update(changed_reports, ["verified_until", "reported_until"], batch_size=2000)

    changed_assignments = []
    if latest:
        stored = Assignment.objects.filter(pk__in=list(latest)).values_list(
            "pk", "verified_report_id", "reported_report_id"
        )
        for pk, verified_id, reported_id in stored.iterator(chunk_size=5000):
            want = latest[pk]
            if (verified_id, reported_id) != (want["verified"], want["reported"]):
                changed_assignments.append(
                    Assignment(
                        pk=pk, verified_report_id=want["verified"], reported_report_id=want["reported"]
                    )
                )
        Assignment.objects.bulk_update(
            changed_assignments, ["verified_report", "reported_report"], batch_size=2000
        )
    return len(changed_reports) + len(changed_assignments)


@transaction.atomic
def reports_import(*, reports: list[Report], user=None, accept: bool = False) -> int:
    """Add many checked reports at once (an import): one insert, one chain refresh, one notification.

    The reports must already be valid (projects.imports checks every row first). With ``accept``
    they are added as accepted by ``user``. Every assignment concerned has its version raised, so a
    form opened before the import sees a conflict. Return the number of reports added.
    """
    if not reports:
        return 0
    now = timezone.now()
    for report in reports:
        report.submitted_by = user
        report.submitted_at = report.submitted_at or now
        if report.programme_id is None and report.assignment_id is not None:
            report.programme_id = report.assignment.task.programme_id
        if accept:
            report.review_state = ReviewState.ACCEPTED
            report.reviewed_by = user
            report.reviewed_at = now
    assignment_ids = sorted({r.assignment_id for r in reports if r.assignment_id})
    _imported_chains_preset(reports, assignment_ids)
    Report.objects.bulk_create(reports, batch_size=2000)
    goal_ids = sorted({r.goal_id for r in reports if r.goal_id})
    unit_paths: set[str] = set()
    # In chunks: SQLite limits the number of parameters of one query.
    for start in range(0, len(assignment_ids), 2000):
        chunk = assignment_ids[start : start + 2000]
        Assignment.objects.filter(pk__in=chunk).update(version=F("version") + 1)
        report_chains_refresh(assignment_ids=chunk)
        unit_paths.update(Unit.objects.filter(assignments__pk__in=chunk).values_list("path", flat=True))
    if goal_ids:
        report_chains_refresh(goal_ids=goal_ids)
    _notify(programme_ids={r.programme_id for r in reports}, unit_paths=unit_paths)
    return len(reports)


def _imported_chains_preset(reports: list[Report], assignment_ids: list[int]) -> None:
    """Give new (unsaved) assignment reports their ``*_until`` dates before they are inserted.

    Only a speed-up for large imports: report_chains_refresh() afterwards stays the authority, but
    then finds just the few existing reports whose successor changed, instead of updating every
    new row one by one. Order is that of report_chains_refresh: effective date, submission time,
    then insertion order (new rows get higher keys than every existing one).
    """
    new_by_assignment = defaultdict(list)
    for index, report in enumerate(reports):
        if report.assignment_id:
            new_by_assignment[report.assignment_id].append(
                (report.effective_date, report.submitted_at, (1, index), report.review_state, report)
            )
    views = (
        ("verified_until", counting_review_states("verified")),
        ("reported_until", counting_review_states("reported")),
    )
    for start in range(0, len(assignment_ids), 2000):
        chunk = assignment_ids[start : start + 2000]
        timelines = {assignment_id: list(new_by_assignment[assignment_id]) for assignment_id in chunk}
        existing = Report.objects.filter(assignment_id__in=chunk).values_list(
            "pk", "assignment_id", "effective_date", "submitted_at", "review_state"
        )
        for pk, assignment_id, effective_date, submitted_at, state in existing.iterator(chunk_size=5000):
            timelines[assignment_id].append((effective_date, submitted_at, (0, pk), state, None))
        for timeline in timelines.values():
            timeline.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
            for field, states in views:
                chain = [entry for entry in timeline if entry[3] in states]
                for position, entry in enumerate(chain):
                    if entry[4] is not None:
                        successor = chain[position + 1] if position + 1 < len(chain) else None
                        setattr(entry[4], field, successor[0] if successor else None)
