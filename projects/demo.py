"""Load the demo: real units, Đề án 06 and the 2022 DX tasks, and a year of report history.

Deterministic and idempotent: every row has a natural key (codes; ``source_key`` for reports), rows
are upserted, and a second run changes nothing. As of 25/12/2022 in the verified view it reproduces
the figures of the year-one review exactly (see DESIGN.md and tests/projects/test_demo.py).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from projects import demo_programmes as content
from projects import demo_today, demo_units, lineage, unit_map
from projects.choices import CENTRAL_KINDS, ReportStatus, ReviewState, Role, UnitKind
from projects.display import grouped
from projects.models import Assignment, Goal, Membership, Programme, Report, Task, Unit
from projects.services import report_chains_refresh

CONFERENCE_DAY = date(2022, 12, 25)
HISTORY_START = date(2022, 1, 6)
LAST_REPORT_DAY = date(2022, 12, 20)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_PASSWORD = "tiendo-demo"  # noqa: S105 - the documented password of the public demo users

DA06_DONE_TASKS = 47
CDS_CENTRAL_NOT_DONE = (5, 30)
CDS_LAGGING_PROVINCES = ("12", "45", "62", "84")
CDS_LAGGING_AWAITING_REVIEW = "84"

DEMO_USERS = [
    # (username, first name, role, unit code, programme code)
    ("lanhdao", "Lãnh đạo", Role.VIEWER, "VN", None),
    ("c06", "Cục C06", Role.REVIEWER, None, "DA06"),
    ("vpcp", "Văn phòng Chính phủ", Role.REVIEWER, None, "CDS2022"),
    ("hagiang", "Hà Giang", Role.REPORTER, "02", None),
    ("camau", "Cà Mau", Role.REPORTER, "96", None),
    ("hanoi", "Hà Nội", Role.REPORTER, "01", None),
    ("bocongan", "Bộ Công an", Role.REPORTER, "BCA", None),
]


@dataclass
class Outcome:
    """What an assignment's history should say by 25/12/2022."""

    kind: str  # done | in_progress | not_started | awaiting_done | returned_done | reopened


