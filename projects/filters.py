"""Filters of the write side's lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.choices import AssignmentStatus
from projects.models import Assignment, Programme


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
