"""Factories for tests: small helpers that build valid domain rows through the services."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model

from projects import services
from projects.choices import ReportStatus, UnitKind
from projects.models import Programme, Task, Unit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("tiendo-test")


def unit(code: str, *, parent: Unit | None = None, kind: str | None = None, name: str | None = None) -> Unit:
    if kind is None:
        kind = {None: UnitKind.NATION, 0: UnitKind.PROVINCE, 1: UnitKind.DISTRICT, 2: UnitKind.COMMUNE}.get(
            None if parent is None else parent.depth, UnitKind.COMMUNE
        )
    return services.unit_create(code=code, name=name or f"Đơn vị {code}", kind=kind, parent=parent)


def programme(code: str = "TEST", *, lead: Unit) -> Programme:
    return Programme.objects.create(
        code=code, name=f"Chương trình {code}", start=date(2022, 1, 1), lead_unit=lead
    )


def task(programme: Programme, code: str, *, lead: Unit, deadline: date | None = None, goal=None) -> Task:
    return Task.objects.create(
        programme=programme, code=code, title=f"Nhiệm vụ {code}", lead_unit=lead, deadline=deadline, goal=goal
    )


def report(
    target,
    status: str,
    effective_date: date,
    *,
    accepted: bool = True,
    completed_on: date | None = None,
    submitted_at: datetime | None = None,
    user=None,
    **fields,
):
    """Submit a report (on an assignment or a goal) and, unless told otherwise, accept it."""
    if status == ReportStatus.DONE and completed_on is None:
        completed_on = effective_date
    target_kwargs = {"goal": target} if target.__class__.__name__ == "Goal" else {"assignment": target}
    submitted = services.report_submit(
        user=user,
        status=status,
        effective_date=effective_date,
        completed_on=completed_on,
        submitted_at=submitted_at or datetime.combine(effective_date, time(9), TZ),
        **target_kwargs,
        **fields,
    )
    if accepted:
        return services.report_accept(report=submitted, user=user)
    return submitted
