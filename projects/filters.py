"""Filters of the write side's lists."""

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.choices import AssignmentStatus, ReportStatus
from projects.models import Assignment, Programme, Report, Unit


class ReporterAssignmentFilter(django_filters.FilterSet):
    """Filters of a reporter's assignments (the queryset is already scoped and annotated)."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        field_name="task__programme",
        queryset=Programme.objects.all(),
        to_field_name="code",
        empty_label=_("All programmes"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Reported status"),
        field_name="reported_status",
        choices=AssignmentStatus.choices,
        empty_label=_("Any status"),
    )

    class Meta:
        model = Assignment
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(task__code__icontains=value) | Q(task__title__icontains=value) | Q(unit__name__icontains=value)
        )


# Larger than any subtree's assignments: a LIMIT that changes no result, only the plan (see in_subtree).
SUBTREE_FENCE = 100_000_000


class ReviewQueueFilter(django_filters.FilterSet):
    """Filters of a reviewer's queue (projects.selectors.review_queue_heads, already scoped to their programmes)."""

    AGES = [
        ("1", _("over a day")),
        ("7", _("over a week")),
        ("30", _("over 30 days")),
        ("90", _("over 90 days")),
    ]

    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        queryset=Programme.objects.order_by("code"),
        to_field_name="code",
        empty_label=_("All programmes"),
    )
    unit = django_filters.CharFilter(
        label=_("Unit code, with its subtree"),
        method="in_subtree",
        help_text=_("For example 02 (Hà Giang and its districts and communes) or BCA."),
    )
    task = django_filters.CharFilter(
        label=_("Task code"), field_name="assignment__task__code", lookup_expr="iexact"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status reported"), choices=ReportStatus.choices, empty_label=_("Any status")
    )
    age = django_filters.ChoiceFilter(
        label=_("Waiting"), choices=AGES, method="waiting_over", empty_label=_("Any time")
    )
    order = django_filters.OrderingFilter(
        label=_("Order"),
        fields=(("submitted_at", "waited"), ("assignment__unit__path", "unit")),
        empty_label=_("Oldest first"),
    )

    class Meta:
        model = Report
        fields = []

    def __init__(self, *args, programme_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme_ids is not None:
            self.filters["programme"].queryset = Programme.objects.filter(pk__in=programme_ids).order_by(
                "code"
            )
        # Oldest first unless asked otherwise: "-waited" would read oddly, so the choices name what they do.
        self.filters["order"].extra["choices"] = [
            ("-waited", _("Newest first")),
            ("unit", _("Unit")),
        ]

    def in_subtree(self, queryset, name, value):
        from projects.selectors import unit_for_code

        unit = unit_for_code(value, on=timezone.localdate())
        if unit is None:
            return queryset.none()
        if unit.parent_id is None:
            return queryset  # the nation's subtree is every unit
        # The subtree's assignments as a set that PostgreSQL hashes once (the LIMIT keeps the subquery
        # from being turned into a join), tested on each report read in queue order from the index.
        # As a join, each report of the national queue would cost a lookup of its assignment and unit:
        # two seconds at scale 1 for a subtree that holds few reports. The subtree's units are read first,
        # as ids: from a join on the path, PostgreSQL read every assignment in the country to find a
        # province's (130 ms at scale 1 on both maps, against 13 ms by the unit index).
        unit_ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        in_subtree = Assignment.objects.filter(unit_id__in=unit_ids).order_by().values("pk")[:SUBTREE_FENCE]
        return queryset.filter(assignment_id__in=in_subtree)

    def waiting_over(self, queryset, name, value):
        return queryset.filter(submitted_at__lte=timezone.now() - timedelta(days=int(value)))
