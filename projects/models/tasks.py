from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Task(models.Model):
    """A task (nhiệm vụ) of a programme; it is given to units through assignments."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    goal = models.ForeignKey(
        "projects.Goal",
        verbose_name=_("goal"),
        on_delete=models.SET_NULL,
        related_name="tasks",
        null=True,
        blank=True,
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
    lead_unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    coordinating_units = models.ManyToManyField(
        "projects.Unit",
        verbose_name=_("coordinating units"),
        related_name="coordinated_tasks",
        blank=True,
    )
    deadline = models.DateField(
        verbose_name=_("deadline"),
        null=True,
        blank=True,
        help_text=_("Empty for a continuous task."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"],
                name="task_code_unique_in_programme",
                violation_error_message=_("This programme already has a task with this code."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        if self.goal_id and self.programme_id and self.goal.programme_id != self.programme_id:
            raise ValidationError({"goal": _("The goal belongs to another programme.")})


class Assignment(models.Model):
    """One task given to one unit. A task for all 63 provinces has 63 assignments."""

    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    deadline = models.DateField(
        verbose_name=_("deadline"),
        null=True,
        blank=True,
        help_text=_("Defaults to the task's deadline."),
    )
    version = models.PositiveIntegerField(
        verbose_name=_("version"),
        default=0,
        help_text=_("Raised by every report, so that a form opened before another report can tell."),
    )
    # The latest counting report as of today in each view, kept by projects.services; a report dated
    # in the future never counts, so today's status follows from these and the deadline alone.
    verified_report = models.ForeignKey(
        "projects.Report",
        verbose_name=_("latest accepted report"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    reported_report = models.ForeignKey(
        "projects.Report",
        verbose_name=_("latest report"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["version", "verified_report", "reported_report"])

    class Meta:
        ordering = ["task", "unit__path"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "unit"],
                name="assignment_unique_per_task_and_unit",
                violation_error_message=_("This task is already assigned to this unit."),
            ),
        ]

    def __str__(self):
        return f"{self.task.code} → {self.unit}"
