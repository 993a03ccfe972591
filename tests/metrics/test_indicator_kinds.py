"""The kinds of unit an indicator's ranking offers: read per unit kind, counted a second way from every
observation, on days before, during and after the demo's values."""

from datetime import date

import pytest

from metrics import indicator_figures
from metrics.models import Indicator, Observation
from projects.choices import UnitKind
from projects.models import Unit

pytestmark = pytest.mark.django_db

KINDS = set(UnitKind.values) - {UnitKind.NATION}


@pytest.mark.parametrize(
    "day", [date(2021, 12, 31), date(2022, 6, 30), date(2022, 12, 25), date(2026, 12, 3)]
)
def test_the_kinds_with_a_value_are_those_of_the_observations(day):
    indicators = list(Indicator.objects.all())
    assert indicators
    for indicator in indicators:
        expected = set(
            Observation.objects.filter(indicator=indicator, period__lte=day)
            .exclude(unit__kind=UnitKind.NATION)
            .values_list("unit__kind", flat=True)
        )
        assert indicator_figures.indicator_unit_kinds(indicator=indicator, as_of=day, kinds=KINDS) == expected


def test_a_value_after_the_day_offers_no_kind(django_assert_max_num_queries):
    indicator = Indicator.objects.first()
    ministry = Unit.objects.filter(kind=UnitKind.MINISTRY).first()
    Observation.objects.filter(indicator=indicator, unit__kind=UnitKind.MINISTRY).delete()
    Observation.objects.create(
        indicator=indicator, unit=ministry, period=date(2023, 1, 31), value=5, reported_at="2023-02-01T00:00Z"
    )
    before = indicator_figures.indicator_unit_kinds(
        indicator=indicator, as_of=date(2023, 1, 30), kinds={UnitKind.MINISTRY}
    )
    with django_assert_max_num_queries(1):
        after = indicator_figures.indicator_unit_kinds(
            indicator=indicator, as_of=date(2023, 1, 31), kinds={UnitKind.MINISTRY}
        )
    assert (before, after) == (set(), {UnitKind.MINISTRY})
