"""The 2025 map on the demo's units, for page tests: the 34 provinces of 01/07/2025 loaded as a
deployment loads them (projects.unit_map), the 63 ending the day before and naming their successors,
and the provinces' open assignments carried over (projects.lineage).

Where the demo already holds the 2025 map, it is used as it is.
"""

from datetime import date

from projects import lineage, unit_map
from projects.choices import UnitKind
from projects.models import Unit

LAST_OLD_DAY = date(2025, 6, 30)
FIRST_NEW_DAY = date(2025, 7, 1)


def apply_2025_map() -> None:
    if Unit.objects.filter(kind=UnitKind.PROVINCE, valid_from=FIRST_NEW_DAY).exists():
        return
    summary = unit_map.Summary()
    nation = Unit.objects.get(code="VN", parent__isnull=True)
    _today, ended = unit_map.load_provinces_2025(summary, nation)
    lineage.carry_over(units=ended)
