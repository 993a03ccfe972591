from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.names import KEY_LENGTH


class UnitSearchKey(models.Model):
    """One key a unit is found by: a name or official short form folded by projects.names ("hagiang").

    Kept in a table of its own, indexed, so that search without diacritics is a prefix match on
    PostgreSQL and SQLite alike, with no unaccent extension; projects.unit_search fills it.
    """

    unit = models.ForeignKey(
        "projects.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="search_keys",
    )
    key = models.CharField(
        verbose_name=_("search key"),
        max_length=KEY_LENGTH,
        db_index=True,
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("unit search key")
        verbose_name_plural = _("unit search keys")
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="unit_search_key_unique"),
        ]

    def __str__(self):
        return self.key
