from django.core.exceptions import BadRequest
from django.template.response import TemplateResponse
from django.views.generic import TemplateView

from metrics.summary import national_headline
from projects.as_of import as_of_from_request


class AsOfMixin:
    """Read ?as_of= once; a malformed date is answered with 400 and a clear message in the page's language."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.as_of = as_of_from_request(request)
        except BadRequest as error:
            return TemplateResponse(request, "bad_request.html", {"message": str(error)}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(as_of=self.as_of, **kwargs)


class NationalSummaryView(AsOfMixin, TemplateView):
    template_name = "metrics/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(national_headline(self.as_of))
        return context
