"""Reads of the read side: indicator values and programme summaries, counted fresh from the source.

The rollups are checked against these; pages read the rollups once those exist.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, QuerySet, Subquery

from metrics import memo
from metrics.choices import Aggregation, Direction
from metrics.models import Indicator, Observation
from projects import selectors as project_selectors
from projects.choices import UnitKind, View
from projects.models import Programme, Unit


@dataclass(frozen=True)
class IndicatorValue:
    value: Decimal | None
    denominator: Decimal | None = None
    period: date | None = None
    units: int = 0

    @property
    def percent(self) -> Decimal | None:
        """The value as a percentage of its denominator, for ratios."""
        if self.value is None or not self.denominator:
            return None
        return self.value * 100 / self.denominator

    @property
    def comparable(self) -> Decimal | None:
        """The number compared with a target: the percentage for a ratio, else the value."""
        return self.percent if self.denominator else self.value


def latest_observations(
    *, indicator: Indicator, as_of: date, unit: Unit | None = None
) -> dict[int, Observation]:
    """Return, per unit in the subtree, its latest observation (latest period, then latest revision)."""
    queryset: QuerySet[Observation] = Observation.objects.filter(indicator=indicator, period__lte=as_of)
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    latest: dict[int, Observation] = {}
    for observation in queryset.select_related("unit").order_by("unit_id", "period", "reported_at", "pk"):
        latest[observation.unit_id] = observation
    return latest


def indicator_value(*, indicator: Indicator, unit: Unit, as_of: date) -> IndicatorValue:
    """Return a unit's value: its own latest observation, else its subtree's aggregated by the rule."""
    latest = latest_observations(indicator=indicator, as_of=as_of, unit=unit)
    own = latest.get(unit.pk)
    if own is not None:
        return IndicatorValue(own.value, own.denominator, own.period, 1)
    below = [o for o in latest.values() if o.unit_id != unit.pk]
    value, denominator = aggregate(indicator.aggregation, [(o.value, o.denominator) for o in below])
    if value is None:
        return IndicatorValue(None)
    return IndicatorValue(value, denominator, max(o.period for o in below), len(below))


def aggregate(
    rule: str, pairs: list[tuple[Decimal, Decimal | None]]
) -> tuple[Decimal | None, Decimal | None]:
    """Return the (value, denominator) of the units below rolled up by an aggregation rule.

    The one statement of the rules: the selectors, the dashboard and the rollups' check all use it.
    """
    values = [value for value, _denominator in pairs]
    if not values or rule == Aggregation.NONE:
        return None, None
    match rule:
        case Aggregation.SUM:
            return sum(values), None
        case Aggregation.MEAN:
            return sum(values) / len(values), None
        case Aggregation.MIN:
            return min(values), None
        case Aggregation.MAX:
            return max(values), None
        case Aggregation.RATIO:
            return sum(values), sum(denominator or 0 for _value, denominator in pairs) or None
    raise ValueError(f"unknown aggregation {rule!r}")


def target_reached(indicator: Indicator, value: IndicatorValue) -> bool:
    if indicator.target_value is None or value.comparable is None:
        return False
    if indicator.direction == Direction.LOWER:
        return value.comparable <= indicator.target_value
    return value.comparable >= indicator.target_value


def units_reporting_by_kind(*, indicator: Indicator, as_of: date) -> dict[str, int]:
    """Return, per kind of unit, how many units have a latest value above zero (e.g. units connected)."""
    latest = latest_observations(indicator=indicator, as_of=as_of)
    return dict(Counter(o.unit.kind for o in latest.values() if o.value > 0))


def nation_of(programme: Programme) -> Unit:
    """Return the root of the tree the programme's lead unit belongs to: the nation its figures are of."""
    return memo.once(("nation_of", programme.pk), lambda: _nation_of(programme))


def nation() -> Unit:
    """Return the nation, the root of the unit tree (read once per request)."""
    return memo.once(("nation",), lambda: Unit.objects.get(parent__isnull=True, kind=UnitKind.NATION))


def _nation_of(programme: Programme) -> Unit:
    roots = Unit.objects.filter(parent__isnull=True)
    if programme.lead_unit_id and Programme.lead_unit.is_cached(programme):
        # The lead unit was read with the programme: its path names the root, most often the nation
        # that the page has read already.
        root_path = programme.lead_unit.path.split("/", 1)[0] + "/"
        if (the_nation := nation()).path == root_path:
            return the_nation
    if programme.lead_unit_id:
        # One query: the root whose path begins the lead unit's path.
        lead_path = Unit.objects.filter(pk=programme.lead_unit_id).values("path")
        root = roots.annotate(lead_path=Subquery(lead_path)).filter(lead_path__startswith=F("path")).first()
        if root is not None:
            return root
    return roots.filter(kind="nation").order_by("pk").first()


def goals_achieved(*, programme: Programme, as_of: date, view: str = View.VERIFIED) -> set[int]:
    """Return the goals achieved as of a date: by their latest assessment, or by their indicator's target."""
    achieved = {
        goal_id
        for goal_id, ok in project_selectors.goal_assessments(
            programme=programme, as_of=as_of, view=view
        ).items()
        if ok
    }
    nation = nation_of(programme)
    for indicator in Indicator.objects.filter(programme=programme, goal__isnull=False):
        if indicator.goal_id in achieved:
            continue
        if target_reached(indicator, indicator_value(indicator=indicator, unit=nation, as_of=as_of)):
            achieved.add(indicator.goal_id)
    return achieved


def programme_summary(*, programme: Programme, unit: Unit, as_of: date) -> dict:
    """Return a programme's figures for a unit's subtree, verified and reported side by side."""
    result: dict = {"programme": programme.code, "unit": unit.code, "as_of": as_of.isoformat()}
    for view in (View.VERIFIED, View.REPORTED):
        figures = {
            "goals": {
                "achieved": len(goals_achieved(programme=programme, as_of=as_of, view=view)),
                "total": programme.goals.count(),
            },
            "tasks": project_selectors.task_status_counts(
                programme=programme, as_of=as_of, view=view, unit=unit
            ),
            "assignments": project_selectors.assignment_status_counts(
                programme=programme, as_of=as_of, view=view, unit=unit
            ),
        }
        if view == View.VERIFIED:
            result.update(figures)
        else:
            result["reported"] = figures
    return result
