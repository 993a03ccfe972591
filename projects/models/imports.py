from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.storage import import_path, private_storage


class ImportJob(models.Model):
    """One uploaded file of reports or observations, checked and imported in the background."""

    class Kind(models.TextChoices):
        REPORTS = "reports", _("Reports")
        OBSERVATIONS = "observations", _("Observations")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        VALIDATING = "validating", _("Checking rows")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Refused")

    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=16,
        choices=Kind.choices,
    )
    file = models.FileField(
        verbose_name=_("file"),
        upload_to=import_path,
        storage=private_storage,
    )
    original_name = models.CharField(
        verbose_name=_("file name"),
        max_length=255,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("uploaded at"),
        auto_now_add=True,
    )
    dry_run = models.BooleanField(
        verbose_name=_("dry run"),
        default=False,
    )
    accept = models.BooleanField(
        verbose_name=_("accept the reports"),
        default=False,
    )
    map_to_successors = models.BooleanField(
        verbose_name=_("map ended units to their successors"),
        default=False,
        help_text=_(
            "A unit that had ended by a row's date stands for its successor instead of being refused."
        ),
    )
    state = models.CharField(
        verbose_name=_("state"),
        max_length=16,
        choices=State.choices,
        default=State.PENDING,
    )
    rows_total = models.PositiveIntegerField(
        verbose_name=_("rows"),
        default=0,
    )
    rows_done = models.PositiveIntegerField(
        verbose_name=_("rows checked"),
        default=0,
    )
    result = models.JSONField(
        verbose_name=_("result"),
        default=dict,
        blank=True,
    )
    finished_at = models.DateTimeField(
        verbose_name=_("finished at"),
        null=True,
        blank=True,
    )
    enqueued_at = models.DateTimeField(
        verbose_name=_("queued at"),
        null=True,
        blank=True,
        help_text=_("When the job was last handed to the broker; empty while it could not be."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent_done(self) -> int:
        if not self.rows_total:
            return 100 if self.finished else 0
        return min(100, round(100 * self.rows_done / self.rows_total))
