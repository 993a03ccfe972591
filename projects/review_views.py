"""Views of review: the reviewer's queue, and accepting or returning a report.

Every review goes through projects.services (report_accept, report_return) after the rule
``projects.review_report`` allows it on the report.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from projects import selectors, services
from projects.forms import ReviewForm
from projects.tables import ReversalTable
from projects.views import EXPORT_FORMATS, RuleRequiredMixin, forbidden, report_or_404


class ReviewQueueView(RuleRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """/reviews/: reports awaiting review in my programmes, oldest first; reversals per unit."""

    permission_required = "projects.use_reviews"
    template_name = "projects/review_queue.html"
    table_class = ReversalTable
    table_pagination = {"per_page": 25}
    export_formats = EXPORT_FORMATS
    export_name = "reversals"
    queue_size = 50

    def get_table_data(self):
        return selectors.reversals_by_unit(programme_ids=selectors.reviewer_programme_ids(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queue = selectors.review_queue(self.request.user)
        errors = kwargs.get("review_errors")
        reports = list(queue[: self.queue_size])
        if errors is not None and errors.report_id not in {r.pk for r in reports}:
            # The report whose review needs correcting comes first, wherever it stands in the queue.
            reports.insert(0, queue.get(pk=errors.report_id))
        items = []
        for report in reports:
            form = errors if errors is not None and errors.report_id == report.pk else ReviewForm()
            items.append({"report": report, "form": form})
        context["queue"] = items
        context["queue_count"] = queue.count()
        context["export_formats"] = EXPORT_FORMATS
        return context


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
            view = ReviewQueueView()
            view.setup(request)
            view.object_list = None
            context = view.get_context_data(review_errors=form)
            return TemplateResponse(request, view.template_name, context, status=400)
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
        return redirect("projects:report_queue")
