"""Writes of the write side. Every state change goes through one of these functions.

Each validates, saves, keeps the report chains (``verified_until`` / ``reported_until``) and the
assignment's latest reports in step, and tells the read side, in the same transaction, what changed.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Value
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


# While notifications_coalesced() is open: what the writes inside it changed, sent once at its end.
_coalesced: ContextVar[tuple[set[int], set[str]] | None] = ContextVar("coalesced", default=None)


@contextmanager
def notifications_coalesced() -> Iterator[None]:
    """Send one ``assignments_changed`` for every write inside the block, on commit, instead of one each.

    A batch of a thousand reviews then marks its paths pending once and enqueues one rollup refresh.
    """
    if _coalesced.get() is not None:
        yield
        return
    token = _coalesced.set((set(), set()))
    try:
        yield
        programme_ids, unit_paths = _coalesced.get()
    finally:
        _coalesced.reset(token)
    if programme_ids:
        _notify(programme_ids=programme_ids, unit_paths=unit_paths)


def _notify(*, programme_ids: Iterable[int], unit_paths: Iterable[str]) -> None:
    """Tell the read side, within this transaction, what changed (see projects.signals).

    Inside notifications_coalesced() the changes are gathered and told once, at the block's end.
    """
    programme_ids, unit_paths = set(programme_ids), set(unit_paths)
    pending = _coalesced.get()
    if pending is not None:
        pending[0].update(programme_ids)
        pending[1].update(unit_paths)
        return
    assignments_changed.send(sender=Assignment, programme_ids=programme_ids, unit_paths=unit_paths)


def notify_assignments_changed(*, programme_ids: Iterable[int], unit_paths: Iterable[str]) -> None:
    """Tell the read side that these programmes' assignments on these paths changed (see _notify)."""
    _notify(programme_ids=programme_ids, unit_paths=unit_paths)


# Units ---------------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(*, code: str, name: str, kind: str, parent: Unit | None = None, **fields) -> Unit:
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=Unit.path_for(parent, code, fields.get("valid_from")),
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
    old_path, new_path = unit.path, Unit.path_for(parent, unit.code, unit.valid_from)
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
        _check_validity(assignment, effective_date)
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


def _check_validity(assignment: Assignment, effective_date: date) -> None:
    """Refuse a report dated outside the days an assignment counts for its unit (projects.lineage)."""
    if assignment.valid_to is not None and effective_date > assignment.valid_to:
        successor = assignment.carried_to.select_related("unit").first()
        raise ValidationError(
            {
                "effective_date": _(
                    "%(unit)s ended on %(day)s; from the next day this assignment is %(successor)s's: "
                    "report there."
                )
                % {
                    "unit": assignment.unit.name,
                    "day": assignment.valid_to.strftime("%d/%m/%Y"),
                    "successor": successor.unit.name if successor else "?",
                }
            }
        )
    if assignment.valid_from is not None and effective_date < assignment.valid_from:
        raise ValidationError(
            {
                "effective_date": _(
                    "This assignment passed to %(unit)s on %(day)s; report earlier days on its predecessor's."
                )
                % {"unit": assignment.unit.name, "day": assignment.valid_from.strftime("%d/%m/%Y")}
            }
        )


class ReviewRefused(ValidationError):
    """A review was refused, and nothing of it written; ``refused`` maps report id → reasons."""

    def __init__(self, refused: dict[int, list[str]]):
        super().__init__([message for messages in refused.values() for message in messages])
        self.refused = refused


REVIEW_FIELDS = ["review_state", "reviewed_by", "reviewed_at", "review_note"]


