"""Imports of observations (indicator values) from UTF-8 CSV or XLSX files, all rows or none.

Uses the reading, unit-name resolution and all-or-nothing machinery of projects.imports.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from metrics import generation
from metrics.models import Indicator, Observation, RollupDay
from projects.choices import Role
from projects.imports import (
    Importer,
    RowInvalid,
    UnitResolver,
    parse_date,
    parse_decimal,
    source_key,
    text_cell,
)
from projects.rules import memberships

logger = logging.getLogger(__name__)


def _fits(number) -> bool:
    """Return whether a number fits the columns (20 digits, 4 of them after the decimal mark)."""
    return abs(number) < 10**16 and number == number.quantize(Decimal("0.0001"))


class ObservationImporter(Importer):
    """One row, one observation of an indicator for a unit and a period; importing twice adds nothing."""

    kind = "observations"
    required_columns = ("indicator", "unit", "period", "value")
    optional_columns = ("denominator", "source")

    def prepare(self, rows):
        self.indicators = {i.code.upper(): i for i in Indicator.objects.all()}
        self.units = UnitResolver(map_to_successors=self.map_to_successors)
        self.today = timezone.localdate()

    def _may_write(self, indicator: Indicator, unit) -> bool:
        """Admins, the reviewers of the indicator's programme, and the reporters of the unit may."""
        user = self.user
        if user is None or (user.is_active and user.is_superuser):
            return True
        for role, path, programme_id in memberships(user):
            if role == Role.REVIEWER and programme_id == indicator.programme_id:
                return True
            if role == Role.REPORTER and path is not None and unit.path.startswith(path):
                return True
        return False

    def check_row(self, number, row):
        code = text_cell("indicator", row.get("indicator")).upper()
        indicator = self.indicators.get(code)
        if indicator is None:
            raise RowInvalid("indicator", _("No indicator has the code “%(value)s”.") % {"value": code})
        period = parse_date("period", row.get("period"), required=True)
        if period > self.today:
            raise RowInvalid("period", _("The period cannot be in the future."))
        # A unit resolves on the map of the row's period.
        unit = self.units.resolve("unit", row.get("unit"), on=period)
        if not self._may_write(indicator, unit):
            raise RowInvalid("unit", _("You may not report for %(unit)s.") % {"unit": unit.name})
        value = parse_decimal("value", row.get("value"), required=True)
        denominator = parse_decimal("denominator", row.get("denominator"), required=False)
        if denominator is not None and denominator <= 0:
            raise RowInvalid("denominator", _("A denominator must be greater than zero."))
        for column, number_value in (("value", value), ("denominator", denominator)):
            if number_value is not None and not _fits(number_value):
                raise RowInvalid(column, _("At most 16 digits before the decimal mark and 4 after."))
        source = text_cell("source", row.get("source"), max_length=300)
        key = source_key("import:obs", indicator.code, unit.code, period, value, denominator, source)
        observation = Observation(
            indicator=indicator,
            unit=unit,
            period=period,
            value=value,
            denominator=denominator,
            source=source,
            source_key=key,
        )
        preview = {
            "target": f"{indicator.code} · {unit.name}",
            "status": str(value) if denominator is None else f"{value}/{denominator}",
            "percent": "",
            "effective_date": period.strftime("%d/%m/%Y"),
        }
        return key, observation, preview

    def existing_keys(self, keys):
        found = set()
        for start in range(0, len(keys), 2000):
            found.update(
                Observation.objects.filter(source_key__in=keys[start : start + 2000]).values_list(
                    "source_key", flat=True
                )
            )
        return found

    @transaction.atomic
    def write(self, objects):
        now = timezone.now()
        for observation in objects:
            observation.reported_by = self.user
            observation.reported_at = now
        Observation.objects.bulk_create(objects, batch_size=2000)
        programme_ids = sorted({observation.indicator.programme_id for observation in objects})
        if objects:
            # A value for an earlier period changes the stored history from that period on: flag those
            # days stale, so that readers count them afresh until the nightly job recomputes them.
            earliest = min(observation.period for observation in objects)
            RollupDay.objects.filter(
                programme_id__in=programme_ids, day__gte=earliest, day__lt=timezone.localdate()
            ).update(stale=True)
        generation.bump(None)
        generation.bump(programme_ids)
        transaction.on_commit(lambda: _refresh_rollups(programme_ids))


def _refresh_rollups(programme_ids: list[int]) -> None:
    """Indicator values are rolled up per programme: recompute the programmes the import touched.

    The observations are committed already: a broker that is down must not turn the import into a
    failure. Today's figures of the programme are then flagged stale, so that the pages count them
    afresh until the nightly job recomputes them.
    """
    from metrics.tasks import rollups_recompute_programme

    for programme_id in programme_ids:
        try:
            rollups_recompute_programme.delay(programme_id)
        except Exception:
            logger.exception(
                "could not queue the recompute of programme %s; the nightly job will", programme_id
            )
            RollupDay.objects.filter(programme_id=programme_id, day__gte=timezone.localdate()).update(
                stale=True
            )
