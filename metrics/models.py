from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from metrics.choices import Aggregation, Direction, ReportingPeriod
from projects.choices import View


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
    reporting_period = models.CharField(
        verbose_name=_("reporting period"),
        max_length=8,
        choices=ReportingPeriod.choices,
        default=ReportingPeriod.MONTH,
        help_text=_("How often a new value is due; a latest value older than this is shown as stale."),
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
        db_index=False,  # observation_timeline and observation_period begin with it
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
        db_index=False,  # observation_reported_by: only the observations entered by a person
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
            # Whether any observation has its period between two days (metrics.rollups.any_day).
            models.Index(fields=["indicator", "period"], name="observation_period"),
            models.Index(
                fields=["reported_by"],
                name="observation_reported_by",
                condition=models.Q(reported_by__isnull=False),
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


# Rollups ------------------------------------------------------------------------------------------
#
# Precomputed figures that pages read instead of counting reports. Every row belongs to one day:
# a full recompute writes every unit's row for that day in one transaction; RollupDay records which
# days are complete and down to which depth of the tree, so a reader knows whether it may trust the
# rows or must count on demand. Days before the latest keep only the top of the tree (the nation,
# provinces, ministries, enterprises), which is what trend charts read; that keeps three years of
# daily history at about 200 rows a day per programme and view.


class RollupScope(models.TextChoices):
    FULL = "full", _("Full recompute")
    PATHS = "paths", _("Refresh of changed units")
    HISTORY = "history", _("History")


class RollupOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RollupDay(models.Model):
    """A day whose rollup rows are complete for a programme, down to a depth of the unit tree."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="rollup_days",
    )
    day = models.DateField(
        verbose_name=_("day"),
    )
    max_depth = models.PositiveSmallIntegerField(
        verbose_name=_("deepest level stored"),
        null=True,
        blank=True,
        help_text=_("Empty when every unit of the tree has its row."),
    )
    computed_at = models.DateTimeField(
        verbose_name=_("computed at"),
    )
    stale = models.BooleanField(
        verbose_name=_("stale"),
        default=False,
        help_text=_(
            "A later change reached back before this day (a backdated report, a deadline moved, a unit "
            "moved): readers count it afresh until the nightly run recomputes it."
        ),
    )

    class Meta:
        ordering = ["programme", "-day"]
        verbose_name = _("rollup day")
        verbose_name_plural = _("rollup days")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "day"],
                name="rollup_day_unique",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.day:%d/%m/%Y}"

    def covers(self, depth: int) -> bool:
        return not self.stale and (self.max_depth is None or depth <= self.max_depth)


class StatusRollup(models.Model):
    """Status counts of a programme's assignments and tasks in one unit's subtree, on one day, in one view."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="status_rollups",
        # status_rollup_unique and status_rollup_day begin with it. An index of the programme alone misled
        # PostgreSQL: a day on which another programme stored every unit (22,780 rows) looked that large
        # for all, and it walked CDS2022's 45,000 rows for the 128 it needed (5.8 ms of the summary; by
        # status_rollup_day, 0.2).
        db_index=False,
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="status_rollups",
    )
    view = models.CharField(
        verbose_name=_("view"),
        max_length=8,
        choices=View.choices,
    )
    day = models.DateField(
        verbose_name=_("day"),
    )
    assignments = models.PositiveIntegerField(
        verbose_name=_("assignments"),
        default=0,
    )
    done_on_time = models.PositiveIntegerField(
        verbose_name=_("done on time"),
        default=0,
    )
    done_late = models.PositiveIntegerField(
        verbose_name=_("done late"),
        default=0,
    )
    overdue = models.PositiveIntegerField(
        verbose_name=_("overdue"),
        default=0,
    )
    in_progress = models.PositiveIntegerField(
        verbose_name=_("in progress"),
        default=0,
    )
    not_started = models.PositiveIntegerField(
        verbose_name=_("not started"),
        default=0,
    )
    tasks = models.PositiveIntegerField(
        verbose_name=_("tasks"),
        default=0,
    )
    tasks_done = models.PositiveIntegerField(
        verbose_name=_("tasks done"),
        default=0,
    )
    tasks_overdue = models.PositiveIntegerField(
        verbose_name=_("tasks overdue"),
        default=0,
    )
    tasks_in_progress = models.PositiveIntegerField(
        verbose_name=_("tasks in progress"),
        default=0,
    )
    tasks_not_started = models.PositiveIntegerField(
        verbose_name=_("tasks not started"),
        default=0,
    )
    central_tasks = models.PositiveIntegerField(
        verbose_name=_("tasks of central bodies"),
        default=0,
        help_text=_("Tasks counted over the assignments of ministries and agencies only."),
    )
    central_tasks_done = models.PositiveIntegerField(
        verbose_name=_("tasks of central bodies done"),
        default=0,
    )

    class Meta:
        ordering = ["programme", "day", "unit"]
        verbose_name = _("status rollup")
        verbose_name_plural = _("status rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "unit", "view", "day"],
                name="status_rollup_unique",
            ),
        ]
        indexes = [
            # A day's rows of some units (readers.stored_status_rows probes it once per unit).
            models.Index(
                fields=["programme", "day", "unit"],
                name="status_rollup_day",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id}/{self.unit_id} {self.view} {self.day}"

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late


class GoalRollup(models.Model):
    """Goals of a programme achieved on one day, in one view."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="goal_rollups",
    )
    view = models.CharField(
        verbose_name=_("view"),
        max_length=8,
        choices=View.choices,
    )
    day = models.DateField(
        verbose_name=_("day"),
    )
    achieved = models.PositiveIntegerField(
        verbose_name=_("goals achieved"),
        default=0,
    )
    total = models.PositiveIntegerField(
        verbose_name=_("goals"),
        default=0,
    )
    achieved_goals = models.JSONField(
        verbose_name=_("achieved goals"),
        default=list,
        help_text=_("Identifiers of the goals achieved, so that a page can list them."),
    )

    class Meta:
        ordering = ["programme", "day", "view"]
        verbose_name = _("goal rollup")
        verbose_name_plural = _("goal rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "view", "day"],
                name="goal_rollup_unique",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.view} {self.day}: {self.achieved}/{self.total}"


class IndicatorRollup(models.Model):
    """An indicator's value for one unit on one day: its own latest value, else its subtree's by the rule."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="rollups",
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="indicator_rollups",
    )
    day = models.DateField(
        verbose_name=_("day"),
    )
    value = models.DecimalField(
        verbose_name=_("value"),
        max_digits=24,
        decimal_places=4,
        null=True,
        blank=True,
    )
    denominator = models.DecimalField(
        verbose_name=_("denominator"),
        max_digits=24,
        decimal_places=4,
        null=True,
        blank=True,
    )
    period = models.DateField(
        verbose_name=_("period"),
        null=True,
        blank=True,
    )
    units = models.PositiveIntegerField(
        verbose_name=_("units counted"),
        default=0,
    )
    own = models.BooleanField(
        verbose_name=_("the unit's own value"),
        default=False,
    )

    class Meta:
        ordering = ["indicator", "day", "unit"]
        verbose_name = _("indicator rollup")
        verbose_name_plural = _("indicator rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "day"],
                name="indicator_rollup_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["indicator", "day"],
                name="indicator_rollup_day",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id}/{self.unit_id} {self.day}: {self.value}"


