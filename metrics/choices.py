from django.db import models
from django.utils.translation import gettext_lazy as _


class Aggregation(models.TextChoices):
    """How the values of the units below roll up into a unit's value."""

    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    RATIO = "ratio", _("Ratio (sum of values over sum of denominators)")
    NONE = "none", _("None (only the unit's own value)")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ReportingPeriod(models.TextChoices):
    """How often an indicator is expected to have a new value; older than that, its latest value is stale."""

    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")
