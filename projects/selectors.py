"""Reads of the write side: status as of a date, by assignment, task, goal and unit subtree.

These count from the reports themselves, every time, and are the single source of truth that the
rollups of the read side are checked against. They favour plain correctness over speed.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from projects.choices import AssignmentStatus, ReportStatus, Role, TaskStatus, View
from projects.models import Assignment, Goal, Membership, Programme, Report, Task, Unit
from projects.status import counting_review_states, is_done, status_expression, task_status


def today() -> date:
    return timezone.localdate()


def counting_reports(*, as_of: date, view: str) -> QuerySet[Report]:
    """Return the reports that count as of a date in a view, latest first."""
    return Report.objects.filter(
        effective_date__lte=as_of,
        review_state__in=counting_review_states(view),
    ).order_by("-effective_date", "-submitted_at", "-pk")


def assignments_with_status(
    *,
    as_of: date,
    view: str = View.VERIFIED,
    queryset: QuerySet[Assignment] | None = None,
    valid_only: bool = True,
) -> QuerySet[Assignment]:
    """Annotate assignments with ``status``, ``latest_percent`` and ``latest_report_id`` as of a date.

    Only those valid that day unless ``valid_only`` is false (one assignment asked for by name).
    """
    queryset = Assignment.objects.all() if queryset is None else queryset
    latest = counting_reports(as_of=as_of, view=view).filter(assignment=OuterRef("pk"))
    # Only the assignments valid that day, so that a carried one is counted once (projects.lineage).
    if valid_only:
        queryset = queryset.valid_on(as_of)
    return queryset.annotate(
        latest_report_id=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_completed_on=Subquery(latest.values("completed_on")[:1]),
        latest_percent=Subquery(latest.values("percent")[:1]),
    ).annotate(
        status=status_expression(
            as_of=as_of,
            report_status="latest_status",
            completed_on="latest_completed_on",
        )
    )


def assignment_status_as_of(assignment: Assignment, *, as_of: date, view: str = View.VERIFIED) -> str:
    """Return one assignment's status as of a date."""
    return (
        assignments_with_status(
            as_of=as_of, view=view, queryset=Assignment.objects.filter(pk=assignment.pk), valid_only=False
        )
        .values_list("status", flat=True)
        .get()
    )