def upsert(model, *, defaults: dict, **lookup):
    """Create or update a row, saving only when something differs, so a rerun writes no history."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults)
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.save(update_fields=changed)
    return obj


# Units -----------------------------------------------------------------------------------------------


def _upsert_units(rows: list[dict], parents: dict[str, Unit]) -> None:
    units = []
    for row in rows:
        parent = parents[row.pop("parent")]
        units.append(
            Unit(
                parent=parent,
                path=Unit.path_for(parent, row["code"]),
                depth=parent.depth + 1,
                **row,
            )
        )
    Unit.objects.bulk_create(
        units,
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=["name", "short_name", "name_en", "kind", "region", "parent", "path", "depth"],
    )


def load_units() -> dict[str, Unit]:
    nation = upsert(
        Unit,
        code="VN",
        defaults={
            **{k: v for k, v in demo_units.NATION.items() if k != "code"},
            "path": Unit.path_for(None, "VN"),
            "depth": 0,
        },
    )
    by_code = {"VN": nation}
    _upsert_units(
        [
            {**row, "parent": "VN"}
            for row in demo_units.provinces() + demo_units.central_bodies_and_enterprises()
        ],
        by_code,
    )
    by_code = {u.code: u for u in Unit.objects.valid_on(HISTORY_START)}
    _upsert_units([{**row, "parent": province} for province, row in demo_units.districts()], by_code)
    by_code = {u.code: u for u in Unit.objects.valid_on(HISTORY_START)}
    _upsert_units([{**row, "parent": district} for district, row in demo_units.communes()], by_code)
    return {u.code: u for u in Unit.objects.valid_on(HISTORY_START)}


# Programmes, goals, tasks, assignments -------------------------------------------------------------------


def load_programmes(units: dict[str, Unit]) -> dict[str, Programme]:
    da06 = upsert(
        Programme,
        code="DA06",
        defaults={
            "name": (
                "Phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử phục vụ chuyển đổi số "
                "quốc gia giai đoạn 2022–2025, tầm nhìn đến năm 2030"
            ),
            "short_name": "Đề án 06",
            "name_en": (
                "Developing applications of population data, e-identification and e-authentication for "
                "national digital transformation, 2022–2025, vision 2030"
            ),
            "decision": "06/QĐ-TTg",
            "start": date(2022, 1, 6),
            "end": date(2025, 12, 31),
            "lead_unit": units["BCA"],
        },
    )
    cds = upsert(
        Programme,
        code="CDS2022",
        defaults={
            "name": "Nhiệm vụ năm 2022 của Ủy ban Quốc gia về chuyển đổi số",
            "short_name": "Nhiệm vụ CĐS 2022",
            "name_en": "The National Digital Transformation Committee's tasks for 2022",
            "decision": "Kế hoạch hoạt động năm 2022 của Ủy ban Quốc gia về chuyển đổi số",
            "start": date(2022, 1, 1),
            "end": date(2022, 12, 31),
            "lead_unit": units["BTTTT"],
        },
    )
    return {"DA06": da06, "CDS2022": cds}


def _upsert_goals(programme: Programme) -> dict[str, Goal]:
    Goal.objects.bulk_create(
        [
            Goal(
                programme=programme,
                code=code,
                title=title,
                group=content.DA06_GROUPS[group],
                deadline=deadline,
            )
            for code, group, title, deadline in content.DA06_GOALS
        ],
        update_conflicts=True,
        unique_fields=["programme", "code"],
        update_fields=["title", "group", "deadline"],
    )
    return {g.code: g for g in programme.goals.all()}


def _upsert_tasks(programme: Programme, specs: list[dict], units: dict, goals: dict) -> dict[str, Task]:
    Task.objects.bulk_create(
        [
            Task(
                programme=programme,
                code=spec["code"],
                title=spec["title"],
                group=spec["group"],
                lead_unit=units[spec["lead"]],
                deadline=spec["deadline"],
                goal=goals.get(spec.get("goal")),
            )
            for spec in specs
        ],
        update_conflicts=True,
        unique_fields=["programme", "code"],
        update_fields=["title", "group", "lead_unit", "deadline", "goal"],
    )
    tasks = {t.code: t for t in programme.tasks.all()}
    through = Task.coordinating_units.through
    through.objects.bulk_create(
        [
            through(task_id=tasks[spec["code"]].pk, unit_id=units[code].pk)
            for spec in specs
            for code in spec.get("coordinating", [])
        ],
        ignore_conflicts=True,
    )
    return tasks


def _assignees(spec: dict, units: dict[str, Unit]) -> list[Unit]:
    by_kind = {
        "provinces": UnitKind.PROVINCE,
        "districts": UnitKind.DISTRICT,
        "communes": UnitKind.COMMUNE,
    }
    if spec["scope"] == "lead":
        return [units[spec["lead"]]]
    return sorted((u for u in units.values() if u.kind == by_kind[spec["scope"]]), key=lambda u: u.code)


def _upsert_assignments(
    tasks: dict[str, Task], specs: list[dict], units: dict
) -> dict[tuple[str, str], Assignment]:
    Assignment.objects.bulk_create(
        [
            Assignment(task=tasks[spec["code"]], unit=unit, deadline=spec["deadline"])
            for spec in specs
            for unit in _assignees(spec, units)
        ],
        ignore_conflicts=True,
    )
    programme = next(iter(tasks.values())).programme
    return {
        (a.task.code, a.unit.code): a
        # The assignments of 2022 only: those carried to the units of 2025 continue them.
        for a in Assignment.objects.filter(
            task__programme=programme, carried_from__isnull=True
        ).select_related("task", "unit")
    }


# Report history --------------------------------------------------------------------------------------


class History:
    """Writes the report history of each assignment towards a planned outcome, deterministically."""

    def __init__(self, programme: Programme, seed: int):
        self.programme = programme
        self.rng = random.Random(seed)
        self.reports: list[Report] = []
        self.sequence: dict[str, int] = {}

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def next_number(self, key: str) -> int:
        self.sequence[key] = self.sequence.get(key, 0) + 1
        return self.sequence[key]

    def add(
        self,
        key: str,
        target: dict,
        *,
        status: str,
        day: date,
        percent: int,
        review: str = "accepted",
        completed_on: date | None = None,
        note: str = "",
        review_note: str = "",
    ) -> None:
        submitted_at = datetime.combine(day, time(8, 0), TZ) + timedelta(minutes=self.rng.randint(0, 540))
        reviewed_at = None
        if review != ReviewState.SUBMITTED:
            reviewed_at = min(
                submitted_at + timedelta(days=self.rng.randint(1, 6), hours=self.rng.randint(0, 6)),
                datetime.combine(CONFERENCE_DAY, time(7, 30), TZ),
            )
        self.reports.append(
            Report(
                programme=self.programme,
                status=status,
                percent=percent,
                completed_on=completed_on,
                effective_date=day,
                note=note,
                submitted_at=submitted_at,
                review_state=review,
                reviewed_at=reviewed_at,
                review_note=review_note,
                source_key=f"demo:{self.programme.code}:{key}:{self.next_number(key)}",
                **target,
            )
        )

    def assignment(self, assignment: Assignment, outcome: str) -> None:
        key = f"{assignment.task.code}:{assignment.unit.code}"
        target = {"assignment": assignment}
        deadline = assignment.deadline
        start = self.day_between(HISTORY_START + timedelta(days=5), date(2022, 5, 31))
        if outcome in ("done", "reopened"):
            if (
                deadline
                and deadline <= LAST_REPORT_DAY
                and start + timedelta(days=20) <= deadline
                and self.rng.random() < 0.85
            ):
                completed = self.day_between(start + timedelta(days=15), deadline)
            else:
                completed = self.day_between(start + timedelta(days=15), LAST_REPORT_DAY)
            self.add(
                key,
                target,
                status=ReportStatus.IN_PROGRESS,
                day=start,
                percent=self.rng.randint(10, 40),
                note="Đã giao đơn vị đầu mối, đang triển khai.",
            )
            if (completed - start).days > 40:
                middle = self.day_between(start + timedelta(days=10), completed - timedelta(days=10))
                self.add(
                    key,
                    target,
                    status=ReportStatus.IN_PROGRESS,
                    day=middle,
                    percent=self.rng.randint(50, 90),
                    note="Đang hoàn thiện, chạy thử.",
                )
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=completed,
                percent=100,
                completed_on=completed,
                note="Đã hoàn thành, có văn bản báo cáo kèm theo.",
            )
            if outcome == "reopened":
                reopened = self.day_between(completed + timedelta(days=5), LAST_REPORT_DAY)
                self.add(
                    key,
                    target,
                    status=ReportStatus.IN_PROGRESS,
                    day=reopened,
                    percent=80,
                    note="Kiểm tra phát hiện chưa đáp ứng yêu cầu; đang bổ sung.",
                )
            return
        if outcome == "not_started":
            if self.rng.random() < 0.5:
                self.add(
                    key,
                    target,
                    status=ReportStatus.NOT_STARTED,
                    day=start,
                    percent=0,
                    note="Chưa triển khai, đang chờ hướng dẫn.",
                )
            return
        self.add(
            key,
            target,
            status=ReportStatus.IN_PROGRESS,
            day=start,
            percent=self.rng.randint(10, 50),
            note="Đang triển khai.",
        )
        if outcome == "awaiting_done":
            day = self.day_between(date(2022, 12, 1), LAST_REPORT_DAY)
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=day,
                percent=100,
                completed_on=day,
                review=ReviewState.SUBMITTED,
                note="Đơn vị báo cáo đã hoàn thành.",
            )
        elif outcome == "returned_done":
            day = self.day_between(date(2022, 10, 1), LAST_REPORT_DAY)
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=day,
                percent=100,
                completed_on=day,
                review=ReviewState.RETURNED,
                note="Đơn vị báo cáo đã hoàn thành.",
                review_note="Chưa có văn bản, số liệu chứng minh hoàn thành.",
            )
        elif self.rng.random() < 0.5:
            later = self.day_between(start + timedelta(days=30), LAST_REPORT_DAY)
            self.add(
                key,
                target,
                status=ReportStatus.IN_PROGRESS,
                day=later,
                percent=self.rng.randint(50, 95),
                note="Tiếp tục triển khai.",
            )

    def goal(self, goal: Goal, outcome: str) -> None:
        key, target = goal.code, {"goal": goal}
        assessed = self.day_between(date(2022, 3, 1), date(2022, 9, 30))
        if outcome in ("achieved", "reopened"):
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=assessed,
                percent=100,
                completed_on=assessed,
                note="Mục tiêu đã đạt theo đánh giá của cơ quan thường trực.",
            )
            if outcome == "reopened":
                self.add(
                    key,
                    target,
                    status=ReportStatus.IN_PROGRESS,
                    day=date(2022, 11, 15),
                    percent=70,
                    note="Đánh giá lại: một số đơn vị chưa đạt yêu cầu.",
                )
        elif outcome == "awaiting":
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=date(2022, 12, 15),
                percent=100,
                completed_on=date(2022, 12, 15),
                review=ReviewState.SUBMITTED,
                note="Đề nghị công nhận mục tiêu đã đạt.",
            )
        elif outcome == "returned":
            self.add(
                key,
                target,
                status=ReportStatus.DONE,
                day=date(2022, 11, 30),
                percent=100,
                completed_on=date(2022, 11, 30),
                review=ReviewState.RETURNED,
                note="Đề nghị công nhận mục tiêu đã đạt.",
                review_note="Số liệu chưa đủ để công nhận.",
            )
        else:
            self.add(
                key,
                target,
                status=ReportStatus.IN_PROGRESS,
                day=assessed,
                percent=self.rng.randint(30, 80),
                note="Đang tập trung thực hiện.",
            )

    def save(self) -> int:
        """Write the reports not stored yet; return how many were new (none when the demo is loaded again)."""
        before = Report.objects.count()
        Report.objects.bulk_create(self.reports, ignore_conflicts=True, batch_size=2000)
        return Report.objects.count() - before


def _plan_da06(specs: list[dict], assignments: dict, rng: random.Random) -> dict:
    """Return the planned outcome of every DA06 assignment: 47 tasks done, special cases among the rest."""
    codes = [spec["code"] for spec in specs]
    done = set(rng.sample(codes, DA06_DONE_TASKS))
    lead_only_open = [s["code"] for s in specs if s["code"] not in done and s["scope"] == "lead"]
    special = dict(
        zip(lead_only_open[:4], ["awaiting_done", "awaiting_done", "returned_done", "reopened"], strict=True)
    )
    plan = {}
    for spec in specs:
        task_assignments = sorted(
            (a for (code, _u), a in assignments.items() if code == spec["code"]), key=lambda a: a.unit.code
        )
        if spec["code"] in done:
            plan.update({a.pk: "done" for a in task_assignments})
            continue
        if spec["code"] in special:
            plan.update({a.pk: special[spec["code"]] for a in task_assignments})
            continue
        laggard = rng.randrange(len(task_assignments))
        for index, a in enumerate(task_assignments):
            if index != laggard and len(task_assignments) > 1 and rng.random() < 0.6:
                plan[a.pk] = "done"
            else:
                plan[a.pk] = "in_progress" if rng.random() < 0.65 else "not_started"
    return plan


def _plan_cds(specs: list[dict], assignments: dict) -> dict:
    plan = {}
    # Each lagging province has one local task of its own left open, so 59 of 63 provinces and
    # 59 of 63 local tasks are done.
    lagging = {province: 44 + 13 * i + 3 for i, province in enumerate(CDS_LAGGING_PROVINCES)}
    for index, spec in enumerate(specs):
        for (code, unit_code), a in assignments.items():
            if code != spec["code"]:
                continue
            if index in CDS_CENTRAL_NOT_DONE:
                plan[a.pk] = "in_progress"
            elif lagging.get(unit_code) == index:
                plan[a.pk] = "awaiting_done" if unit_code == CDS_LAGGING_AWAITING_REVIEW else "in_progress"
            else:
                plan[a.pk] = "done"
    return plan


def load_history(
    programme: Programme, assignments: dict, plan: dict, seed: int, goal_plan: dict | None = None
) -> int:
    history = History(programme, seed)
    for assignment in sorted(assignments.values(), key=lambda a: (a.task.code, a.unit.code)):
        history.assignment(assignment, plan[assignment.pk])
    for goal, outcome in (goal_plan or {}).items():
        history.goal(goal, outcome)
    return history.save()


def _goal_plan(goals: dict[str, Goal]) -> dict[Goal, str]:
    plan = {}
    for code, goal in sorted(goals.items()):
        if code in content.GOALS_ACCEPTED_ACHIEVED:
            plan[goal] = "achieved"
        elif code == content.GOAL_AWAITING_REVIEW:
            plan[goal] = "awaiting"
        elif code == content.GOAL_RETURNED:
            plan[goal] = "returned"
        elif code == content.GOAL_REOPENED:
            plan[goal] = "reopened"
        elif code not in ("MT02", "MT03", "MT04"):
            plan[goal] = "in_progress"
    return plan


# Users -----------------------------------------------------------------------------------------------


def load_users(units: dict[str, Unit], programmes: dict[str, Programme]) -> list[str]:
    User = get_user_model()
    names = []
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    names.append("admin")
    for username, first_name, role, unit_code, programme_code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user,
            role=role,
            unit=units.get(unit_code) if unit_code else None,
            programme=programmes.get(programme_code) if programme_code else None,
        )
        names.append(username)
    return names


# The whole demo ----------------------------------------------------------------------------------------


@transaction.atomic
def load(*, with_users: bool, log=print) -> None:
    units = load_units()
    log("  " + _("units: %(units)s") % {"units": grouped(len(units))})
    programmes = load_programmes(units)

    da06 = programmes["DA06"]
    goals = _upsert_goals(da06)
    da06_specs = content.da06_tasks()
    da06_tasks = _upsert_tasks(da06, da06_specs, units, goals)
    da06_assignments = _upsert_assignments(da06_tasks, da06_specs, units)
    plan = _plan_da06(da06_specs, da06_assignments, random.Random(6))
    written = load_history(da06, da06_assignments, plan, seed=2022, goal_plan=_goal_plan(goals))
    log(
        "  "
        + _programme_line(
            da06, goals=len(goals), tasks=da06_tasks, assignments=da06_assignments, written=written
        )
    )

    cds = programmes["CDS2022"]
    central = [u.code for u in sorted(units.values(), key=lambda u: u.path) if u.kind in CENTRAL_KINDS]
    cds_specs = content.cds2022_tasks(central)
    cds_tasks = _upsert_tasks(cds, cds_specs, units, {})
    cds_assignments = _upsert_assignments(cds_tasks, cds_specs, units)
    written = load_history(cds, cds_assignments, _plan_cds(cds_specs, cds_assignments), seed=107)
    log("  " + _programme_line(cds, goals=0, tasks=cds_tasks, assignments=cds_assignments, written=written))

    for programme in programmes.values():
        report_chains_refresh(programme=programme)
    if with_users:
        users = ", ".join(load_users(units, programmes))
        log(
            "  "
            + _("users: %(users)s (password: %(password)s)") % {"users": users, "password": DEMO_PASSWORD}
        )
    # From 2023 to today (projects.demo_today): on the map of 2022 until 30/06/2025; then the map of
    # today, where the units of 2022 end and their work and users pass to their successors (the
    # sample communes that were split follow the demo's carry-over plan); then on today's map.
    written = demo_today.before_change(da06)
    plan = lineage.read_plan(demo_units.DATA / "demo_carry_plan.csv")
    summary = unit_map.load_map(plan=plan, notify=False)
    written += demo_today.after_change(da06)
    report_chains_refresh(programme=da06)
    log(
        "  "
        + _("map of today: %(units)s; assignments carried: %(carried)s")
        % {"units": summary.lines()[0], "carried": grouped(summary.carry.carried)}
    )
    log("  " + _("Đề án 06 from 2023 to its end: %(reports)s new reports") % {"reports": grouped(written)})


def _programme_line(programme, *, goals: int, tasks, assignments, written: int) -> str:
    values = {
        "programme": programme.code,
        "goals": grouped(goals),
        "tasks": grouped(len(tasks)),
        "assignments": grouped(len(assignments)),
        "reports": grouped(written),
    }
    if goals:
        return (
            _(
                "%(programme)s: %(goals)s goals, %(tasks)s tasks, %(assignments)s assignments, %(reports)s new reports"
            )
            % values
        )
    return _("%(programme)s: %(tasks)s tasks, %(assignments)s assignments, %(reports)s new reports") % values
