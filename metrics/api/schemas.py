"""The shapes of the API's answers (DESIGN.md), declared once: they validate what is sent and describe it."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from projects.choices import AssignmentStatus

Number = int | float


class ParameterError(Schema):
    parameter: str = Field(description=_("The parameter that was refused."))
    message: str = Field(description=_("Why it was refused."))


class Error(Schema):
    detail: str = Field(description=_("What went wrong, in the language of the address (/en/ for English)."))
    errors: list[ParameterError] = Field(
        default_factory=list, description=_("Each refused parameter, when parameters were refused.")
    )


class Goals(Schema):
    achieved: int = Field(ge=0)
    total: int = Field(ge=0)


class Tasks(Schema):
    total: int = Field(ge=0)
    done: int = Field(ge=0)
    overdue: int = Field(ge=0)
    in_progress: int = Field(ge=0)
    not_started: int = Field(ge=0)


class Assignments(Schema):
    total: int = Field(ge=0)
    done_on_time: int = Field(ge=0)
    done_late: int = Field(ge=0)
    in_progress: int = Field(ge=0)
    not_started: int = Field(ge=0)
    overdue: int = Field(ge=0)


class Figures(Schema):
    goals: Goals
    tasks: Tasks
    assignments: Assignments


class Summary(Schema):
    programme: str
    unit: str
    as_of: date
    computed_at: datetime | None = Field(description=_("When the figures were counted."))
    goals: Goals
    tasks: Tasks
    assignments: Assignments
    reported: Figures = Field(description=_("The same figures, also counting reports awaiting review."))


class Programme(Schema):
    code: str
    name: str
    short_name: str
    name_en: str
    decision: str
    start: date
    end: date | None
    lead_unit: str
    summary: str = Field(description=_("The address of the programme's summary."))


class ProgrammeList(Schema):
    results: list[Programme]


class Assignment(Schema):
    id: int
    task: str
    task_title: str
    unit: str
    unit_name: str
    deadline: date | None
    status: AssignmentStatus = Field(description=_("The verified status: counting accepted reports only."))
    reported_status: AssignmentStatus = Field(
        description=_("The status counting reports awaiting review too.")
    )
    percent: int | None
    verified_on: date | None


class AssignmentPage(Schema):
    programme: str
    unit: str | None
    as_of: date
    count: int = Field(ge=0, description=_("How many assignments match, on every page."))
    page: int = Field(ge=1)
    pages: int = Field(ge=1)
    results: list[Assignment] = Field(description=_("At most 100 assignments."))


class SeriesPoint(Schema):
    period: date
    value: Number | None
    denominator: Number | None


class IndicatorValues(Schema):
    indicator: str
    unit: str
    as_of: date
    value: Number | None
    denominator: Number | None
    percent: Number | None
    period: date | None
    target: Number | None
    target_date: date | None
    reached: bool | None
    stale: bool = Field(description=_("True when the latest value is older than its reporting period"))
    stale_since: date | None = Field(
        description=_("The day the next value was due, when the latest is stale")
    )
    series: list[SeriesPoint]


class RankedUnit(Schema):
    rank: int = Field(ge=1, description=_("Ties share a rank: 1, 2, 2, 4."))
    unit: str
    name: str
    value: Number | None
    denominator: Number | None
    percent: Number | None
    period: date


class Ranking(Schema):
    indicator: str
    kind: str
    period: date | None
    as_of: date
    direction: str
    results: list[RankedUnit]
