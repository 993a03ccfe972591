"""Honest about age: when an indicator's latest value is older than its reporting period.

A value for period P holds for one reporting period; the next value is due at P plus one period (a
monthly indicator's value of 01/11/2022 is due again on 01/12/2022). As of a day after that, the value
is stale, "since" the day the next value was due. On the due day itself it is not stale yet.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from metrics.choices import ReportingPeriod

MONTHS = {ReportingPeriod.MONTH: 1, ReportingPeriod.QUARTER: 3, ReportingPeriod.YEAR: 12}


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later, on the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Age:
    """How old a value is as of a day: the period it is of, when the next was due, whether it is stale."""

    period: date | None
    due: date | None
    stale: bool

    @property
    def since(self) -> date | None:
        """The day from which the value has been stale (the day the next value was due), or None."""
        return self.due if self.stale else None

    def as_dict(self) -> dict:
        """The fields the API adds to a value: ``stale`` and ``stale_since`` (ISO date or null)."""
        return {"stale": self.stale, "stale_since": self.since.isoformat() if self.since else None}


def age(*, period: date | None, reporting_period: str, as_of: date) -> Age:
    """Return the age of a value of ``period`` as of a day, for an indicator reported every ``reporting_period``."""
    if period is None:
        return Age(None, None, False)
    due = add_months(period, MONTHS.get(reporting_period, 1))
    return Age(period, due, as_of > due)


def indicator_age(indicator, value, as_of: date) -> Age:
    """Return the age of an indicator's value (an IndicatorValue or a row with ``period``) as of a day."""
    period = value.get("period") if isinstance(value, dict) else getattr(value, "period", None)
    return age(period=period, reporting_period=indicator.reporting_period, as_of=as_of)
