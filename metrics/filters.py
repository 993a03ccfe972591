"""Filters of the dashboard's tables.

Assignments are filtered in the database by a django-filter FilterSet (500,000 rows at national scale).
Programmes, goals, tasks and units come as rows already counted (from the rollups or a grouped query),
so their filters are plain forms applied to those rows: the same fields, the same query string.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from metrics.dashboard import with_status
from projects.choices import CENTRAL_KINDS, AssignmentStatus, Region, TaskStatus, UnitKind
from projects.display import localized

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
SCOPES = [("", _("All units")), ("central", _("Central ministries and agencies")), ("local", _("Localities"))]
LOCAL_KINDS = (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)
SCOPE_KINDS = {"central": CENTRAL_KINDS, "local": LOCAL_KINDS}


class AssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status (verified)"),
        choices=AssignmentStatus.choices,
        empty_label=_("Any"),
        method="filter_status",
    )
    reported_status = django_filters.ChoiceFilter(
        label=_("Status (reported)"),
        choices=AssignmentStatus.choices,
        empty_label=_("Any"),
        method="filter_status",
    )
    done = django_filters.ChoiceFilter(
        label=_("Done"), choices=YES_NO[1:], method="filter_done", empty_label=_("Any")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of unit"), field_name="unit__kind", choices=UnitKind.choices, empty_label=_("Any")
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="unit__region", choices=Region.choices, empty_label=_("Any")
    )
    scope = django_filters.ChoiceFilter(
        label=_("Units"), choices=SCOPES[1:], method="filter_scope", empty_label=_("Any")
    )
    unit = django_filters.CharFilter(label=_("Unit code (with its subtree)"), method="filter_unit")
    task = django_filters.CharFilter(label=_("Task code"), field_name="task__code", lookup_expr="iexact")
    due_after = django_filters.DateFilter(
        label=_("Due on or after"), field_name="deadline", lookup_expr="gte"
    )
    due_before = django_filters.DateFilter(
        label=_("Due on or before"), field_name="deadline", lookup_expr="lte"
    )

    def __init__(self, *args, as_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.as_of = as_of

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(unit__name__icontains=value)
            | Q(unit__short_name__icontains=value)
            | Q(unit__code__iexact=value)
            | Q(task__code__iexact=value)
            | Q(task__title__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return with_status(queryset, value, as_of=self.as_of, view_field=name)

    def filter_done(self, queryset, name, value):
        done = [s.value for s in (AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE)]
        return queryset.filter(status__in=done) if value == "yes" else queryset.exclude(status__in=done)

    def filter_scope(self, queryset, name, value):
        return queryset.filter(unit__kind__in=SCOPE_KINDS[value])

    def filter_unit(self, queryset, name, value):
        from projects.selectors import today, unit_for_code

        unit = unit_for_code(value, on=self.as_of or today())
        return queryset.filter(unit__path__startswith=unit.path) if unit else queryset.none()


class RowFilterForm(forms.Form):
    """A filter over rows already counted: each subclass says how a field narrows the rows."""

    q = forms.CharField(label=_("Search"), required=False)
    search_fields: tuple[str, ...] = ("code", "name")

    def filter(self, rows: list[dict]) -> list[dict]:
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if self.search_fields and (query := data.get("q", "").strip().lower()):
            rows = [r for r in rows if any(query in str(r.get(f) or "").lower() for f in self.search_fields)]
        return self.narrow(rows, data)

    def narrow(self, rows, data):
        return rows


class TaskFilterForm(RowFilterForm):
    status = forms.ChoiceField(
        label=_("Status (verified)"), required=False, choices=[("", _("Any")), *TaskStatus.choices]
    )
    reported_status = forms.ChoiceField(
        label=_("Status (reported)"), required=False, choices=[("", _("Any")), *TaskStatus.choices]
    )
    scope = forms.ChoiceField(label=_("Counting units"), required=False, choices=SCOPES)
    group = forms.ChoiceField(label=_("Group"), required=False)
    search_fields = ("code", "title", "lead_unit")

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("Any")), *((g, localized(g)) for g in groups)]

    def narrow(self, rows, data):
        for field in ("status", "reported_status", "group"):
            if data.get(field):
                rows = [r for r in rows if r[field] == data[field]]
        return rows


class GoalFilterForm(RowFilterForm):
    achieved = forms.ChoiceField(label=_("Achieved (verified)"), required=False, choices=YES_NO)
    reported_achieved = forms.ChoiceField(label=_("Achieved (reported)"), required=False, choices=YES_NO)
    search_fields = ("code", "title", "group")

    def narrow(self, rows, data):
        for field in ("achieved", "reported_achieved"):
            if data.get(field):
                rows = [r for r in rows if r[field] == (data[field] == "yes")]
        return rows


class UnitFilterForm(RowFilterForm):
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of unit"), required=False, choices=[("", _("Any")), *UnitKind.choices]
    )
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("Any")), *Region.choices])
    scope = forms.ChoiceField(label=_("Units"), required=False, choices=SCOPES)
    parent = forms.CharField(label=_("Parent unit code"), required=False)
    all_done = forms.ChoiceField(label=_("Every assignment done"), required=False, choices=YES_NO)
    # The search goes through projects.unit_search (no diacritics, short forms): the view gives the
    # paths of the units it found.
    search_fields = ()
    matching_paths: set[str] | None = None

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [(p.code, str(p)) for p in programmes]
        self.fields["q"].label = _("Find a unit")
        self.fields["q"].help_text = _(
            "A name with or without diacritics, a short form (HCM, BCA) or a code."
        )
        self.fields["q"].widget.attrs.update(type="search", autocomplete="off")

    def narrow(self, rows, data):
        if data.get("q", "").strip() and self.matching_paths is not None:
            rows = [r for r in rows if r["path"] in self.matching_paths]
        if data.get("region"):
            rows = [r for r in rows if r["region"] == data["region"]]
        if data.get("all_done"):
            rows = [r for r in rows if r["all_done"] == (data["all_done"] == "yes")]
        return rows


class IndicatorFilterForm(RowFilterForm):
    reached = forms.ChoiceField(label=_("Target reached"), required=False, choices=YES_NO)

    def narrow(self, rows, data):
        if data.get("reached"):
            rows = [r for r in rows if bool(r["reached"]) == (data["reached"] == "yes")]
        return rows
