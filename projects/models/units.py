from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import Region, UnitKind

PATH_SEPARATOR = "/"

unit_code_validator = RegexValidator(
    r"^[A-Z0-9]{2,16}$",
    _("A unit code is 2 to 16 capital letters or digits, such as 01, 024, BCA or VN."),
)


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit):
        """Return the unit and every unit below it."""
        return self.filter(path__startswith=unit.path)

    def valid_on(self, day):
        """Return the units that existed on the given day."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day),
        )


class Unit(models.Model):
    """A body that can be given work: the nation, a ministry, a province, a commune, an enterprise.

    The tree is a materialised path ("VN/01/001/00001/"), so a subtree is one indexed prefix filter on
    PostgreSQL and SQLite alike. Units are never deleted when the map changes: they end (``valid_to``)
    and name their successors, so history stays on the map it happened on.

    A code names one unit on a given day only: Tuyên Quang (08) before 01/07/2025 and Tuyên Quang (08)
    from then on, which also covers Hà Giang, are two rows. A path segment is the code, unless an
    earlier unit with the same code already holds that path under the same parent: then it is
    ``<code>@<yyyymmdd of valid_from>`` ("VN/08@20250701/"). Paths are only ever compared as prefixes;
    nothing reads a code out of a path (projects.selectors.unit_for_code() turns a code into a unit).
    """

    code = models.CharField(
        verbose_name=_("code"),
        max_length=16,
        db_index=True,
        validators=[unit_code_validator],
        help_text=_(
            "A continuing unit may keep its code across a reorganisation; the code and the day name one unit."
        ),
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=200,
    )
    short_name = models.CharField(
        verbose_name=_("short name"),
        max_length=60,
        blank=True,
    )
    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=200,
        blank=True,
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=24,
        choices=UnitKind.choices,
        db_index=True,
    )
    region = models.CharField(
        verbose_name=_("region"),
        max_length=3,
        choices=Region.choices,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    path = models.CharField(
        verbose_name=_("tree path"),
        max_length=255,
        unique=True,
        editable=False,
    )
    depth = models.PositiveSmallIntegerField(
        verbose_name=_("depth"),
        editable=False,
    )
    valid_from = models.DateField(
        verbose_name=_("valid from"),
        null=True,
        blank=True,
    )
    valid_to = models.DateField(
        verbose_name=_("valid to"),
        null=True,
        blank=True,
        help_text=_("The last day the unit existed; empty while it exists."),
    )
    successors = models.ManyToManyField(
        "self",
        verbose_name=_("successors"),
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            # One unit per code and start day; two partial constraints rather than nulls_distinct=False,
            # which SQLite (the embedded default) does not support.
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                name="unit_code_unique_per_start",
                violation_error_message=_("A unit with this code already begins on this day."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(valid_from__isnull=True),
                name="unit_code_unique_without_start",
                violation_error_message=_("A unit with this code already exists since the beginning."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
                violation_error_message=_("A unit cannot end before it begins."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.code and self.overlapping().exists():
            raise ValidationError(
                {"code": _("Another unit with this code exists during part of this unit's validity.")}
            )

    @staticmethod
    def path_for(parent, code, valid_from=None):
        """Return the tree path of a unit with this code under this parent.

        A unit that reuses the code of an earlier sibling gets ``<code>@<yyyymmdd>`` as its segment,
        so that both keep unique paths (see the class docstring).
        """
        prefix = parent.path if parent is not None else ""
        plain = f"{prefix}{code}{PATH_SEPARATOR}"
        if valid_from is None or not Unit.objects.filter(path=plain).exclude(valid_from=valid_from).exists():
            return plain
        return f"{prefix}{code}@{valid_from:%Y%m%d}{PATH_SEPARATOR}"

    def overlapping(self):
        """Return the other units with this code whose validity overlaps this one's."""
        others = Unit.objects.filter(code=self.code).exclude(pk=self.pk)
        if self.valid_to is not None:
            others = others.filter(
                models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=self.valid_to)
            )
        if self.valid_from is not None:
            others = others.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from))
        return others

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    @property
    def ancestor_paths(self):
        """Paths of this unit and each unit above it, nearest last."""
        parts = self.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        return [PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR for i in range(len(parts))]

    @property
    def display_name(self):
        return self.short_name or self.name