def _review(*, reports: Iterable[Report], user, state: str, note: str) -> list[Report]:
    """Give reports awaiting review a review state, all or none: the one way a report is accepted or returned.

    One report or a thousand take the same steps: the rows are locked in one order (two reviews never
    wait on each other crosswise), every report that is no longer awaiting review is named before
    anything is written, then each gets its reviewer, time and note, with its entry in the review trail
    (django-simple-history), its report chain is brought up to date, and the read side hears of the
    whole review once, on commit.
    """
    ids = sorted({report.pk for report in reports})
    locked = {
        report.pk: report for report in Report.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    refused = {
        pk: [_("This report has already been reviewed.")]
        for pk in ids
        if pk not in locked or locked[pk].review_state != ReviewState.SUBMITTED
    }
    refused.update(
        {
            pk: [_("A carried report follows its original; review the original.")]
            for pk, report in locked.items()
            if report.carried_from_id is not None
        }
    )
    if refused:
        raise ReviewRefused(refused)
    now = timezone.now()
    # Only the review fields change; the reviewer is a user already read, not a key to look up per report.
    unchanged = [f.name for f in Report._meta.fields if f.name not in REVIEW_FIELDS] + ["reviewed_by"]
    for report in locked.values():
        report.review_state = state
        report.reviewed_by = user
        report.reviewed_at = now
        report.review_note = note
        report.clean_fields(exclude=unchanged)
    reviewed = [locked[pk] for pk in ids]
    # Every report of one review gets the same values: one UPDATE, and one trail entry each.
    Report.objects.filter(pk__in=ids).update(
        review_state=state, reviewed_by=user, reviewed_at=now, review_note=note
    )
    Report.history.bulk_history_create(reviewed, update=True, default_user=user, default_date=now)
    _after_reports_change(reviewed)
    return reviewed


@transaction.atomic
def report_accept(*, report: Report, user, note: str = "") -> Report:
    """Accept a report: from now on it counts in the verified view."""
    return _review(reports=[report], user=user, state=ReviewState.ACCEPTED, note=note)[0]


@transaction.atomic
def report_return(*, report: Report, user, note: str) -> Report:
    """Return a report to its reporter with a reason; it never counts."""
    if not note.strip():
        raise ValidationError({"review_note": _("Say why the report is returned.")})
    return _review(reports=[report], user=user, state=ReviewState.RETURNED, note=note)[0]


@transaction.atomic
def reports_review(*, reports: Iterable[Report], user, accept: bool, note: str = "") -> list[Report]:
    """Accept (or return, with a reason) many reports at once, all or none, exactly as one by one would.

    The same steps as report_accept() and report_return(): see _review(). Raise ReviewRefused naming
    every report that could not be reviewed.
    """
    if not accept and not note.strip():
        raise ValidationError({"review_note": _("Say why the report is returned.")})
    state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
    return _review(reports=list(reports), user=user, state=state, note=note)


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
    _after_reports_change([report])


def _after_reports_change(reports: list[Report]) -> None:
    """Bring the report chains of the reports' assignments and goals up to date; tell the read side once.

    A report on an assignment that was carried to a successor (projects.lineage) has copies there that
    follow its review: they change too, and so do the successors' figures.
    """
    assignment_ids = sorted({r.assignment_id for r in reports if r.assignment_id})
    goal_ids = sorted({r.goal_id for r in reports if r.goal_id})
    if assignment_ids:
        report_chains_refresh(assignment_ids=assignment_ids)
    if goal_ids:
        report_chains_refresh(goal_ids=goal_ids)
    ended = set(
        Assignment.objects.filter(pk__in=assignment_ids, valid_to__isnull=False).values_list("pk", flat=True)
    )
    if ended:
        from projects import lineage

        lineage.follow_originals([report for report in reports if report.assignment_id in ended])
    unit_paths = set(
        Unit.objects.filter(
            Q(assignments__pk__in=assignment_ids) | Q(assignments__carried_from__in=ended)
        ).values_list("path", flat=True)
    )
    _notify(programme_ids={r.programme_id for r in reports}, unit_paths=unit_paths)


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
    _bulk_set(Report, changed_reports, ["verified_until", "reported_until"])

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
        _bulk_set(Assignment, changed_assignments, ["verified_report_id", "reported_report_id"])
    return len(changed_reports) + len(changed_assignments)


def _bulk_set(model, objects: list, fields: list[str]) -> None:
    """Write each object's own values of some fields: on PostgreSQL one UPDATE … FROM (VALUES …) per
    thousand rows, since Django's bulk_update builds a CASE per field and row, which costs seconds for
    the thousand reports of a bulk review; elsewhere bulk_update."""
    if not objects:
        return
    columns = [model._meta.get_field(name).column for name in fields]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, [model._meta.get_field(n).name for n in fields], batch_size=500)
        return
    types = [model._meta.get_field(name).db_type(connection) for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = v.c{i}" for i, c in enumerate(columns))
    row = "(%s, " + ", ".join(f"%s::{t}" for t in types) + ")"
    names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
    with connection.cursor() as cursor:
        for start in range(0, len(objects), 1000):
            chunk = objects[start : start + 1000]
            sql = (
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 (names from the model; values are parameters)
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) WHERE t.id = v.id"
            )
            params = [value for obj in chunk for value in (obj.pk, *(getattr(obj, n) for n in fields))]
            cursor.execute(sql, params)


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
