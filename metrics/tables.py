"""Tables of the dashboard: one export-safe base, and concrete tables that list only their columns."""

from __future__ import annotations

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.encoding import force_str
from django.utils.formats import date_format, localize, number_format
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.utils import A, OrderBy, signature

from metrics.numbers import percent_number, percent_text
from projects import tables as projects_tables
from projects.choices import AssignmentStatus, Region, TaskStatus, UnitKind
from projects.display import localized, url_to


class ExportSafeTable(projects_tables.ExportSafeTable):
    """Base of every table: the site's look, an empty text, links that keep ?as_of=, safe exports."""

    def __init__(self, *args, link_query: str = "", **kwargs):
        self.link_query = link_query
        super().__init__(*args, **kwargs)
        # On a phone each row becomes a card whose cells name their column (static/css/tiendo.css).
        for bound in self.columns:
            attrs = bound.column.attrs
            attrs["td"] = {**attrs.get("td", {}), "data-label": str(bound.header)}

    class Meta:
        template_name = "metrics/table.html"
        attrs = {"class": "data-table stackable"}
        empty_text = _("Nothing matches these filters.")

    @property
    def order_by(self):
        return tables.Table.order_by.fget(self)

    @order_by.setter
    def order_by(self, value):
        tables.Table.order_by.fset(self, value)
        self._empty_last()

    def _empty_last(self):
        """Put rows without a value in the sorted column (a task with no deadline) last, either way round.

        django-tables2 sorts a list's None before every value, so "by deadline" began with the
        continuous tasks. Querysets are ordered in the database and left alone.
        """
        rows, ordering = getattr(self.data, "data", None), getattr(self, "_order_by", None)
        if not isinstance(rows, list) or not ordering:
            return
        column = self.columns[OrderBy(ordering[0]).bare]
        accessor = column.accessor

        def empty(row) -> bool:
            try:
                return accessor.resolve(row) in (None, "")
            except (KeyError, AttributeError, IndexError, TypeError, ValueError):
                return False

        rows.sort(key=empty)

    def body_rows(self):
        """Yield the page's rows as HTML, for templates/metrics/table.html.

        The cells are django-tables2's own (render_FOO, the columns' render, localised as a template
        would), but what BoundRow.get_cell works out again for every cell (the column by name, the
        render method's signature, the td attributes) is worked out once per column (CellRenderer):
        per cell it took two thirds of a page of fifty rows' render.
        """
        cells = [CellRenderer(column) for column in self.columns]
        for row in self.paginated_rows:
            html = "".join([cell.html(row) for cell in cells])
            yield format_html("<tr {}>{}</tr>", row.attrs.as_html(), mark_safe(html))  # noqa: S308

    def link(self, viewname: str, text, *args) -> str:
        return format_html('<a href="{}{}">{}</a>', url_to(viewname, *args), self.link_query, text)


_UNRESOLVED = object()


