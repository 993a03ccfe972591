from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from metrics.choices import Aggregation, Direction


class Indicator(models.Model):
    """A measured quantity (chỉ tiêu), such as chip-based ID cards issued."""

    code = models.CharField(
        verbose_name=_("code"),
        max_length=32,
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=300,
    )
    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=300,
        blank=True,
    )
    unit_of_measure = models.CharField(
        verbose_name=_("unit of measure"),
        max_length=60,
        blank=True,
    )
    aggregation = models.CharField(
        verbose_name=_("aggregation"),
        max_length=8,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
    )
    direction = models.CharField(
        verbose_name=_("direction"),
        max_length=8,
        choices=Direction.choices,
        default=Direction.HIGHER,
    )
    target_value = models.DecimalField(
        verbose_name=_("target value"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("For a ratio, in percent."),
    )
    target_date = models.DateField(
        verbose_name=_("target date"),
        null=True,
        blank=True,
    )
    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    goal = models.ForeignKey(
        "projects.Goal",
        verbose_name=_("goal measured"),
        on_delete=models.SET_NULL,
        related_name="indicators",
        null=True,
        blank=True,
    )
    display_order = models.PositiveSmallIntegerField(
        verbose_name=_("display order"),
        default=100,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name

    def clean(self):
        if self.goal_id and self.programme_id and self.goal.programme_id != self.programme_id:
            raise ValidationError({"goal": _("The goal belongs to another programme.")})


class Observation(models.Model):
    """One value of an indicator for one unit and period. Revisable by appending a newer observation."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="observations",
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    period = models.DateField(
        verbose_name=_("period"),
    )
    value = models.DecimalField(
        verbose_name=_("value"),
        max_digits=20,
        decimal_places=4,
    )
    denominator = models.DecimalField(
        verbose_name=_("denominator"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
    )
    source = models.CharField(
        verbose_name=_("source"),
        max_length=300,
        blank=True,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="observations",
        null=True,
        blank=True,
    )
    reported_at = models.DateTimeField(
        verbose_name=_("reported at"),
    )
    source_key = models.CharField(
        verbose_name=_("source key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        ordering = ["indicator", "unit", "-period", "-reported_at"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            models.Index(
                fields=["indicator", "unit", "period", "reported_at"],
                name="observation_timeline",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(denominator__isnull=True) | models.Q(denominator__gt=0),
                name="observation_denominator_positive",
                violation_error_message=_("A denominator must be greater than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.unit.code} {self.period:%d/%m/%Y}: {self.value}"
