from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import Role


class Membership(models.Model):
    """A user's role in a unit (and its subtree) or in a programme."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        verbose_name=_("role"),
        max_length=16,
        choices=Role.choices,
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )
    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False) | models.Q(programme__isnull=False),
                name="membership_has_scope",
                violation_error_message=_("A membership is for a unit, a programme, or both."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.REPORTER) | models.Q(unit__isnull=False),
                name="membership_reporter_has_unit",
                violation_error_message=_("A reporter reports for a unit."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.REVIEWER) | models.Q(programme__isnull=False),
                name="membership_reviewer_has_programme",
                violation_error_message=_("A reviewer reviews a programme."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit", "programme"],
                name="membership_unique",
                violation_error_message=_("This user already has this role here."),
            ),
        ]

    def __str__(self):
        scope = " · ".join(str(s) for s in (self.unit, self.programme) if s is not None)
        return f"{self.user} — {self.get_role_display()} — {scope}"
