"""The demo from 2023 to today: Đề án 06 runs on, across the change of map of 01/07/2025, to its end.

The year-one history (projects.demo) stops at the conference of 25/12/2022; this continues it with
reports dated from 2023 only, so the seed's figures as of 25/12/2022 stay exactly as they are:

- until 30/06/2025, on the map of 2022: most of what was open at the conference gets done;
- on 01/07/2025 the map changes (projects.unit_map, with the demo's carry-over plan for the sample
  communes that were split, projects/data/demo_carry_plan.csv): Hà Giang's work passes to Tuyên
  Quang, Bạc Liêu's to Cà Mau, the sample communes' to their real successors, and the demo users
  follow their units;
- from then on the successors report, until Đề án 06 ends on 31/12/2025 with a few assignments and
  goals still open: its final result.

Deterministic and idempotent like the rest of the demo: every report has a ``source_key``.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from projects.choices import ReportStatus, ReviewState, View
from projects.models import Assignment, Goal, Programme, Report
from projects.selectors import assignments_with_status, goal_assessments

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CONFERENCE_DAY = date(2022, 12, 25)
RESUME = date(2023, 1, 16)
CHANGE = date(2025, 7, 1)
LAST_DAY = CHANGE - timedelta(days=1)
DA06_END = date(2025, 12, 31)
DONE = ("done_on_time", "done_late")
# The provinces of the demo reporters (hagiang, camau, hanoi): a few of their assignments stay open.
STILL_OPEN_FROM = ("02", "96", "01")
STILL_OPEN_EACH = 3


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _report(
    target: dict,
    key: str,
    *,
    status: str,
    day: date,
    percent: int,
    rng,
    note: str,
    review=ReviewState.ACCEPTED,
) -> Report:
    submitted_at = datetime.combine(day, time(8, 0), TZ) + timedelta(minutes=rng.randint(0, 540))
    reviewed = review != ReviewState.SUBMITTED
    return Report(
        status=status,
        percent=percent,
        completed_on=day if status == ReportStatus.DONE else None,
        effective_date=day,
        note=note,
        submitted_at=submitted_at,
        review_state=review,
        reviewed_at=submitted_at + timedelta(days=rng.randint(1, 6)) if reviewed else None,
        source_key=f"demo:today:{key}",
        **target,
    )


def _open_assignments(programme: Programme, *, as_of: date, carried: bool) -> list[Assignment]:
    rows = assignments_with_status(
        as_of=as_of,
        view=View.VERIFIED,
        queryset=Assignment.objects.filter(task__programme=programme, carried_from__isnull=not carried),
    ).select_related("task", "unit", "carried_from__unit")
    return sorted((a for a in rows if a.status not in DONE), key=lambda a: (a.task.code, a.unit.path, a.pk))


def _key(programme: Programme, assignment: Assignment, step: int) -> str:
    origin = f":{assignment.carried_from.unit.code}" if assignment.carried_from_id else ""
    era = f"@{assignment.valid_from:%Y%m%d}" if assignment.valid_from else ""
    return f"{programme.code}:{assignment.task.code}:{assignment.unit.code}{era}{origin}:{step}"


def _write(reports: list[Report]) -> int:
    """Add the reports not there yet (by source key) and return how many were added: a second load adds none."""
    there = set(
        Report.objects.filter(source_key__in=[r.source_key for r in reports]).values_list("source_key", flat=True)
    )
    Report.objects.bulk_create(reports, ignore_conflicts=True, batch_size=2000)
    return sum(r.source_key not in there for r in reports)


def before_change(programme: Programme) -> int:
    """Write 2023 to mid-2025 on the map of 2022: most of what was open at the conference gets done."""
    rng = random.Random(2023)
    reports = []
    still_open: dict[str, int] = {}
    for assignment in _open_assignments(programme, as_of=CONFERENCE_DAY, carried=False):
        target = {"programme": programme, "assignment": assignment}
        roll = rng.random()
        if (
            assignment.unit.code in STILL_OPEN_FROM
            and still_open.get(assignment.unit.code, 0) < STILL_OPEN_EACH
        ):
            still_open[assignment.unit.code] = still_open.get(assignment.unit.code, 0) + 1
            roll = 1.0  # left in progress until the change, when it passes to the successor
        if roll < 0.6:
            day = _day(rng, RESUME, date(2025, 5, 31))
            reports.append(
                _report(
                    target,
                    _key(programme, assignment, 1),
                    status=ReportStatus.DONE,
                    day=day,
                    percent=100,
                    rng=rng,
                    note="Đã hoàn thành, có văn bản báo cáo kèm theo.",
                )
            )
        else:
            day = _day(rng, date(2024, 1, 15), date(2025, 5, 31))
            reports.append(
                _report(
                    target,
                    _key(programme, assignment, 1),
                    status=ReportStatus.IN_PROGRESS,
                    day=day,
                    percent=rng.randint(55, 90),
                    rng=rng,
                    note="Tiếp tục triển khai, chờ sắp xếp đơn vị hành chính.",
                )
            )
    return _write(reports)


def after_change(programme: Programme) -> int:
    """Write 01/07/2025 to the end of the programme on today's map, and the goals' final assessments."""
    rng = random.Random(2025)
    reports = []
    still_open: dict[str, int] = {}
    for assignment in _open_assignments(programme, as_of=CHANGE, carried=True):
        target = {"programme": programme, "assignment": assignment}
        origin = assignment.carried_from.unit.code
        if origin in STILL_OPEN_FROM and still_open.get(origin, 0) < STILL_OPEN_EACH:
            # The demo reporters' provinces keep some of their predecessors' work open, nothing pending.
            still_open[origin] = still_open.get(origin, 0) + 1
            reports.append(
                _report(
                    target,
                    _key(programme, assignment, 2),
                    status=ReportStatus.IN_PROGRESS,
                    day=_day(rng, date(2025, 8, 1), date(2025, 11, 30)),
                    percent=rng.randint(60, 85),
                    rng=rng,
                    note="Đơn vị mới đang tiếp tục phần việc tiếp nhận.",
                )
            )
            continue
        if rng.random() < 0.8:
            day = _day(rng, date(2025, 7, 15), date(2025, 12, 20))
            reports.append(
                _report(
                    target,
                    _key(programme, assignment, 2),
                    status=ReportStatus.DONE,
                    day=day,
                    percent=100,
                    rng=rng,
                    note="Đơn vị mới đã hoàn thành phần việc tiếp nhận.",
                )
            )
        else:
            day = _day(rng, date(2025, 9, 1), date(2025, 12, 15))
            reports.append(
                _report(
                    target,
                    _key(programme, assignment, 2),
                    status=ReportStatus.IN_PROGRESS,
                    day=day,
                    percent=rng.randint(70, 95),
                    rng=rng,
                    note="Đang hoàn thiện sau sắp xếp đơn vị hành chính.",
                )
            )
            if rng.random() < 0.5:
                # The last word before the programme closed: reported done, still awaiting review.
                reports.append(
                    _report(
                        target,
                        _key(programme, assignment, 3),
                        status=ReportStatus.DONE,
                        day=date(2025, 12, 29),
                        percent=100,
                        rng=rng,
                        note="Đơn vị báo cáo đã hoàn thành.",
                        review=ReviewState.SUBMITTED,
                    )
                )
    achieved = goal_assessments(programme=programme, as_of=CONFERENCE_DAY)
    for goal in Goal.objects.filter(programme=programme).order_by("code"):
        if achieved.get(goal.pk) or rng.random() < 0.25:
            continue
        day = _day(rng, date(2023, 6, 1), DA06_END - timedelta(days=10))
        reports.append(
            _report(
                {"programme": programme, "goal": goal},
                f"{programme.code}:{goal.code}:1",
                status=ReportStatus.DONE,
                day=day,
                percent=100,
                rng=rng,
                note="Mục tiêu đã đạt theo đánh giá tổng kết của cơ quan thường trực.",
            )
        )
    return _write(reports)
