from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Programme(models.Model):
    """A programme of work, such as Đề án 06 (DA06)."""

    code = models.CharField(
        verbose_name=_("code"),
        max_length=16,
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=300,
    )
    short_name = models.CharField(
        verbose_name=_("short name"),
        max_length=80,
        blank=True,
    )
    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=300,
        blank=True,
    )
    decision = models.CharField(
        verbose_name=_("decision"),
        max_length=80,
        blank=True,
        help_text=_("The legal instrument that set the programme up, such as 06/QĐ-TTg."),
    )
    start = models.DateField(
        verbose_name=_("start"),
    )
    end = models.DateField(
        verbose_name=_("end"),
        null=True,
        blank=True,
    )
    lead_unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_programmes",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="programme_end_after_start",
                violation_error_message=_("A programme cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.short_name or self.name


class Goal(models.Model):
    """A goal (mục tiêu) of a programme, assessed by reports or measured by an indicator."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="goals",
    )
    code = models.CharField(
        verbose_name=_("code"),
        max_length=16,
    )
    title = models.CharField(
        verbose_name=_("title"),
        max_length=500,
    )
    group = models.CharField(
        verbose_name=_("group"),
        max_length=200,
        blank=True,
    )
    deadline = models.DateField(
        verbose_name=_("deadline"),
        null=True,
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"],
                name="goal_code_unique_in_programme",
                violation_error_message=_("This programme already has a goal with this code."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"
