"""Views of review: the reviewer's queue, accepting or returning one report or a selection, reversals.

Every review goes through projects.services (report_accept, report_return, reports_review for a
selection) after the rule ``projects.review_report`` allows it on each report.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableView
from django_tables2.export import ExportMixin

from projects import selectors, services
from projects.exports import SpreadsheetExport
from projects.filters import ReviewQueueFilter
from projects.forms import BulkReviewForm, ReviewForm
from projects.tables import ReversalTable
from projects.views import EXPORT_FORMATS, RuleRequiredMixin, forbidden, report_or_404


class CappedPaginator(Paginator):
    """Count at most ``cap`` rows (and one more, to know there are more): an exact count of a national queue
    would read every report awaiting review, where a page needs only its own rows.

    The first ``cap`` + 1 rows are read once, in one query that gives both the count and any page within
    them: a count and a page read apart walk the queue twice (50 ms each at scale 1 for a unit's subtree).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Eight pages ahead, and at least 200: counting further reads far into a national queue for
        # a figure nobody pages to; the filters narrow it instead.
        self.cap = max(200, 8 * self.per_page)
        self._head = None

    def _read_head(self) -> list:
        if self._head is None:
            self._head = list(self.object_list[: self.cap + 1])
        return self._head

    @cached_property
    def count(self) -> int:
        return len(self._read_head())

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._read_head()[bottom:top], number, self)


