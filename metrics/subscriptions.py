"""What a user follows (a programme, a unit, or the nation) and whether they take the weekly digest.

Defined here and imported by metrics.models, so that the models module stays one job per file.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    """A brief a user follows: the nation's (no programme, no unit), a programme's, or a unit's in one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="follows",
    )
    programme = models.ForeignKey(
        "projects.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="followers",
        null=True,
        blank=True,
    )
    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="followers",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        ordering = ["user", "pk"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self):
        return f"{self.user} → {self.programme or '—'} {self.unit or ''}".strip()

    def get_absolute_url(self):
        """The brief of what is followed."""
        if self.programme_id is None and self.unit_id is None:
            return reverse("metrics:brief_national")
        if self.programme_id is None:
            return reverse("metrics:brief_national") + f"?unit={self.unit.code}"
        url = reverse("metrics:brief", args=[self.programme.code])
        return url + (f"?unit={self.unit.code}" if self.unit_id and self.unit.parent_id else "")

    def pdf_path(self) -> tuple[str, dict]:
        """The PDF's path and query of the brief followed."""
        query = {"unit": self.unit.code} if self.unit_id and self.unit.parent_id else {}
        if self.programme_id is None:
            return reverse("metrics:brief_pdf_national"), query
        return reverse("metrics:brief_pdf", args=[self.programme.code]), query


class DigestSubscription(models.Model):
    """A user's choice of the weekly digest (opt-in), in the language they read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest",
    )
    weekly = models.BooleanField(
        verbose_name=_("weekly digest by email"),
        default=False,
    )
    language = models.CharField(
        verbose_name=_("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="vi",
    )
    last_sent_week = models.CharField(
        verbose_name=_("last sent in week"),
        max_length=8,
        blank=True,
        help_text=_("ISO year and week of the last digest sent (2026-W49): one a week, never two."),
    )

    class Meta:
        ordering = ["user"]
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self):
        return f"{self.user}: {'weekly' if self.weekly else 'off'} ({self.language})"


def follows_anything(user) -> bool:
    """Whether a user follows any brief (named in settings for projects.accounts: sign-in lands there)."""
    return Follow.objects.filter(user=user).exists()