class RollupRun(models.Model):
    """One run of a rollup job, so that pages can say when figures were computed and warn when stale."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="rollup_runs",
        null=True,
        blank=True,
    )
    scope = models.CharField(
        verbose_name=_("scope"),
        max_length=8,
        choices=RollupScope.choices,
    )
    day = models.DateField(
        verbose_name=_("day"),
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(
        verbose_name=_("started at"),
    )
    finished_at = models.DateTimeField(
        verbose_name=_("finished at"),
        null=True,
        blank=True,
    )
    rows = models.PositiveIntegerField(
        verbose_name=_("rows written"),
        default=0,
    )
    duration = models.FloatField(
        verbose_name=_("duration (seconds)"),
        null=True,
        blank=True,
    )
    outcome = models.CharField(
        verbose_name=_("outcome"),
        max_length=10,
        choices=RollupOutcome.choices,
        default=RollupOutcome.RUNNING,
    )
    detail = models.TextField(
        verbose_name=_("detail"),
        blank=True,
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")
        indexes = [
            models.Index(
                fields=["programme", "outcome", "started_at"],
                name="rollup_run_latest",
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.programme_id} {self.started_at:%Y-%m-%d %H:%M}: {self.outcome}"


class RollupPending(models.Model):
    """A unit whose path to the nation awaits a refresh; a burst of changes collapses into few rows."""

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    path = models.CharField(
        verbose_name=_("tree path"),
        max_length=255,
    )
    requested_at = models.DateTimeField(
        verbose_name=_("requested at"),
    )

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("pending rollup refresh")
        verbose_name_plural = _("pending rollup refreshes")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "path"],
                name="rollup_pending_unique",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id} {self.path}"


class TaskRollup(models.Model):
    """Per task, a depth-one unit's assignments by outcome on one day, in one view.

    Task counts do not add up across subtrees, so a refresh of the nation's row after one change
    adds these rows of every province, ministry and enterprise instead of reading every assignment.
    """

    # No index of its own: the unique constraint's index begins with the programme. With both, PostgreSQL
    # answered "has this stored day per-task rows?" (metrics.readers.stored_days) by walking this one and
    # filtering the day, 100,000 rows per stored day at scale 1 (230-330 ms on every page).
    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="task_rollups",
        db_index=False,
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="task_rollups",
    )
    task = models.ForeignKey(
        "projects.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="rollups",
    )
    view = models.CharField(
        verbose_name=_("view"),
        max_length=8,
        choices=View.choices,
    )
    day = models.DateField(
        verbose_name=_("day"),
    )
    assignments = models.PositiveIntegerField(
        verbose_name=_("assignments"),
        default=0,
    )
    done = models.PositiveIntegerField(
        verbose_name=_("done"),
        default=0,
    )
    overdue = models.PositiveIntegerField(
        verbose_name=_("overdue"),
        default=0,
    )
    active = models.PositiveIntegerField(
        verbose_name=_("in progress or done"),
        default=0,
    )
    central = models.PositiveIntegerField(
        verbose_name=_("assignments of central bodies"),
        default=0,
    )
    central_done = models.PositiveIntegerField(
        verbose_name=_("assignments of central bodies done"),
        default=0,
    )
    # Null on rows written before the field existed: a reader then counts the day afresh.
    done_late = models.PositiveIntegerField(
        verbose_name=_("done late"),
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["programme", "day", "unit", "task"]
        verbose_name = _("task rollup")
        verbose_name_plural = _("task rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "day", "view", "unit", "task"],
                name="task_rollup_unique",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id}/{self.unit_id}/{self.task_id} {self.view} {self.day}"


class PageGeneration(models.Model):
    """How many times the data behind a programme's pages has changed: part of every cached page's key.

    ``key`` is a programme's id, or 0 for what every page shows (units, indicators, master data). A write
    bumps its counter on commit (``metrics.generation``), so a page cached before it is never served again.
    """

    key = models.PositiveBigIntegerField(
        verbose_name=_("programme id, or 0 for every page"),
        unique=True,
    )
    value = models.PositiveBigIntegerField(
        verbose_name=_("generation"),
        default=0,
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("page generation")
        verbose_name_plural = _("page generations")

    def __str__(self):
        return f"{self.key}: {self.value}"


from metrics.subscriptions import DigestSubscription, Follow  # noqa: E402, F401  (models of this app)
