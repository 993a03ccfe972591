"""Who may do what, as object rules (django-rules): the single place where scope is decided.

Views ask ``user.has_perm("projects.<perm>", obj)``; lists are scoped by the matching selectors
(projects.selectors.*_for_user), which apply the same memberships as these predicates.
"""

import rules

from projects.choices import Role


def memberships(user) -> list[tuple[str, str | None, int | None]]:
    """Return (role, unit path, programme id) for each of a user's memberships, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_tiendo_memberships", None)
    if cached is None:
        from projects.models import Membership

        cached = list(Membership.objects.filter(user=user).values_list("role", "unit__path", "programme_id"))
        user._tiendo_memberships = cached
    return cached


def _programme_id(obj) -> int | None:
    """Return the programme of a programme, task, assignment, goal or report."""
    from projects.models import Assignment, Goal, Programme, Report, Task

    if isinstance(obj, Programme):
        return obj.pk
    if isinstance(obj, Task | Goal | Report):
        return obj.programme_id
    if isinstance(obj, Assignment):
        return obj.task.programme_id
    return None


def _unit_path(obj) -> str | None:
    """Return the unit an object's reporters report for: an assignment's unit; for a goal, its programme's
    lead unit, which assesses the goals; for a report, that of its assignment or goal."""
    from projects.models import Assignment, Goal, Report

    if isinstance(obj, Report):
        if obj.assignment_id:
            return obj.assignment.unit.path
        return _unit_path(obj.goal) if obj.goal_id else None
    if isinstance(obj, Assignment):
        return obj.unit.path
    if isinstance(obj, Goal):
        lead = obj.programme.lead_unit if obj.programme.lead_unit_id else None
        return lead.path if lead is not None else None
    return None


def _holds(user, role: str, *, unit_path: str | None = None, programme_id: int | None = None) -> bool:
    for held_role, held_path, held_programme in memberships(user):
        if held_role != role:
            continue
        unit_ok = unit_path is not None and held_path is not None and unit_path.startswith(held_path)
        programme_ok = programme_id is not None and held_programme == programme_id
        # A membership limited to both a unit and a programme must match both.
        if held_path is not None and held_programme is not None:
            if unit_ok and programme_ok:
                return True
        elif unit_ok or programme_ok:
            return True
    return False


@rules.predicate
def is_reporter_for(user, obj) -> bool:
    """The user reports for the unit (or a unit above it) of this assignment, goal or report."""
    path = _unit_path(obj)
    return path is not None and _holds(user, Role.REPORTER, unit_path=path, programme_id=_programme_id(obj))


@rules.predicate
def is_reviewer_for(user, obj) -> bool:
    """The user reviews the programme of this programme, assignment, goal or report."""
    programme_id = _programme_id(obj)
    return programme_id is not None and _holds(user, Role.REVIEWER, programme_id=programme_id)


@rules.predicate
def is_viewer_for(user, obj) -> bool:
    """The user is a viewer of the unit subtree or the programme of this object."""
    return _holds(user, Role.VIEWER, unit_path=_unit_path(obj), programme_id=_programme_id(obj))


@rules.predicate
def has_reporting_role(user) -> bool:
    return any(role in (Role.REPORTER, Role.REVIEWER) for role, _path, _p in memberships(user))


@rules.predicate
def is_reviewer_anywhere(user) -> bool:
    return any(role == Role.REVIEWER for role, _path, _p in memberships(user))


@rules.predicate
def is_reporter_anywhere(user) -> bool:
    return any(role == Role.REPORTER for role, _path, _p in memberships(user))


@rules.predicate
def is_awaiting_review(user, obj) -> bool:
    from projects.choices import ReviewState

    return getattr(obj, "review_state", None) == ReviewState.SUBMITTED


is_admin = rules.is_active & rules.is_superuser
signed_in = rules.is_authenticated & rules.is_active

# Write a report on an assignment: its unit's reporters (and admins).
rules.add_perm("projects.report_on_assignment", signed_in & (is_admin | is_reporter_for))
# Accept or return a report: the reviewers of its programme (and admins).
rules.add_perm("projects.review_report", signed_in & (is_admin | is_reviewer_for))
# See an assignment's evidence and audit trail: whoever reports on it, reviews it or views its scope.
rules.add_perm(
    "projects.view_assignment_record",
    signed_in & (is_admin | is_reporter_for | is_reviewer_for | is_viewer_for),
)
# Pages: the reporter's list, the review queue and the import page.
rules.add_perm("projects.use_reports", signed_in & (is_admin | is_reporter_anywhere))
rules.add_perm("projects.use_reviews", signed_in & (is_admin | is_reviewer_anywhere))
rules.add_perm("projects.use_imports", signed_in & (is_admin | has_reporting_role))
# Assess a goal (a report on it, reviewed like any other): the reporters of its programme's lead unit.
rules.add_perm("projects.assess_goal", signed_in & (is_admin | is_reporter_for))
# Withdraw a report (it stays on record, counting in neither view): its unit's reporters while it awaits
# review (once accepted, a correction is a new report), the reviewers of its programme at any time.
rules.add_perm(
    "projects.withdraw_report",
    signed_in & (is_admin | is_reviewer_for | (is_reporter_for & is_awaiting_review)),
)
# The audit trail of tasks is master data: any signed-in user.
rules.add_perm("projects.view_task_history", signed_in)