class ReviewQueueView(RuleRequiredMixin, FilterView):
    """/reviews/: per assignment, the newest report awaiting review (older ones folded under it), oldest first,
    beside the unit's previous reviewed report; filterable, and reviewed one by one or a ticked selection at once."""

    permission_required = "projects.use_reviews"
    template_name = "projects/review_queue.html"
    filterset_class = ReviewQueueFilter
    paginate_by = 25
    paginator_class = CappedPaginator
    page_sizes = (25, 50, 100, 200, 500, 1000)
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.review_queue_heads(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["programme_ids"] = selectors.reviewer_programme_ids(self.request.user)
        return kwargs

    def get_paginate_by(self, queryset):
        raw = self.request.GET.get("per_page", "")
        return int(raw) if raw.isdigit() and int(raw) in self.page_sizes else self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        # The page's reports are picked by id first, a query the queue's covering index answers alone; only
        # the rows of that page are then read with what each card shows. Picked in one query, PostgreSQL
        # would read the related rows of every report it passes over in a national queue.
        ids = queryset.values_list("pk", flat=True)
        # A page number past the end shows the last page rather than an error: the queue shrinks as it is worked.
        paginator = self.get_paginator(ids, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        page_ids = list(page.object_list)
        # Read from the unfiltered queue (still scoped to the reviewer): the filters chose the ids already,
        # and a unit filter's subtree set, kept in this query, was evaluated again for each row (4 s at scale 1).
        # Asked even for an empty page, so that a page's query count never depends on its data.
        rows = {report.pk: report for report in self.get_queryset().filter(pk__in=page_ids or [0])}
        page.object_list = [rows[pk] for pk in page_ids if pk in rows]
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = list(context["reports"])
        errors = context.get("review_errors")
        if errors is not None and errors.report_id not in {r.pk for r in reports}:
            # The report whose review needs correcting comes first, wherever it stands in the queue.
            report = selectors.review_queue(self.request.user).filter(pk=errors.report_id).first()
            if report is not None:
                reports.insert(0, report)
        context["reports"] = selectors.review_rows(reports)
        _add_urls(context["reports"])
        context["review_form"] = ReviewForm()
        context.setdefault("bulk_form", BulkReviewForm())
        context["selected"] = {
            int(v) for v in context["bulk_form"]["reports"].value() or [] if str(v).isdigit()
        }
        context["summary"] = selectors.review_queue_summary(self.request.user)
        context["page_sizes"] = self.page_sizes
        context["query"] = self.request.GET.urlencode()
        return context


def _add_urls(reports) -> None:
    """Give each row and each report folded under it the addresses its card links to, each name reversed
    once per page rather than once per row."""
    marker = "2147483647"
    makers = {
        name: reverse(f"projects:{view}", args=[int(marker)]).replace(marker, "{}")
        for name, view in (
            ("history", "report_history"),
            ("review", "report_review"),
            ("evidence", "report_evidence"),
        )
    }
    for report in reports:
        for item in (report, *report.folded):
            item.urls = {name: pattern.format(item.pk) for name, pattern in makers.items()}


def _queue_again(request, *, status: int, **extra) -> TemplateResponse:
    """Show the queue, with the same filters, after a review that needs correcting."""
    view = ReviewQueueView(extra_context=extra)
    view.setup(request)
    response = view.get(request)
    response.status_code = status
    return response


def _back_to_queue(request):
    query = request.GET.urlencode()
    return redirect(reverse("projects:report_queue") + (f"?{query}" if query else ""))


class ReportReviewView(View):
    """POST /reviews/<pk>/: accept a report, or return it with a reason."""

    def post(self, request, pk):
        if not request.user.is_authenticated:
            return forbidden(request)
        report = report_or_404(request.user, "projects.review_report", pk)
        form = ReviewForm(data=request.POST)
        if not form.is_valid():
            form.report_id = report.pk
            if not request.user.has_perm("projects.use_reviews"):
                raise PermissionDenied
            return _queue_again(request, status=400, review_errors=form)
        note = form.cleaned_data["review_note"]
        try:
            if form.cleaned_data["action"] == ReviewForm.ACCEPT:
                services.report_accept(report=report, user=request.user, note=note)
                messages.success(request, _("Report accepted: it now counts in the verified figures."))
            else:
                services.report_return(report=report, user=request.user, note=note)
                messages.success(request, _("Report returned to its reporter with your reason."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return _back_to_queue(request)


class ReviewBulkView(RuleRequiredMixin, View):
    """POST /reviews/bulk/: accept, or return with one reason, every ticked report; all or none."""

    permission_required = "projects.use_reviews"
    http_method_names = ["post"]

    def post(self, request):
        form = BulkReviewForm(data=request.POST)
        if not form.is_valid():
            return _queue_again(request, status=400, bulk_form=form)
        ids = form.cleaned_data["reports"]
        reports = selectors.review_queue(request.user).in_bulk(ids)
        refused = {
            pk: [
                _(
                    "This report is not awaiting your review: it was reviewed meanwhile, or is not yours to review."
                )
            ]
            for pk in ids
            if pk not in reports or not request.user.has_perm("projects.review_report", reports[pk])
        }
        accept = form.cleaned_data["action"] == ReviewForm.ACCEPT
        if not refused:
            try:
                services.reports_review(
                    reports=reports.values(),
                    user=request.user,
                    accept=accept,
                    note=form.cleaned_data["review_note"],
                )
            except services.ReviewRefused as error:
                refused = error.refused
        if refused:
            return _queue_again(request, status=409, bulk_form=form, refused=_refusals(refused, reports))
        if accept:
            text = ngettext(
                "%(count)s report accepted: it now counts in the verified figures.",
                "%(count)s reports accepted: they now count in the verified figures.",
                len(ids),
            )
        else:
            text = ngettext(
                "%(count)s report returned to its reporter with your reason.",
                "%(count)s reports returned to their reporters with your reason.",
                len(ids),
            )
        messages.success(request, text % {"count": len(ids)})
        return _back_to_queue(request)


def _refusals(refused: dict[int, list[str]], reports: dict) -> list[dict]:
    """Name each refused report as the reviewer knows it (task and unit, or goal), with the reasons."""
    rows = []
    for pk, reasons in sorted(refused.items()):
        report = reports.get(pk)
        if report is None:
            label = _("Report %(id)s") % {"id": pk}
        elif report.assignment_id:
            label = f"{report.assignment.task.code} · {report.assignment.unit.name}"
        else:
            label = report.goal.code
        rows.append({"pk": pk, "label": label, "reasons": reasons})
    return rows


class ReversalListView(RuleRequiredMixin, ExportMixin, SingleTableView):
    """/reviews/reversals/: per unit, reports returned and done assignments reopened, in my programmes."""

    permission_required = "projects.use_reviews"
    template_name = "projects/reversal_list.html"
    table_class = ReversalTable
    table_pagination = {"per_page": 25}
    export_formats = EXPORT_FORMATS
    export_class = SpreadsheetExport
    dataset_kwargs = {"title": gettext_lazy("Reversals by unit")}
    export_name = "reversals"

    def get_queryset(self):
        return selectors.reversals_by_unit(programme_ids=selectors.reviewer_programme_ids(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_formats"] = EXPORT_FORMATS
        return context
