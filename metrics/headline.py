"""The national summary's headline: DA06's goals and tasks, its indicators, the units connected to the
national population database, CDS2022's tasks and provinces done. Read through metrics.readers, on any
day; "since last month" beside each figure is metrics.headline_since.

Its oracle, which counts the same from the status selectors, is tests/metrics/headline_oracle.py.
"""

from __future__ import annotations

from datetime import date

from django.db.models import OuterRef, Subquery

from metrics import readers, rollups
from metrics.figures import Figure, IndicatorFigure
from metrics.models import Indicator, IndicatorRollup
from metrics.selectors import target_reached
from projects.choices import CENTRAL_KINDS, UnitKind, View
from projects.models import Programme, Unit

HEADLINE_PROGRAMMES = ("DA06", "CDS2022")


def national_headline(as_of: date, programmes: dict[str, Programme] | None = None) -> dict:
    """Return the figures of the national summary page, read from the rollups. ``programmes``: code →
    Programme (its lead unit selected), when the caller has read them."""
    nation_unit = readers.nation()
    if programmes is None:
        programmes = Programme.objects.filter(code__in=HEADLINE_PROGRAMMES).select_related("lead_unit")
        programmes = {p.code: p for p in programmes}
    programmes = {code: p for code, p in programmes.items() if code in HEADLINE_PROGRAMMES}
    days = {day.programme.code: day for day in readers.stored_days(programmes.values(), as_of)}
    headline: dict = {"as_of": as_of, "programmes": programmes}
    computed = [day.computed_at for day in days.values()]
    headline["computed_at"] = min(computed) if computed else None
    if programmes.get("DA06"):
        day = days["DA06"]
        goals = day.goals()
        headline["da06_goals"] = Figure(
            done=goals[View.VERIFIED]["achieved"],
            total=goals[View.VERIFIED]["total"],
            reported=goals[View.REPORTED]["achieved"],
        )
        by_view = day.status([nation_unit]).get(nation_unit.pk)
        headline["da06_tasks"] = task_figure(by_view)
        indicators = day.indicators()
        values = day.indicator_values(indicators, nation_only=True)
        headline["indicators"] = [
            IndicatorFigure(indicator, value, target_reached(indicator, value))
            for indicator in indicators
            if indicator.code != "KET_NOI_CSDLDC"
            for value in [rollups.indicator_value_of(values.get(indicator.pk))]
        ]
        connected = next((i for i in indicators if i.code == "KET_NOI_CSDLDC"), None)
        if connected:
            by_kind = _connected_by_kind(connected, day)
            headline["connected"] = {
                "indicator": connected,
                "central": sum(by_kind.get(kind, 0) for kind in CENTRAL_KINDS),
                "state_enterprise": by_kind.get(UnitKind.STATE_ENTERPRISE, 0),
                "telecom": by_kind.get(UnitKind.TELECOM, 0),
                "province": by_kind.get(UnitKind.PROVINCE, 0),
            }
    if programmes.get("CDS2022"):
        day = days["CDS2022"]
        provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE).only("pk", "depth"))
        status = day.status([nation_unit, *provinces])
        nation_figures = status.get(nation_unit.pk)
        headline["cds_central_tasks"] = Figure(
            done=readers._figures(nation_figures, View.VERIFIED)["central_tasks_done"],
            total=readers._figures(nation_figures, View.VERIFIED)["central_tasks"],
            reported=readers._figures(nation_figures, View.REPORTED)["central_tasks_done"],
        )
        headline["cds_provinces"] = units_done_figure([status.get(p.pk) for p in provinces])
        headline["cds_tasks"] = task_figure(nation_figures)
    return headline


def task_figure(by_view) -> Figure:
    verified, reported = readers._figures(by_view, View.VERIFIED), readers._figures(by_view, View.REPORTED)
    return Figure(done=verified["tasks_done"], total=verified["tasks"], reported=reported["tasks_done"])


def units_done_figure(rows: list) -> Figure:
    """Units whose whole subtree is done, of those with anything assigned (the "59/63" figure)."""

    def done_units(view):
        figures = [readers._figures(row, view) for row in rows]
        with_work = [f for f in figures if f["assignments"]]
        done = sum(1 for f in with_work if f["done_on_time"] + f["done_late"] == f["assignments"])
        return done, len(with_work)

    done, total = done_units(View.VERIFIED)
    reported, _total = done_units(View.REPORTED)
    return Figure(done=done, total=total, reported=reported)


def _connected_by_kind(indicator: Indicator, day: readers.StoredDay) -> dict[str, int]:
    """Count units by kind whose own latest value is above zero (units officially connected)."""
    if day.covers(rollups.SNAPSHOT_DEPTH):
        # Each row's kind by a probe of the unit's key, not a join: PostgreSQL estimates a day's rows of
        # one indicator at some ten thousand (there are tens) and hashed every unit of the country for
        # them, 3 ms of the summary's SQL against 0.1.
        kind = Unit.objects.filter(pk=OuterRef("unit_id")).values("kind")
        rows = (
            IndicatorRollup.objects.filter(indicator=indicator, day=day.day, own=True, value__gt=0)
            .annotate(kind=Subquery(kind))
            .values_list("kind", flat=True)
            .order_by()
        )
        counts: dict[str, int] = {}
        for kind in rows:
            counts[kind] = counts.get(kind, 0) + 1
        return counts
    from metrics.selectors import units_reporting_by_kind

    return units_reporting_by_kind(indicator=indicator, as_of=day.day)
