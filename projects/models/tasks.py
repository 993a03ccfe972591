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


class AssignmentQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Return the assignments that count on a day: a carried one from the day it passed, its
        original until the day before."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day),
        )


class Assignment(models.Model):
    """One task given to one unit. A task for all 63 provinces has 63 assignments.

    When a unit ends, its assignment passes to the successor (projects.lineage): the original ends
    (``valid_to``, the unit's last day) and a new assignment of the successor begins the next day
    (``valid_from``) with ``carried_from`` naming the original. As of any day exactly one of the two
    counts, so nothing is counted twice or lost.
    """

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

    valid_from = models.DateField(
        verbose_name=_("valid from"),
        null=True,
        blank=True,
        help_text=_("The day a carried assignment passed to this unit; empty for an original one."),
    )
    valid_to = models.DateField(
        verbose_name=_("valid to"),
        null=True,
        blank=True,
        help_text=_("The last day the assignment counted for this unit, before it passed to a successor."),
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried from"),
        on_delete=models.PROTECT,
        related_name="carried_to",
        null=True,
        blank=True,
        help_text=_("The assignment of a predecessor unit that this one continues."),
    )

    objects = AssignmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "verified_report", "reported_report"])

    class Meta:
        ordering = ["task", "unit__path"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        # A day not stored is counted from a stored day and the assignments whose deadline or validity
        # falls between the two (metrics.rollups.any_day).
        indexes = [
            models.Index(fields=["deadline"], name="assignment_deadline"),
            # The assignments that moved between a stored day and the day read are looked up by id, one
            # by one; what the status rule reads of them is included, so each is read from this index
            # alone rather than from a table page of its own (at scale 1, 7,750 assignments of three days
            # of 2025: 93 ms against 121 for the whole difference, metrics.rollups.any_day).
            models.Index(
                fields=["id"],
                include=["task", "unit", "deadline", "valid_from", "valid_to"],
                name="assignment_id_status",
            ),
            models.Index(
                fields=["valid_from"],
                name="assignment_valid_from",
                condition=models.Q(valid_from__isnull=False),
            ),
            models.Index(
                fields=["valid_to"], name="assignment_valid_to", condition=models.Q(valid_to__isnull=False)
            ),
        ]
        constraints = [
            # A unit holds a task once as its own, and once more for each predecessor's assignment it
            # carries (Tuyên Quang carries its own and Hà Giang's).
            models.UniqueConstraint(
                fields=["task", "unit"],
                condition=models.Q(carried_from__isnull=True),
                name="assignment_unique_per_task_and_unit",
                violation_error_message=_("This task is already assigned to this unit."),
            ),
            models.UniqueConstraint(
                fields=["task", "unit", "carried_from"],
                name="assignment_carried_once_per_unit",
                violation_error_message=_("This unit already carries this assignment."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="assignment_validity_ordered",
                violation_error_message=_("An assignment cannot end before it begins."),
            ),
        ]

    def __str__(self):
        return f"{self.task.code} → {self.unit}"

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )
