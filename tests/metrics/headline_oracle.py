"""The national summary's figures counted from the status selectors: a second way of counting, the oracle
that the one read path (metrics.headline.national_headline) is checked against. Never a read path."""

from datetime import date

from metrics import selectors
from metrics.figures import Figure, IndicatorFigure
from metrics.models import Indicator
from projects import selectors as project_selectors
from projects.choices import CENTRAL_KINDS, UnitKind, View
from projects.models import Programme, Unit


def _figure(count) -> Figure:
    verified, reported = (count(view) for view in (View.VERIFIED, View.REPORTED))
    return Figure(done=verified[0], total=verified[1], reported=reported[0])


def goals_figure(programme: Programme, as_of: date) -> Figure:
    total = programme.goals.count()
    return _figure(
        lambda view: (len(selectors.goals_achieved(programme=programme, as_of=as_of, view=view)), total)
    )


def tasks_figure(programme: Programme, as_of: date, unit_kinds=None) -> Figure:
    def count(view):
        counts = project_selectors.task_status_counts(
            programme=programme, as_of=as_of, view=view, unit_kinds=unit_kinds
        )
        return counts["done"], counts["total"]

    return _figure(count)


def units_figure(programme: Programme, kind: str, as_of: date) -> Figure:
    def count(view):
        counts = project_selectors.units_done(programme=programme, kind=kind, as_of=as_of, view=view)
        return counts["done"], counts["total"]

    return _figure(count)


def national_headline_fresh(as_of: date) -> dict:
    """Return the figures of the national summary page as of a date, counted from the source."""
    nation = Unit.objects.get(code="VN")
    programmes = {p.code: p for p in Programme.objects.filter(code__in=["DA06", "CDS2022"])}
    headline: dict = {"as_of": as_of, "programmes": programmes}
    if da06 := programmes.get("DA06"):
        headline["da06_goals"] = goals_figure(da06, as_of)
        headline["da06_tasks"] = tasks_figure(da06, as_of)
        headline["indicators"] = [
            IndicatorFigure(indicator, value, selectors.target_reached(indicator, value))
            for indicator in Indicator.objects.filter(programme=da06).exclude(code="KET_NOI_CSDLDC")
            for value in [selectors.indicator_value(indicator=indicator, unit=nation, as_of=as_of)]
        ]
        connected = Indicator.objects.filter(code="KET_NOI_CSDLDC").first()
        if connected:
            by_kind = selectors.units_reporting_by_kind(indicator=connected, as_of=as_of)
            headline["connected"] = {
                "indicator": connected,
                "central": sum(by_kind.get(kind, 0) for kind in CENTRAL_KINDS),
                "state_enterprise": by_kind.get(UnitKind.STATE_ENTERPRISE, 0),
                "telecom": by_kind.get(UnitKind.TELECOM, 0),
                "province": by_kind.get(UnitKind.PROVINCE, 0),
            }
    if cds := programmes.get("CDS2022"):
        headline["cds_central_tasks"] = tasks_figure(cds, as_of, unit_kinds=CENTRAL_KINDS)
        headline["cds_provinces"] = units_figure(cds, UnitKind.PROVINCE, as_of)
        headline["cds_tasks"] = tasks_figure(cds, as_of)
    return headline