def programme_assignments(
    *,
    programme: Programme,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> QuerySet[Assignment]:
    """Return a programme's assignments, limited to a unit's subtree and to kinds of unit if given."""
    queryset = Assignment.objects.filter(task__programme=programme)
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if unit_kinds:
        queryset = queryset.filter(unit__kind__in=unit_kinds)
    return queryset


def assignment_status_counts(
    *,
    programme: Programme,
    as_of: date,
    view: str = View.VERIFIED,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Return the number of assignments in each status, and their total."""
    queryset = programme_assignments(programme=programme, unit=unit, unit_kinds=unit_kinds)
    statuses = assignments_with_status(as_of=as_of, view=view, queryset=queryset).values_list(
        "status", flat=True
    )
    counts = Counter(statuses)
    result = {status.value: counts.get(status.value, 0) for status in AssignmentStatus}
    result["total"] = sum(counts.values())
    return result


def task_statuses(
    *,
    programme: Programme,
    as_of: date,
    view: str = View.VERIFIED,
    unit: Unit | None = None,
    unit_kinds: tuple[str, ...] | None = None,
) -> dict[int, TaskStatus]:
    """Return each task's status over its assignments in scope; tasks with none in scope are left out."""
    queryset = programme_assignments(programme=programme, unit=unit, unit_kinds=unit_kinds)
    by_task = defaultdict(list)
    for task_id, status in assignments_with_status(as_of=as_of, view=view, queryset=queryset).values_list(
        "task_id", "status"
    ):
        by_task[task_id].append(status)
    return {task_id: task_status(statuses) for task_id, statuses in by_task.items()}


def task_status_counts(**scope) -> dict[str, int]:
    """Return the number of tasks in each status, and their total (same arguments as task_statuses)."""
    counts = Counter(task_statuses(**scope).values())
    result = {status.value: counts.get(status.value, 0) for status in TaskStatus}
    result["total"] = sum(counts.values())
    return result


def units_done(*, programme: Programme, kind: str, as_of: date, view: str = View.VERIFIED) -> dict[str, int]:
    """Return how many units of a kind have done every assignment in their subtree, of those with any."""
    units = list(
        Unit.objects.filter(kind=kind).valid_on(map_day(programme, as_of)).values_list("path", flat=True)
    )
    statuses = assignments_with_status(
        as_of=as_of,
        view=view,
        queryset=programme_assignments(programme=programme),
    ).values_list("unit__path", "status")
    all_done: dict[str, bool] = {}
    for path, status in statuses:
        owner = _owning_path(path, units)
        if owner is not None:
            all_done[owner] = all_done.get(owner, True) and is_done(status)
    return {"done": sum(all_done.values()), "total": len(all_done)}


def _owning_path(path: str, candidate_paths: list[str]) -> str | None:
    for candidate in candidate_paths:
        if path.startswith(candidate):
            return candidate
    return None


def _latest_assessment(*, as_of: date, view: str) -> Subquery:
    latest = counting_reports(as_of=as_of, view=view).filter(goal=OuterRef("pk"))
    return Subquery(latest.values("status")[:1])


def goal_assessments(*, programme: Programme, as_of: date, view: str = View.VERIFIED) -> dict[int, bool]:
    """Return, for each goal with a counting assessment, whether the latest one says it is achieved."""
    rows = (
        Goal.objects.filter(programme=programme)
        .annotate(latest_status=_latest_assessment(as_of=as_of, view=view))
        .exclude(latest_status=None)
        .values_list("pk", "latest_status")
    )
    return {goal_id: status == ReportStatus.DONE for goal_id, status in rows}


def goal_assessments_by_view(*, programme: Programme, as_of: date) -> dict[int, dict[str, bool | None]]:
    """Return, for every goal of a programme, view → goal_assessments() of that view (None: no assessment
    counts in it); one query for both views and the goals' total."""
    views = list(View)
    rows = (
        Goal.objects.filter(programme=programme)
        .annotate(**{f"latest_{view.value}": _latest_assessment(as_of=as_of, view=view) for view in views})
        .values("pk", *(f"latest_{view.value}" for view in views))
    )
    return {
        row["pk"]: {
            view.value: None
            if row[f"latest_{view.value}"] is None
            else row[f"latest_{view.value}"] == ReportStatus.DONE
            for view in views
        }
        for row in rows
    }


def unit_for_code(code: str, *, on: date) -> Unit | None:
    """Return the unit a code names on a day: the one valid then, else the latest one that ended before it.

    A continuing unit may keep its code across a reorganisation (Tuyên Quang, 08, before and after
    01/07/2025), so a code alone is not a unit: the day decides which territory it means. An ended
    unit is still returned for a later day, so that its page can say when it ended and name its successors.
    """
    code = (code or "").strip().upper()
    if not code or "\x00" in code:
        return None
    candidates = Unit.objects.filter(code=code)
    valid = candidates.valid_on(on).order_by("-valid_from").first()
    if valid is not None:
        return valid
    ended = candidates.filter(valid_to__lt=on).order_by("-valid_to").first()
    return ended or candidates.order_by("valid_from").first()


def map_day(programme: Programme, as_of: date) -> date:
    """Return the day whose map a programme's figures as of a day are drawn on: that day, or the
    programme's last day if it ended before (the 2022 tasks stay on the 63-province map)."""
    if programme.end is not None and programme.end < as_of:
        return programme.end
    return as_of


def tasks_for_programme(programme: Programme) -> QuerySet[Task]:
    return Task.objects.filter(programme=programme).select_related("goal", "lead_unit").order_by("code")


def units_for_user(user, role: str) -> QuerySet[Unit]:
    """Return the units, with their subtrees, in which a user holds a role."""
    if not user.is_authenticated:
        return Unit.objects.none()
    paths = Membership.objects.filter(user=user, role=role, unit__isnull=False).values_list(
        "unit__path", flat=True
    )
    queryset = Unit.objects.none()
    for path in paths:
        queryset = queryset | Unit.objects.filter(path__startswith=path)
    return queryset


def assignments_for_user(user) -> QuerySet[Assignment]:
    """Return the assignments a user reports on: those of units in their reporter subtrees."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    paths = list(
        Membership.objects.filter(user=user, role=Role.REPORTER).values_list("unit__path", flat=True)
    )
    queryset = Assignment.objects.none()
    for path in paths:
        queryset = queryset | Assignment.objects.filter(unit__path__startswith=path)
    return queryset.select_related("task__programme", "unit", "verified_report", "reported_report")


def goals_for_user(user) -> QuerySet[Goal]:
    """Return the goals a user assesses: those of programmes led by a unit in their reporter subtrees
    (every goal, for an admin), with their latest assessment; as the rule projects.assess_goal."""
    if not user.is_authenticated:
        return Goal.objects.none()
    queryset = Goal.objects.all()
    if not user.is_superuser:
        paths = Membership.objects.filter(user=user, role=Role.REPORTER).values_list("unit__path", flat=True)
        led = Q()
        for path in paths:
            led |= Q(programme__lead_unit__path__startswith=path)
        queryset = queryset.filter(led) if led else Goal.objects.none()
    last = Report.objects.filter(goal=OuterRef("pk")).order_by("-submitted_at", "-pk")
    return (
        queryset.select_related("programme")
        .annotate(
            last_report_id=Subquery(last.values("pk")[:1]),
            last_status=Subquery(last.values("status")[:1]),
            last_effective_date=Subquery(last.values("effective_date")[:1]),
            last_review_state=Subquery(last.values("review_state")[:1]),
        )
        .order_by("programme__code", "code")
    )


# Reporting and review ------------------------------------------------------------------------------


def reviewer_programme_ids(user) -> list[int] | None:
    """Return the programmes a user reviews; None means every programme (an admin)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    from projects.rules import memberships

    # The memberships the rules read, kept on the user object: one query per request, however often asked.
    return sorted(
        {programme for role, _path, programme in memberships(user) if role == Role.REVIEWER and programme}
    )


def reporter_assignments(user, *, as_of: date | None = None) -> QuerySet[Assignment]:
    """Return the assignments a user reports on, with both views' status and their latest report.

    Annotated with ``verified_status``, ``reported_status``, ``priority`` (0 overdue, 1 due within
    14 days, 2 other open, 3 done, by the reported view) and ``last_*`` fields of the latest report
    in any review state, so a returned report and its reason show. Ordered most urgent first.
    """
    from django.db.models import Case, IntegerField, Value, When

    as_of = as_of or today()
    queryset = assignments_for_user(user).valid_on(as_of)
    for view in (View.VERIFIED, View.REPORTED):
        if as_of == today():
            # Today's latest counting reports are kept on the assignment by projects.services: a join.
            status_field, completed_field = f"{view}_report__status", f"{view}_report__completed_on"
        else:
            latest = counting_reports(as_of=as_of, view=view).filter(assignment=OuterRef("pk"))
            queryset = queryset.annotate(
                **{
                    f"{view}_report_status": Subquery(latest.values("status")[:1]),
                    f"{view}_completed_on": Subquery(latest.values("completed_on")[:1]),
                }
            )
            status_field, completed_field = f"{view}_report_status", f"{view}_completed_on"
        queryset = queryset.annotate(
            **{
                f"{view}_status": status_expression(
                    as_of=as_of, report_status=status_field, completed_on=completed_field
                )
            }
        )
    last = Report.objects.filter(assignment=OuterRef("pk")).order_by("-submitted_at", "-pk")
    if as_of != today():
        # The latest report as the reporter saw it that day: submitted by the end of it (local time).
        next_day = datetime.combine(as_of + timedelta(days=1), time.min)
        last = last.filter(submitted_at__lt=timezone.make_aware(next_day))
    queryset = queryset.annotate(
        last_report_id=Subquery(last.values("pk")[:1]),
        last_status=Subquery(last.values("status")[:1]),
        last_percent=Subquery(last.values("percent")[:1]),
        last_effective_date=Subquery(last.values("effective_date")[:1]),
        last_submitted_at=Subquery(last.values("submitted_at")[:1]),
        last_review_state=Subquery(last.values("review_state")[:1]),
        last_review_note=Subquery(last.values("review_note")[:1]),
    )
    done = Q(reported_status__in=[AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE])
    return queryset.annotate(
        priority=Case(
            When(done, then=Value(3)),
            When(reported_status=AssignmentStatus.OVERDUE, then=Value(0)),
            When(deadline__lte=as_of + timedelta(days=14), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("priority", "deadline", "task__programme__code", "task__code", "unit__path")


def review_queue(user) -> QuerySet[Report]:
    """Return the reports awaiting review in the programmes a user reviews, oldest first."""
    from projects.choices import ReviewState

    programme_ids = reviewer_programme_ids(user)
    # A carried report follows its original's review (projects.lineage): it is no work of its own.
    queryset = Report.objects.filter(review_state=ReviewState.SUBMITTED, carried_from__isnull=True)
    if programme_ids is not None:
        queryset = queryset.filter(programme_id__in=programme_ids)
    return queryset.select_related(
        "programme", "assignment__task", "assignment__unit", "goal", "submitted_by"
    ).order_by("submitted_at", "pk")


def _same_target(prefix: str = "") -> Q:
    """Reports on the same assignment or goal as the outer report (NULL never equals NULL in SQL)."""
    return Q(assignment_id=OuterRef(f"{prefix}assignment_id")) | Q(goal_id=OuterRef(f"{prefix}goal_id"))


def review_queue_heads(user) -> QuerySet[Report]:
    """Return the queue as a reviewer works through it: per assignment (or goal), its newest report awaiting
    review, oldest first. The older reports awaiting review that it supersedes are folded under it (see
    review_rows). Annotated with ``previous_report_id``: the latest reviewed report on the same assignment
    or goal (accepted or returned) before it."""
    from django.db.models import Exists

    from projects.choices import ReviewState

    newer = Report.objects.filter(review_state=ReviewState.SUBMITTED).filter(
        Q(submitted_at__gt=OuterRef("submitted_at"))
        | Q(submitted_at=OuterRef("submitted_at"), pk__gt=OuterRef("pk"))
    )
    previous = (
        Report.objects.filter(
            _same_target(),
            review_state__in=[ReviewState.ACCEPTED, ReviewState.RETURNED],
            submitted_at__lte=OuterRef("submitted_at"),
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("-submitted_at", "-pk")
    )
    return (
        review_queue(user)
        # One test per kind of target rather than one with OR (_same_target): each is then a probe of one
        # index (report_awaiting_by_assignment), not a read of every report on the assignment.
        .filter(
            ~Exists(newer.filter(assignment_id=OuterRef("assignment_id"))),
            ~Exists(newer.filter(goal_id=OuterRef("goal_id"))),
        )
        .annotate(previous_report_id=Subquery(previous.values("pk")[:1]))
        .select_related("assignment__task__programme")
    )


def review_rows(reports: list[Report]) -> list[Report]:
    """Give each report of a page of review_queue_heads its ``folded`` reports (older, awaiting review on
    the same assignment or goal, newest first) and its ``previous`` report: two queries for the page."""
    from projects.choices import ReviewState

    assignment_ids = {r.assignment_id for r in reports if r.assignment_id}
    goal_ids = {r.goal_id for r in reports if r.goal_id}
    folded: dict[tuple, list[Report]] = defaultdict(list)
    if reports:
        older = (
            Report.objects.filter(Q(assignment_id__in=assignment_ids) | Q(goal_id__in=goal_ids))
            .filter(review_state=ReviewState.SUBMITTED)
            .exclude(pk__in=[r.pk for r in reports])
            .select_related("submitted_by")
            .order_by("-submitted_at", "-pk")
        )
        for report in older:
            folded[report.assignment_id, report.goal_id].append(report)
    previous_ids = [r.previous_report_id for r in reports if getattr(r, "previous_report_id", None)]
    # Asked even when no row has a previous report, so that a page's query count never depends on its data.
    previous = Report.objects.select_related("reviewed_by").in_bulk(previous_ids or [0])
    for report in reports:
        report.folded = folded.get((report.assignment_id, report.goal_id), [])
        report.previous = previous.get(getattr(report, "previous_report_id", None))
    return reports


def review_queue_summary(user) -> dict:
    """Return the size of a reviewer's queue and when its oldest report was submitted, in one query."""
    from django.db.models import Count, Min

    return review_queue(user).order_by().aggregate(count=Count("pk"), oldest=Min("submitted_at"))


def reversals_by_unit(*, programme_ids: list[int] | None) -> list[dict]:
    """Count, per unit, reports returned and done assignments reopened (accepted done, then not done).

    Return rows ``{"unit", "returned", "reopened", "total"}`` for units with any, most first.
    """
    from projects.choices import ReviewState

    # A carried report follows its original's review: counting it too would count a reversal twice.
    reports = Report.objects.filter(assignment__isnull=False, carried_from__isnull=True)
    if programme_ids is not None:
        reports = reports.filter(programme_id__in=programme_ids)
    returned = Counter(
        reports.filter(review_state=ReviewState.RETURNED).values_list("assignment__unit_id", flat=True)
    )
    reopened: Counter = Counter()
    previous: dict[int, str] = {}
    rows = (
        reports.filter(review_state=ReviewState.ACCEPTED)
        .order_by("assignment_id", "effective_date", "submitted_at", "pk")
        .values_list("assignment_id", "assignment__unit_id", "status")
    )
    for assignment_id, unit_id, status in rows.iterator(chunk_size=5000):
        if previous.get(assignment_id) == ReportStatus.DONE and status != ReportStatus.DONE:
            reopened[unit_id] += 1
        previous[assignment_id] = status
    unit_ids = set(returned) | set(reopened)
    units = Unit.objects.in_bulk(unit_ids)
    result = [
        {
            "unit": units[unit_id],
            "returned": returned.get(unit_id, 0),
            "reopened": reopened.get(unit_id, 0),
            "total": returned.get(unit_id, 0) + reopened.get(unit_id, 0),
        }
        for unit_id in unit_ids
    ]
    return sorted(result, key=lambda row: (-row["total"], row["unit"].path))


def assignment_reports(assignment: Assignment) -> QuerySet[Report]:
    """Return every report on an assignment, newest first, with who submitted and reviewed it."""
    return assignment.reports.select_related("submitted_by", "reviewed_by").order_by("-submitted_at", "-pk")


def reminder_assignments(*, as_of: date, within_days: int = 7) -> dict:
    """Return, per reporter, the open assignments due within some days and those overdue.

    Open means not done in the reported view: a reporter who has reported done is not reminded.
    Returns ``{user: {"due_soon": [...], "overdue": [...]}}`` for reporters with an email address.
    """
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    horizon = as_of + timedelta(days=within_days)
    reporters = list(
        Membership.objects.filter(role=Role.REPORTER, user__is_active=True, unit__isnull=False)
        .exclude(user__email="")
        .values_list("user_id", "unit__path", "programme_id")
    )
    by_path: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for user_id, path, programme_id in reporters:
        by_path[path].append((user_id, programme_id))
    users = get_user_model().objects.in_bulk({user_id for user_id, _p, _g in reporters})
    candidates = assignments_with_status(
        as_of=as_of,
        view=View.REPORTED,
        queryset=Assignment.objects.filter(deadline__isnull=False, deadline__lte=horizon),
    ).select_related("task__programme", "unit")
    result: dict = {}
    # Each open assignment goes to the reporters of its unit and of every unit above it.
    for assignment in candidates.iterator(chunk_size=2000):
        if is_done(assignment.status):
            continue
        key = "overdue" if assignment.deadline < as_of else "due_soon"
        notified = set()
        for path in assignment.unit.ancestor_paths:
            for user_id, programme_id in by_path.get(path, ()):
                if user_id in notified or (
                    programme_id is not None and assignment.task.programme_id != programme_id
                ):
                    continue
                notified.add(user_id)
                result.setdefault(users[user_id], {"due_soon": [], "overdue": []})[key].append(assignment)
    for buckets in result.values():
        for items in buckets.values():
            items.sort(key=lambda a: (a.deadline, a.task.code))
    return result
