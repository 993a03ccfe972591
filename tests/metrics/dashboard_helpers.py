"""Helpers for the dashboard tests: the pages and API endpoints, and a way to make the data larger."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Max

from metrics.models import Indicator, Observation
from projects.choices import ReportStatus, ReviewState, UnitKind
from projects.models import Assignment, Programme, Report, Task, Unit

CONFERENCE = "2022-12-25"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

PAGES = [
    "/",
    "/programmes/",
    "/programmes/DA06/",
    "/programmes/CDS2022/",
    "/programmes/DA06/goals/",
    "/programmes/DA06/tasks/",
    "/programmes/CDS2022/tasks/?scope=central&status=done",
    "/programmes/DA06/tasks/NV01/",
    "/programmes/CDS2022/tasks/NV045/",
    "/programmes/DA06/assignments/",
    "/programmes/DA06/assignments/?status=overdue&kind=province",
    "/units/",
    "/units/?programme=CDS2022&kind=province&all_done=yes",
    "/units/VN/",
    "/units/01/",
    "/units/BCA/?programme=DA06",
    "/indicators/",
    "/indicators/CCCD_CHIP/",
    "/indicators/KET_NOI_CSDLDC/?kind=central",
    "/api/docs",
]

API = [
    "/api/programmes/",
    "/api/programmes/DA06/summary",
    "/api/programmes/DA06/summary?unit=01",
    "/api/units/01/summary?programme=CDS2022",
    "/api/assignments?programme=DA06&status=overdue",
    "/api/indicators/CCCD_CHIP/values",
    "/api/indicators/KET_NOI_CSDLDC/ranking?kind=province",
    "/api/openapi.json",
]

UNKNOWN = [
    "/programmes/NOPE/",
    "/programmes/NOPE/goals/",
    "/programmes/NOPE/tasks/",
    "/programmes/DA06/tasks/NV999/",
    "/programmes/NOPE/assignments/",
    "/units/ZZ/",
    "/indicators/NOPE/",
    "/api/programmes/NOPE/summary",
    "/api/units/ZZ/summary",
    "/api/indicators/NOPE/values",
    "/api/indicators/NOPE/ranking",
    "/api/programmes/DA06/summary?unit=ZZ",
]


def with_as_of(url: str, as_of: str = CONFERENCE) -> str:
    return f"{url}{'&' if '?' in url else '?'}as_of={as_of}"


def enlarge(extra_provinces: int = 40, communes_each: int = 3) -> int:
    """Add provinces with communes, assignments of every province-wide task, reports and observations.

    Everything goes in with bulk_create, as generate_national does; each assignment gets one accepted
    report (its own chain, so verified_until stays empty). Return the number of assignments added.
    """
    nation = Unit.objects.get(code="VN")
    start = Unit.objects.count()
    provinces = [
        Unit(
            code=f"X{start + i:04d}",
            name=f"Tỉnh thử {i}",
            short_name=f"Thử {i}",
            kind=UnitKind.PROVINCE,
            region="MD",
            parent=nation,
            path=f"{nation.path}X{start + i:04d}/",
            depth=1,
        )
        for i in range(extra_provinces)
    ]
    Unit.objects.bulk_create(provinces)
    communes = [
        Unit(
            code=f"{p.code}C{j}",
            name=f"Xã thử {p.code}-{j}",
            kind=UnitKind.COMMUNE,
            parent=p,
            path=f"{p.path}{p.code}C{j}/",
            depth=2,
        )
        for p in Unit.objects.filter(code__in=[p.code for p in provinces])
        for j in range(communes_each)
    ]
    Unit.objects.bulk_create(communes)
    province_tasks = list(
        Task.objects.filter(assignments__unit__kind=UnitKind.PROVINCE).distinct().select_related("programme")
    )
    new_units = list(Unit.objects.filter(code__startswith="X"))
    assignments = [
        Assignment(task=task, unit=unit, deadline=task.deadline)
        for task in province_tasks
        for unit in new_units
    ]
    Assignment.objects.bulk_create(assignments)
    created = list(
        Assignment.objects.filter(unit__code__startswith="X").select_related("task").order_by("pk")
    )
    submitted = datetime.combine(date(2022, 6, 1), time(9), tzinfo=TZ)
    reports = [
        Report(
            programme_id=a.task.programme_id,
            assignment=a,
            status=ReportStatus.DONE if i % 3 else ReportStatus.IN_PROGRESS,
            percent=100 if i % 3 else 50,
            completed_on=date(2022, 5, 30) if i % 3 else None,
            effective_date=date(2022, 6, 1),
            submitted_at=submitted,
            review_state=ReviewState.ACCEPTED if i % 5 else ReviewState.SUBMITTED,
        )
        for i, a in enumerate(created)
    ]
    Report.objects.bulk_create(reports)
    indicator = Indicator.objects.get(code="KET_NOI_CSDLDC")
    last = Observation.objects.filter(indicator=indicator).aggregate(Max("reported_at"))["reported_at__max"]
    Observation.objects.bulk_create(
        [
            Observation(indicator=indicator, unit=u, period=date(2022, 6, 30), value=1, reported_at=last)
            for u in new_units
            if u.kind == UnitKind.PROVINCE
        ]
    )
    assert Programme.objects.count() == 2
    return len(created)