class CellRenderer:
    """One column's <td>, rendered as django-tables2's BoundRow.get_cell renders it.

    The same steps in the same order (a model's choice field shown by its get_FOO_display(), an empty
    value shown as the column's default, render called with the arguments it names), with what depends
    only on the column looked up once. Columns whose cells django-tables2 renders by other rules (links
    it adds, many-to-many values) are left to get_cell.
    """

    def __init__(self, bound):
        column = bound.column
        self.bound, self.column, self.name = bound, column, bound.name
        self.accessor = A(bound.accessor)
        path, _separator, self.remainder = self.accessor.rpartition(A.SEPARATOR)
        self.path = A(path)
        self.default = bound.default
        self.render = bound.render
        self.arguments, catch_all = signature(bound.render)
        self.catch_all = catch_all is not None
        self.stock = bool(bound.link) or isinstance(column, BaseLinkColumn | ManyToManyColumn)
        self.attrs = None if _varies(bound) else bound.attrs["td"].as_html()
        self.use_l10n = bound.localize
        self.choice_fields: dict[type, object] = {}
        self.choice_labels: dict[object, dict] = {}

    def html(self, row) -> str:
        value = row.get_cell(self.name) if self.stock else self.content(row)
        if self.attrs is None:  # attributes computed from the row: as BoundRow.items() sets them up
            self.bound.current_value, self.bound.current_record = value, row.record
        attrs = self.attrs if self.attrs is not None else self.bound.attrs["td"].as_html()
        return f"<td {attrs}>{conditional_escape(localize(template_localtime(value), use_l10n=self.use_l10n))}</td>"

    def content(self, row):
        record = row.record
        value = self.value(record)
        if value in self.column.empty_values:
            return self.default
        offered = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound,
            "bound_row": row,
            "table": self.bound._table,
        }
        if self.catch_all:
            return self.render(**offered)
        if any(argument not in offered for argument in self.arguments):
            return None
        return self.render(**{argument: offered[argument] for argument in self.arguments})

    def value(self, record):
        if isinstance(record, models.Model):
            penultimate = self.path.resolve(record, quiet=True)
            if isinstance(penultimate, models.Model):
                field = self._choice_field(record)
                if field is not None:
                    # What get_FOO_display() returns, without building the field's choices into a
                    # dictionary again for every row (a tenth of a table page's time).
                    raw = getattr(penultimate, field.attname)
                    labels = self.choice_labels[field]
                    return force_str(labels.get(make_hashable(raw), raw), strings_only=True)
        try:
            return self.accessor.resolve(record)
        except Exception:  # as django-tables2: a value it cannot reach is an empty one
            return None

    def _choice_field(self, record):
        """The choice field at the end of the accessor (get_cell shows it by its get_FOO_display()), or None."""
        key = type(record)
        if key not in self.choice_fields:
            try:
                field = self.accessor.get_field(record)
            except FieldDoesNotExist:
                field = None
            field = field if getattr(field, "choices", ()) else None
            self.choice_fields[key] = field
            if field is not None:
                self.choice_labels[field] = dict(make_hashable(field.flatchoices))
        return self.choice_fields[key]


def _varies(column) -> bool:
    """Whether a column's cell attributes are computed per row (a callable value)."""
    attrs = {**column.column.attrs.get("cell", {}), **column.column.attrs.get("td", {})}
    return any(callable(value) for value in attrs.values())


def _percent(value) -> str:
    return percent_text(value)


class StatusColumn(tables.Column):
    """A status shown as a labelled badge: the colour repeats the text, it never replaces it."""

    def __init__(self, *args, choices=AssignmentStatus, **kwargs):
        self.choices = choices
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_html('<span class="status status-{}">{}</span>', value, self.choices(value).label)

    def value(self, value):
        return str(self.choices(value).label)


class PercentColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return _percent(value)

    def value(self, value):
        return percent_number(value)


class NumberColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return number_format(value, force_grouping=True)

    def value(self, value):
        return value


class ChoiceColumn(tables.Column):
    """A stored choice (a unit's kind, region) shown by its label."""

    def __init__(self, *args, choices, **kwargs):
        self.choices = dict(choices)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return self.choices.get(value, value)

    def value(self, value):
        return str(self.choices.get(value, value or ""))


class ProgrammeTable(ExportSafeTable):
    export_title = _("Programmes")

    class Meta(ExportSafeTable.Meta):
        pass

    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Programme"))
    decision = tables.Column(verbose_name=_("Decision"))
    # Computed from two keys of the row (no "tasks" key): empty_values=() so that render_tasks is called.
    tasks = tables.Column(verbose_name=_("Tasks done"), attrs={"td": {"class": "num"}}, empty_values=())
    percent = PercentColumn(verbose_name=_("Assignments done"))
    reported_percent = PercentColumn(verbose_name=_("Reported done"))

    def render_name(self, value, record):
        return self.link("metrics:programme_detail", value, record["code"])

    def value_name(self, value):
        return value

    def render_tasks(self, record):
        return f"{record['tasks_done']}/{record['tasks_total']}"

    def value_tasks(self, record):
        return f"{record['tasks_done']}/{record['tasks_total']}"


