from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import ReportStatus, ReviewState
from projects.storage import evidence_path, private_storage


class Report(models.Model):
    """One statement about an assignment or a goal (báo cáo tiến độ). Append-only.

    A correction is a new report; a withdrawal changes only the review state. ``verified_until`` and
    ``reported_until`` hold the effective date of the report that takes over from this one in each
    view, so "the counting report as of D" is the range filter effective_date ≤ D < *_until.
    """

    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="reports",
        db_index=False,  # report_programme_effective begins with it
    )
    assignment = models.ForeignKey(
        "projects.Assignment",
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="reports",
        null=True,
        blank=True,
        db_index=False,  # report_assignment_timeline begins with it
    )
    goal = models.ForeignKey(
        "projects.Goal",
        verbose_name=_("goal"),
        on_delete=models.CASCADE,
        related_name="reports",
        null=True,
        blank=True,
        db_index=False,  # report_on_goal: only the few reports on a goal
    )
    status = models.CharField(
        verbose_name=_("Status"),
        max_length=16,
        choices=ReportStatus.choices,
    )
    percent = models.PositiveSmallIntegerField(
        verbose_name=_("Percent complete"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completed_on = models.DateField(
        verbose_name=_("Completed on"),
        null=True,
        blank=True,
    )
    effective_date = models.DateField(
        verbose_name=_("Effective date"),
        help_text=_("The date from which this statement holds."),
    )
    note = models.TextField(
        verbose_name=_("Note"),
        blank=True,
    )
    evidence_file = models.FileField(
        verbose_name=_("Evidence file"),
        upload_to=evidence_path,
        storage=private_storage,
        blank=True,
    )
    evidence_url = models.URLField(
        verbose_name=_("Evidence link"),
        max_length=500,
        blank=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="submitted_reports",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("submitted at"),
    )
    review_state = models.CharField(
        verbose_name=_("review state"),
        max_length=16,
        choices=ReviewState.choices,
        default=ReviewState.SUBMITTED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="reviewed_reports",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(
        verbose_name=_("reviewed at"),
        null=True,
        blank=True,
    )
    review_note = models.TextField(
        verbose_name=_("review note"),
        blank=True,
    )
    verified_until = models.DateField(
        verbose_name=_("counts in the verified view until"),
        null=True,
        blank=True,
        editable=False,
    )
    reported_until = models.DateField(
        verbose_name=_("counts in the reported view until"),
        null=True,
        blank=True,
        editable=False,
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried from"),
        on_delete=models.PROTECT,
        related_name="carried_copies",
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # report_carried_copies: only the carried copies
        help_text=_(
            "A predecessor unit's report whose state this one carries onto the successor's assignment; "
            "it follows the original's review and is never reviewed itself."
        ),
    )
    source_key = models.CharField(
        verbose_name=_("source key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Identifies a report that came from an import, so that importing twice adds nothing."),
    )

    # The review trail: each change of review state is kept (the report itself is never edited).
    history = HistoricalRecords(excluded_fields=["verified_until", "reported_until"])

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # An assignment's reports in order: the counting report of a day is picked out of them. The
            # included columns are all that picking reads, so counting a day not stored or a unit's
            # subtree probes the index alone, not the table's rows (at scale 1, a province of 8,900
            # assignments on the map of 2022: 62 ms against 114, and 90 against 247 from a cold cache).
            models.Index(
                fields=["assignment", "effective_date", "submitted_at"],
                include=["review_state", "status", "completed_on", "verified_until", "reported_until"],
                name="report_assignment_timeline",
            ),
            models.Index(
                fields=["programme", "review_state", "submitted_at"],
                name="report_review_queue",
            ),
            # A day not stored is counted from a stored day and the reports effective between the two
            # (metrics.rollups.any_day), of which it reads the assignment only: included, it is read from
            # the index alone (three days of 2025, 7,776 reports: 1 ms against 37, most of them a disk read).
            models.Index(
                fields=["programme", "effective_date"],
                include=["assignment"],
                name="report_programme_effective",
            ),
            # The review queue: the reports a reviewer works (awaiting review, no carried copy), oldest
            # first, per programme and over all (admins). The included columns let the queue's size, its
            # capped count and its status filter be read from the index alone, without the table's rows.
            models.Index(
                fields=["programme", "submitted_at", "id"],
                include=["status", "assignment", "goal"],
                name="report_awaiting_review",
                condition=models.Q(review_state=ReviewState.SUBMITTED, carried_from__isnull=True),
            ),
            models.Index(
                fields=["submitted_at", "id"],
                include=["programme", "status", "assignment", "goal"],
                name="report_awaiting_review_all",
                condition=models.Q(review_state=ReviewState.SUBMITTED, carried_from__isnull=True),
            ),
            # Per assignment, its reports awaiting review: whether a newer one supersedes a report (the
            # queue shows only the newest), the ones folded under it, and a unit subtree's queue.
            models.Index(
                fields=["assignment", "submitted_at", "id"],
                name="report_awaiting_by_assignment",
                condition=models.Q(review_state=ReviewState.SUBMITTED),
            ),
            # Most reports are on an assignment and carried from none: indexes of the few others only,
            # a fraction of the size of a whole column's (and of the time a bulk load rebuilds them in).
            models.Index(fields=["goal"], name="report_on_goal", condition=models.Q(goal__isnull=False)),
            models.Index(
                fields=["carried_from"],
                name="report_carried_copies",
                condition=models.Q(carried_from__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="report_percent_0_100",
                violation_error_message=_("Percent complete must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=(models.Q(assignment__isnull=False) & models.Q(goal__isnull=True))
                | (models.Q(assignment__isnull=True) & models.Q(goal__isnull=False)),
                name="report_on_assignment_or_goal",
                violation_error_message=_("A report is about exactly one assignment or one goal."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReportStatus.DONE) | models.Q(completed_on__isnull=False),
                name="report_done_has_completion_date",
                violation_error_message=_("A report that says done needs the date it was completed."),
            ),
            models.CheckConstraint(
                condition=~models.Q(review_state=ReviewState.RETURNED) | ~models.Q(review_note=""),
                name="report_return_has_reason",
                violation_error_message=_("A returned report needs the reason it was returned."),
            ),
        ]

    def __str__(self):
        target = self.assignment if self.assignment_id else self.goal
        return f"{target}: {self.get_status_display()} ({self.effective_date:%d/%m/%Y})"

    def clean(self):
        errors = {}
        if self.goal_id and self.programme_id and self.goal.programme_id != self.programme_id:
            errors["goal"] = _("This goal belongs to another programme.")
        if (
            self.assignment_id
            and self.programme_id
            and self.assignment.task.programme_id != self.programme_id
        ):
            errors["assignment"] = _("This assignment belongs to another programme.")
        if self.status == ReportStatus.DONE and self.percent != 100:
            errors["percent"] = _("A report that says done is 100 percent complete.")
        if self.completed_on and self.effective_date and self.completed_on > self.effective_date:
            errors["completed_on"] = _("The completion date cannot be after the effective date.")
        if errors:
            raise ValidationError(errors)
