"""Indicator figures for the pages: the nation's values, a unit's series over time, which kinds of unit have
values, and the ranking of units by their latest value.

Split from metrics.dashboard (issue 13): the indicator pages' reads are one job.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef

from metrics import readers
from metrics.dashboard import rank
from metrics.models import Indicator, Observation
from projects.models import Unit


def indicator_values(indicators: list[Indicator], *, as_of: date) -> dict[int, object]:
    """Return indicator id → the nation's IndicatorValue as of a day, read from the rollups (one read a
    programme when stored, else counted on demand)."""
    from metrics import rollups

    result = {}
    by_programme: dict = defaultdict(list)
    for indicator in indicators:
        by_programme[indicator.programme].append(indicator)
    for programme, members in by_programme.items():
        values = readers.stored_day(programme, as_of).indicator_values(members, nation_only=True)
        for indicator in members:
            result[indicator.pk] = rollups.indicator_value_of(values.get(indicator.pk))
    return result


def indicator_series(*, indicator: Indicator, unit: Unit, as_of: date) -> list[dict]:
    """Return the unit's value over time (readers.indicator_over_time, the one read interface)."""
    return readers.indicator_over_time(indicator, unit=unit, as_of=as_of)


def indicator_unit_kinds(*, indicator: Indicator, as_of: date, kinds: Iterable[str]) -> set[str]:
    """Return those of the kinds whose units have a value of the indicator on or before the day.

    Asked per unit (a semi-join through the observations' (indicator, unit, period) index) rather than as
    the distinct kinds of every observation: at national scale an indicator has half a million
    observations, nearly all of communes, and reading them all to learn which kinds occur took seconds.
    """
    observed = Observation.objects.filter(indicator=indicator, unit=OuterRef("pk"), period__lte=as_of)
    return set(
        Unit.objects.filter(kind__in=list(kinds))
        .filter(Exists(observed))
        .values_list("kind", flat=True)
        .distinct()
    )


def indicator_ranking(
    *, indicator: Indicator, as_of: date, kinds: tuple[str, ...], period: date | None = None
) -> list[dict]:
    """Rank units of the kinds by their latest value (up to as_of or the period) in the indicator's direction."""
    from metrics.choices import Direction

    cutoff = min(as_of, period) if period else as_of
    # The units of the map of that day: a province that ended is not ranked after its end.
    valid_units = Unit.objects.valid_on(cutoff).filter(kind__in=kinds)
    latest: dict = {}
    for o in (
        Observation.objects.filter(indicator=indicator, unit__in=valid_units, period__lte=cutoff)
        .order_by("unit_id", "period", "reported_at", "pk")
        .values(
            "unit_id",
            "unit__code",
            "unit__name",
            "unit__short_name",
            "unit__kind",
            "unit__region",
            "period",
            "value",
            "denominator",
        )
    ):
        latest[o["unit_id"]] = o
    rows = []
    for o in latest.values():
        percent = o["value"] * 100 / o["denominator"] if o["denominator"] else None
        rows.append(
            {
                "code": o["unit__code"],
                "name": o["unit__name"],
                "kind": o["unit__kind"],
                "region": o["unit__region"],
                "period": o["period"],
                "value": o["value"],
                "denominator": o["denominator"],
                "percent": percent,
                "comparable": percent if o["denominator"] else o["value"],
            }
        )
    return rank(rows, key="comparable", reverse=indicator.direction != Direction.LOWER)
