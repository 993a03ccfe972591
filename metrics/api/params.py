"""The API's parameters, declared once: ninja validates each request against these declarations and
the OpenAPI description is generated from them, so the two cannot drift apart.

Each declaration carries the message a refused value gets (in the language of the address), so that the
bound, the check and the words about it live side by side.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Path, Query
from pydantic import BeforeValidator, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from metrics.views.indicators import RANKING_KINDS
from projects.choices import AssignmentStatus, UnitKind

PAGE_SIZE = 100
# A million assignments deep: past the national scale (500,000), and a bound a client can read.
LAST_PAGE = 10_000

UNIT_CODE = r"^[A-Za-z0-9]{2,16}$"
PROGRAMME_CODE = r"^[A-Za-z0-9_-]{1,16}$"
INDICATOR_CODE = r"^[A-Za-z0-9_-]{1,32}$"

KIND_CHOICES = tuple(dict.fromkeys([*RANKING_KINDS, *UnitKind.values]))
RankingKind = Literal[KIND_CHOICES]  # type: ignore[valid-type]


def _full_date(value):
    """Accept a day only as RFC 3339's full-date, YYYY-MM-DD, as format: date says (pydantic would also
    take a number of seconds since 1970)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("not YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_full_date)]
StatusChoice = Literal[tuple(AssignmentStatus.values)]  # type: ignore[valid-type]
UnitCodeText = Annotated[str, StringConstraints(pattern=UNIT_CODE)]
ProgrammeCodeText = Annotated[str, StringConstraints(pattern=PROGRAMME_CODE)]
# An optional parameter is left out, never sent empty or null: the description says so by not offering null.
Omitted = SkipJsonSchema[None]

_DATE_MESSAGE = _("“%(value)s” is not a date: write it as YYYY-MM-DD, for example 2022-12-25.")
_UNIT_MESSAGE = _("A unit code is 2 to 16 capital letters or digits, such as 01, 024, BCA or VN.")
_CODE_MESSAGE = _("“%(value)s” is not a code: letters, digits, - and _ only.")

# What a refused value of each parameter is told, by parameter name.
MESSAGES = {
    "as_of": _DATE_MESSAGE,
    "period": _DATE_MESSAGE,
    "unit": _UNIT_MESSAGE,
    "programme": _CODE_MESSAGE,
    "code": _CODE_MESSAGE,
    "status": _("Unknown status “%(value)s”: one of %(choices)s."),
    "kind": _("Unknown kind of unit."),
    "page": _("Write the page as a whole number from 1 to %(last)s."),
}
CHOICES = {"status": AssignmentStatus.values, "kind": KIND_CHOICES}

AsOf = Annotated[
    Day | Omitted,
    Query(
        description=_(
            "Figures as of this day, YYYY-MM-DD (default: today). Any day may be asked: before a "
            "programme starts nothing is done; after today, deadlines passed count as overdue."
        ),
        examples=["2022-12-25"],
    ),
]
UnitParam = Annotated[
    UnitCodeText | Omitted,
    Query(
        description=_("A unit's code (default: the nation): the figures cover its whole subtree."),
        examples=["01"],
    ),
]
ProgrammeParam = Annotated[
    ProgrammeCodeText | Omitted,
    Query(description=_("A programme's code (default: DA06)."), examples=["DA06"]),
]
StatusParam = Annotated[
    StatusChoice | Omitted,
    Query(
        description=_(
            "Only the assignments of this status (verified): done_on_time, done_late, overdue, "
            "in_progress or not_started."
        ),
    ),
]
PageParam = Annotated[
    int,
    Query(
        ge=1,
        le=LAST_PAGE,
        description=_("The page, 100 assignments each, from 1 (default 1); past the last page: 404."),
        examples=[1],
    ),
]
KindParam = Annotated[
    RankingKind,
    Query(
        description=_(
            "Which units to rank (default: province): central means ministries and agencies, "
            "enterprise the state and telecom enterprises; or any kind of unit."
        ),
        examples=["province"],
    ),
]
PeriodParam = Annotated[
    Day | Omitted,
    Query(
        description=_("Rank the values of this period, YYYY-MM-DD (default: each unit's latest)."),
        examples=["2022-12-25"],
    ),
]
ProgrammeCode = Annotated[
    str, Path(pattern=PROGRAMME_CODE, description=_("A programme's code."), examples=["DA06"])
]
UnitCode = Annotated[str, Path(pattern=UNIT_CODE, description=_("A unit's code."), examples=["01"])]
IndicatorCode = Annotated[
    str, Path(pattern=INDICATOR_CODE, description=_("An indicator's code."), examples=["CCCD_CHIP"])
]