class GoalTable(ExportSafeTable):
    export_title = _("Goals")

    class Meta(ExportSafeTable.Meta):
        pass

    code = tables.Column(verbose_name=_("Code"))
    title = tables.Column(verbose_name=_("Goal"))
    group = tables.Column(verbose_name=_("Group"))
    deadline = projects_tables.DateColumn(verbose_name=_("Deadline"))
    achieved = tables.BooleanColumn(verbose_name=_("Achieved (verified)"), yesno=(_("Yes"), _("No")))
    reported_achieved = tables.BooleanColumn(verbose_name=_("Achieved (reported)"), yesno=(_("Yes"), _("No")))
    tasks = tables.Column(
        verbose_name=_("Tasks done"), attrs={"td": {"class": "num"}}, order_by=("tasks_done",)
    )

    def render_achieved(self, value, record):
        if value and record.get("achieved_by") == "indicator":
            indicator = record["indicator"]
            return format_html(
                '{} <small class="note">{}</small>',
                _yes_no(value),
                _("by its indicator %(code)s, which reached its target") % {"code": indicator.code},
            )
        if value:
            return format_html(
                '{} <small class="note">{}</small>', _yes_no(value), _("by an accepted assessment")
            )
        if record.get("overdue"):
            return format_html(
                '<span class="status status-overdue">{}</span> <small class="note">{}</small>',
                _("Not achieved, deadline passed"),
                _("due %(date)s") % {"date": date_format(record["deadline"], "SHORT_DATE_FORMAT")},
            )
        return _yes_no(value)

    def render_reported_achieved(self, value):
        return _yes_no(value)

    def value_achieved(self, value, record):
        if value:
            basis = record.get("achieved_by")
            if basis == "indicator":
                return f"{_('Achieved')} ({record['indicator'].code})"
            return f"{_('Achieved')} ({_('by an accepted assessment')})"
        return str(_("Not achieved, deadline passed") if record.get("overdue") else _("Not yet"))

    def value_reported_achieved(self, value):
        return str(_("Achieved") if value else _("Not yet"))

    def render_tasks(self, record):
        return f"{record['tasks_done']}/{record['tasks']}" if record["tasks"] else "—"

    def render_group(self, value):
        return localized(value)

    def value_tasks(self, record):
        return f"{record['tasks_done']}/{record['tasks']}" if record["tasks"] else ""


def _yes_no(value):
    if value:
        return format_html('<span class="status status-done">{}</span>', _("Achieved"))
    return format_html('<span class="status status-not_started">{}</span>', _("Not yet"))


