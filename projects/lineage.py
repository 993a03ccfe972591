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
  accepted, returned or withdrawn, the copy follows (follow_originals), and it never enters a review
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
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from projects.choices import ReviewState, Role
from projects.display import grouped
from projects.models import Assignment, Membership, Report, Task, Unit

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
    """A carry-over plan names a unit, task or successor that does not fit the lineage.

    ``problems`` holds one message per bad row ("line 3: …"), so that a command prints them all.
    """

    def __init__(self, *problems: str):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class Plan(dict):
    """A carry-over plan: (programme code, task code, ended unit code) → successor unit code.

    A dict, with where each row came from (``where[key]``: "line 3", "entry 2") for the messages.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.where: dict[tuple[str, str, str], str] = {}


@dataclass
class CarryResult:
    carried: int = 0
    already: int = 0
    reports: int = 0
    memberships: int = 0
    needs_plan: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the outcome in the active language (Vietnamese unless English is asked for)."""
        lines = [
            _(
                "assignments carried to successors: %(carried)s (already carried: %(already)s), "
                "reports carried: %(reports)s, memberships added: %(memberships)s"
            )
            % {
                "carried": grouped(self.carried),
                "already": grouped(self.already),
                "reports": grouped(self.reports),
                "memberships": grouped(self.memberships),
            }
        ]
        if self.needs_plan:
            lines.append(
                _("assignments left where they are, waiting for a carry-over plan: %(count)s")
                % {"count": grouped(len(self.needs_plan))}
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


PLAN_COLUMNS = ("programme", "task", "unit", "successor")


def read_plan(path: str | Path) -> dict[tuple[str, str, str], str]:
    """Read a carry-over plan: (programme code, task code, ended unit code) → successor unit code.

    CSV with the header ``programme,task,unit,successor``, or JSON: a list of objects with those keys.
    Return a Plan (a dict that also knows each row's line); raise PlanError naming every bad row.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanError(_("%(file)s is not UTF-8 text.") % {"file": path.name}) from error
    rows = _json_rows(text, path) if path.suffix.lower() == ".json" else _csv_rows(text, path)
    plan, problems = Plan(), []
    for where, row in rows:
        values = {column: str(row.get(column) or "").strip() for column in PLAN_COLUMNS}
        empty = [column for column in PLAN_COLUMNS if not values[column]]
        if empty:
            problems.append(
                _("%(where)s: %(columns)s missing; each row needs programme, task, unit and successor.")
                % {"where": where, "columns": ", ".join(empty)}
            )
            continue
        key = (values["programme"], values["task"], values["unit"].upper())
        successor = values["successor"].upper()
        if key in plan and plan[key] != successor:
            problems.append(
                _(
                    "%(where)s: %(key)s already goes to %(first)s (%(first_where)s), not also to %(successor)s."
                )
                % {
                    "where": where,
                    "key": "/".join(key),
                    "first": plan[key],
                    "first_where": plan.where[key],
                    "successor": successor,
                }
            )
            continue
        plan.setdefault(key, successor)
        plan.where.setdefault(key, where)
    if problems:
        raise PlanError(*problems)
    return plan


def _csv_rows(text: str, path: Path) -> list[tuple[str, dict]]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    if not set(PLAN_COLUMNS) <= set(header):
        raise PlanError(
            _(
                "%(file)s, line 1: the header must name programme, task, unit and successor (found: %(header)s)."
            )
            % {"file": path.name, "header": ",".join(header) or "—"}
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        rows.append((_("line %(line)s") % {"line": reader.line_num}, row))
    return rows


def _json_rows(text: str, path: Path) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(
            _("%(file)s, line %(line)s: not valid JSON (%(reason)s).")
            % {"file": path.name, "line": error.lineno, "reason": error.msg}
        ) from error
    if not isinstance(data, list):
        raise PlanError(
            _("%(file)s: a JSON plan is a list of objects with programme, task, unit and successor.")
            % {"file": path.name}
        )
    rows, problems = [], []
    for number, item in enumerate(data, start=1):
        where = _("entry %(number)s") % {"number": number}
        if isinstance(item, dict):
            rows.append((where, item))
        else:
            problems.append(
                _("%(where)s: not an object with programme, task, unit and successor.") % {"where": where}
            )
    if problems:
        raise PlanError(*problems)
    return rows


def check_plan(plan: dict, *, units: Iterable[Unit]) -> None:
    """Check every row of a plan against the map, in a few queries; raise PlanError naming each bad row.

    A row must name a programme and one of its tasks, a unit that ended (among ``units``) and has an
    assignment of that task, and one of that unit's successors.
    """
    if not plan:
        return
    where = getattr(plan, "where", {})
    ended: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.valid_to is not None:
            ended.setdefault(unit.code, []).append(unit)
    codes = {unit for _programme, _task, unit in plan}
    pks = [unit.pk for code in codes for unit in ended.get(code, [])]
    successors: dict[str, set[str]] = {}
    for from_code, to_code in Unit.successors.through.objects.filter(from_unit_id__in=pks).values_list(
        "from_unit__code", "to_unit__code"
    ):
        successors.setdefault(from_code, set()).add(to_code)
    tasks = set(
        Task.objects.filter(programme__code__in={p for p, _t, _u in plan}).values_list(
            "programme__code", "code"
        )
    )
    assigned = set(
        Assignment.objects.filter(unit_id__in=pks).values_list(
            "task__programme__code", "task__code", "unit__code"
        )
    )
    problems = []
    for key, successor in plan.items():
        programme, task, unit = key
        line = where.get(key, "/".join(key))
        if (programme, task) not in tasks:
            reason = _("programme %(programme)s has no task %(task)s") % {
                "programme": programme,
                "task": task,
            }
        elif unit not in ended or unit not in successors:
            reason = _("unit %(unit)s did not end with successors on this map") % {"unit": unit}
        elif key not in assigned:
            reason = _("unit %(unit)s has no assignment of task %(task)s") % {"unit": unit, "task": task}
        elif successor not in successors[unit]:
            reason = _("%(successor)s is not a successor of %(unit)s (its successors: %(successors)s)") % {
                "successor": successor,
                "unit": unit,
                "successors": ", ".join(sorted(successors[unit])),
            }
        else:
            continue
        problems.append(f"{line}: {reason}.")
    if problems:
        raise PlanError(*problems)


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
    # One UPDATE per last day (per 5,000 rows), not bulk_update's CASE over every row: at national scale
    # (half a million assignments) the CASE form takes minutes.
    ending: dict = {}
    for assignment, _c in new:
        assignment.valid_to = assignment.unit.valid_to
        ending.setdefault(assignment.valid_to, []).append(assignment.pk)
    for last_day, pks in ending.items():
        for start in range(0, len(pks), 5000):
            Assignment.objects.filter(pk__in=pks[start : start + 5000]).update(valid_to=last_day)
    result.carried = len(new)
    pairs += new
    result.memberships += _follow_memberships(units, successors)
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


def follow_originals(reports: Iterable[Report]) -> None:
    """Make the carried copies of reports follow their review, and carry a newer state where there is one.

    For a review of many reports at once, in a fixed number of queries: one by one, a thousand reports
    accepted on the map of 2022 cost five thousand queries (13 s at scale 1 on both maps).
    """
    from projects.services import report_chains_refresh

    by_id = {report.pk: report for report in reports}
    changed = []
    for copy in Report.objects.filter(carried_from_id__in=list(by_id)).order_by("pk"):
        original = by_id[copy.carried_from_id]
        if copy.review_state == original.review_state:
            continue
        copy.review_state = original.review_state
        copy.reviewed_by_id = original.reviewed_by_id
        copy.reviewed_at = original.reviewed_at
        copy.review_note = original.review_note
        # The trail names the reviewer of the original, as a save in their request would.
        copy._history_user = original.reviewed_by if original.reviewed_by_id else None
        changed.append(copy)
    if changed:
        Report.objects.bulk_update(
            changed, ["review_state", "reviewed_by", "reviewed_at", "review_note"], batch_size=2000
        )
        Report.history.bulk_history_create(changed, update=True)
    assignment_ids = {report.assignment_id for report in by_id.values() if report.assignment_id}
    ended = Assignment.objects.filter(pk__in=assignment_ids, valid_to__isnull=False)
    carried = Assignment.objects.filter(carried_from__in=ended).select_related("carried_from").order_by("pk")
    carry_reports([(assignment.carried_from, assignment) for assignment in carried])
    if changed:
        # The copies' chains, whether or not carry_reports just brought them up to date (it is idempotent).
        report_chains_refresh(assignment_ids={copy.assignment_id for copy in changed})


def _follow_memberships(units: dict[int, Unit], successors: dict[int, list[Unit]]) -> int:
    """Give each viewer and reporter of an ended unit the same role in its successors of the same kind.

    One read of the memberships of the ended units, one of their successors', one bulk write.
    """
    same_kind = {pk: [s for s in successors[pk] if s.kind == unit.kind] for pk, unit in units.items()}
    targets = {s.pk for items in same_kind.values() for s in items}
    if not targets:
        return 0
    roles = [Role.VIEWER, Role.REPORTER]
    fields = ("user_id", "role", "unit_id", "programme_id")
    have = set(Membership.objects.filter(unit_id__in=targets, role__in=roles).values_list(*fields))
    wanted = {
        (user_id, role, successor.pk, programme_id)
        for user_id, role, unit_id, programme_id in Membership.objects.filter(
            unit_id__in=[pk for pk, items in same_kind.items() if items], role__in=roles
        ).values_list(*fields)
        for successor in same_kind[unit_id]
    }
    new = [Membership(**dict(zip(fields, key, strict=True))) for key in sorted(wanted - have, key=str)]
    bulk_create_with_history(new, Membership, batch_size=2000)
    return len(new)
