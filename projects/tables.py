"""Tables of the write side. Every table inherits ExportSafeTable, so its CSV/XLSX export is safe."""

from datetime import date

import django_tables2 as tables
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.choices import AssignmentStatus, ReportStatus, ReviewState
from projects.display import grouped, short_date

# A spreadsheet reads a cell beginning with one of these as a formula (or DDE command).
# A page shows at most this many rows, whatever ?per_page= asks: a page's cost stays bounded.
MAX_PER_PAGE = 200

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return a cell value that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class ExportSafeTable(tables.Table):
    """Base of every table: shared look and empty text, and exports whose cells cannot be formulas."""

    class Meta:
        attrs = {"class": "data-table"}
        empty_text = _("Nothing to show.")
        template_name = "django_tables2/table.html"

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        """Paginate with a page size between 1 and MAX_PER_PAGE; a nonsensical size means the default."""
        if per_page is None or per_page < 1:
            per_page = self._meta.per_page
        return super().paginate(paginator_class, min(per_page, MAX_PER_PAGE), page, *args, **kwargs)

    def as_values(self, exclude_columns=None):
        """Yield the header and every row, neutralised; refuse (400) more rows than an export may hold.

        An export is built in memory (tablib), so its cost is bounded by TIENDO_EXPORT_MAX_ROWS rows.
        """
        limit = settings.TIENDO_EXPORT_MAX_ROWS
        if len(self.rows) > limit:
            raise BadRequest(
                _("This table has %(count)s rows; a download holds at most %(max)s. Narrow the filters first.")
                % {"count": grouped(len(self.rows)), "max": grouped(limit)}
            )
        for row in super().as_values(exclude_columns=exclude_columns):
            yield [neutralise(value) for value in row]


class DateColumn(tables.Column):
    """A date in the language's short format, exported as a date (ISO 8601 in a CSV).

    That column is a TemplateColumn, which compiles its template for every cell: a third of the time a
    page of fifty assignments took to render. This one formats directly.
    """

    def render(self, value):
        return short_date(value)

    def value(self, value):
        # The date itself: an XLSX cell of type date; tablib writes it as ISO 8601 in a CSV.
        return value if isinstance(value, date) else (value or "")


class StatusColumn(tables.Column):
    """An assignment status shown as a labelled badge; exported as its label."""

    def render(self, value):
        label = AssignmentStatus(value).label if value in AssignmentStatus.values else value
        return format_html('<span class="status status-{}">{}</span>', value, label)

    def value(self, value):
        return str(AssignmentStatus(value).label) if value in AssignmentStatus.values else value


class ReporterAssignmentTable(ExportSafeTable):
    """A reporter's assignments, most urgent first, with the latest report and its review."""

    programme = tables.Column(
        verbose_name=_("Programme"), accessor="task__programme__code", order_by=("task__programme__code",)
    )
    task = tables.Column(verbose_name=_("Task"), accessor="task__code", order_by=("task__code",))
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__path",))
    deadline = DateColumn(verbose_name=_("Deadline"))
    verified_status = StatusColumn(verbose_name=_("Verified status"))
    reported_status = StatusColumn(verbose_name=_("Reported status"))
    last_report = tables.Column(
        verbose_name=_("Latest report"), accessor="last_submitted_at", empty_values=(), orderable=False
    )
    actions = tables.Column(
        verbose_name=_("Actions"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta(ExportSafeTable.Meta):
        fields = ()
        sequence = (
            "programme",
            "task",
            "unit",
            "deadline",
            "verified_status",
            "reported_status",
            "last_report",
            "actions",
        )
        order_by = ()

    def render_task(self, record):
        return format_html("<strong>{}</strong> {}", record.task.code, record.task.title)

    def value_task(self, record):
        return f"{record.task.code} {record.task.title}"

    def _last_report_parts(self, record):
        if not record.last_report_id:
            return None
        status = ReportStatus(record.last_status).label
        review = ReviewState(record.last_review_state).label
        return status, record.last_percent, record.last_effective_date, review

    def render_last_report(self, record):
        parts = self._last_report_parts(record)
        if parts is None:
            return _("No report yet")
        status, percent, effective, review = parts
        html = format_html(
            '{} · {}% · {}<br><span class="review review-{}">{}</span>',
            status,
            percent,
            effective.strftime("%d/%m/%Y"),
            record.last_review_state,
            review,
        )
        if record.last_review_state == ReviewState.RETURNED and record.last_review_note:
            html += format_html(
                '<br><span class="review-note">{}: {}</span>', _("Reason"), record.last_review_note
            )
        return html

    def value_last_report(self, record):
        parts = self._last_report_parts(record)
        if parts is None:
            return ""
        status, percent, effective, review = parts
        text = f"{status}; {percent}%; {effective:%d/%m/%Y}; {review}"
        if record.last_review_note:
            text += f"; {record.last_review_note}"
        return text

    def render_actions(self, record):
        return format_html(
            '<a class="button small" href="{}?assignment={}">{}</a> <a href="{}">{}</a>',
            reverse("projects:report_create"),
            record.pk,
            _("Report"),
            reverse("projects:assignment_history", args=[record.pk]),
            _("History"),
        )


class ReversalTable(ExportSafeTable):
    """Per unit: reports returned and done assignments reopened."""

    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", orderable=False)
    returned = tables.Column(
        verbose_name=_("Reports returned"), attrs={"td": {"class": "num"}}, orderable=False
    )
    reopened = tables.Column(
        verbose_name=_("Done assignments reopened"), attrs={"td": {"class": "num"}}, orderable=False
    )
    total = tables.Column(verbose_name=_("Reversals"), attrs={"td": {"class": "num"}}, orderable=False)

    class Meta(ExportSafeTable.Meta):
        empty_text = _("No reversals.")