class TaskTable(ExportSafeTable):
    export_title = _("Tasks")

    class Meta(ExportSafeTable.Meta):
        pass

    code = tables.Column(verbose_name=_("Code"))
    title = tables.Column(verbose_name=_("Task"))
    group = tables.Column(verbose_name=_("Group"), visible=False)
    lead_unit = tables.Column(verbose_name=_("Lead unit"))
    deadline = projects_tables.DateColumn(verbose_name=_("Deadline"))
    status = StatusColumn(verbose_name=_("Status (verified)"), choices=TaskStatus)
    reported_status = StatusColumn(verbose_name=_("Status (reported)"), choices=TaskStatus)
    done = tables.Column(verbose_name=_("Units done"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    def __init__(self, *args, programme_code: str = "", **kwargs):
        self.programme_code = programme_code
        super().__init__(*args, **kwargs)

    def render_code(self, value):
        return self.link("metrics:task_detail", value, self.programme_code, value)

    def render_group(self, value):
        return localized(value)

    def value_code(self, value):
        return value

    def render_done(self, record):
        return f"{record['done']}/{record['assignments']}"

    def value_done(self, record):
        return f"{record['done']}/{record['assignments']}"


class AssignmentTable(ExportSafeTable):
    export_title = _("Assignments")

    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__path",))
    unit_code = tables.Column(verbose_name=_("Unit code"), accessor="unit__code", visible=False)
    kind = ChoiceColumn(verbose_name=_("Kind"), accessor="unit__kind", choices=UnitKind.choices)
    # Ordered by the (task, unit) unique index, so a page of 500,000 rows stops at its fiftieth match.
    task = tables.Column(verbose_name=_("Task"), accessor="task__code", order_by=("task_id", "unit_id"))
    deadline = projects_tables.DateColumn(verbose_name=_("Deadline"))
    status = StatusColumn(verbose_name=_("Status (verified)"))
    reported_status = StatusColumn(verbose_name=_("Status (reported)"))
    percent = tables.Column(verbose_name=_("Percent complete"), attrs={"td": {"class": "num"}})
    verified_on = projects_tables.DateColumn(verbose_name=_("Verified report of"))

    class Meta(ExportSafeTable.Meta):
        order_by = ("task",)

    def render_unit(self, value, record):
        return self.link("metrics:unit_detail", value, record.unit.code)

    def value_unit(self, value):
        return value

    def value_task(self, value):
        return value

    def render_task(self, value, record):
        return format_html(
            '<a href="{}{}" title="{}">{}</a>',
            url_to("metrics:task_detail", self.programme_code, value),
            self.link_query,
            record.task.title,
            value,
        )

    def render_percent(self, value):
        return "—" if value is None else f"{value}%"

    def value_percent(self, value):
        return value

    def __init__(self, *args, programme_code: str = "", **kwargs):
        self.programme_code = programme_code
        super().__init__(*args, **kwargs)


class UnitTable(ExportSafeTable):
    export_title = _("Units")

    class Meta(ExportSafeTable.Meta):
        # Least done first, then most overdue: the first page shows where attention is needed, not
        # fifty units tied at 100 %. Any column sorts the other way.
        order_by = ("percent", "-overdue")

    rank = tables.Column(verbose_name=_("Rank"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Unit"))
    kind = ChoiceColumn(verbose_name=_("Kind"), choices=UnitKind.choices)
    region = ChoiceColumn(verbose_name=_("Region"), choices=Region.choices)
    done = tables.Column(
        verbose_name=_("Done / assigned"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    percent = PercentColumn(verbose_name=_("Completion"))
    overdue = NumberColumn(verbose_name=_("Overdue"))
    reported_done = tables.Column(
        verbose_name=_("Reported done"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )

    def render_name(self, value, record):
        return self.link("metrics:unit_detail", value, record["code"])

    def value_name(self, value):
        return value

    def render_done(self, record):
        return f"{number_format(record['done'], force_grouping=True)}/{number_format(record['total'], force_grouping=True)}"

    def value_done(self, record):
        return f"{record['done']}/{record['total']}"

    def render_reported_done(self, record):
        return f"{number_format(record['reported_done'], force_grouping=True)}/{number_format(record['total'], force_grouping=True)}"

    def value_reported_done(self, record):
        return f"{record['reported_done']}/{record['total']}"


class IndicatorTable(ExportSafeTable):
    export_title = _("Indicators")

    class Meta(ExportSafeTable.Meta):
        pass

    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Indicator"))
    value = tables.Column(
        verbose_name=_("National value"), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    target = tables.Column(verbose_name=_("Target"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    target_date = projects_tables.DateColumn(verbose_name=_("Target date"))
    reached = tables.Column(verbose_name=_("Target reached"), default="—")
    stale_since = projects_tables.DateColumn(verbose_name=_("Stale since"), default="—")

    def render_name(self, value, record):
        return self.link("metrics:indicator_detail", value, record["code"])

    def value_name(self, value):
        return value

    def value_reached(self, value):
        return "" if value is None else str(_("Reached") if value else _("Not yet"))

    def render_reached(self, value):
        if value:
            return format_html('<span class="status status-done">{}</span>', _("Reached"))
        return format_html('<span class="status status-not_started">{}</span>', _("Not yet"))


class RankingTable(ExportSafeTable):
    export_title = _("Ranking")

    class Meta(ExportSafeTable.Meta):
        pass

    rank = tables.Column(verbose_name=_("Rank"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Unit"))
    value = tables.Column(verbose_name=_("Value"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    denominator = tables.Column(verbose_name=_("Of"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    percent = PercentColumn(verbose_name=_("Percent"))
    period = projects_tables.DateColumn(verbose_name=_("Period"))

    def render_name(self, value, record):
        return self.link("metrics:unit_detail", value, record["code"])

    def value_name(self, value):
        return value

    def render_value(self, value):
        return number_format(value, 0, force_grouping=True)

    def render_denominator(self, value):
        return number_format(value, 0, force_grouping=True)

    def value_value(self, value):
        return float(value)

    def value_denominator(self, value):
        return None if value is None else float(value)
