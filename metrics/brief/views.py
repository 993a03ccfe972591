"""The one-page brief: `/brief/` (the nation), `/brief/<programme>/`, `?unit=`, `?as_of=`, as HTML and PDF.

`?compare=month|quarter|date` (with `?since=YYYY-MM-DD` for a date) chooses the day each figure's change
is counted from; a month before by default.
"""

from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from metrics import page_cache
from metrics.brief import figures, pdf, svg
from metrics.views.base import DashboardMixin
from projects import selectors as project_selectors
from projects.models import Programme


class BriefMixin(DashboardMixin):
    """Read the brief's parameters and gather its figures."""

    def parameters(self):
        code = self.kwargs.get("code") or self.request.GET.get("programme", "").strip()
        programme = None
        if code:
            programme = Programme.objects.select_related("lead_unit").filter(code=code).first()
            if programme is None:
                raise Http404(_("No such programme."))
        unit = None
        if unit_code := self.request.GET.get("unit", "").strip():
            unit = project_selectors.unit_for_code(unit_code, on=self.as_of)
            if unit is None:
                raise Http404(_("No such unit."))
        nation = project_selectors_nation()
        unit = unit or nation
        national = programme is None and unit.parent_id is None
        compare = self.request.GET.get("compare", "month")
        compare = compare if compare in figures.COMPARISONS else "month"
        since = None
        if raw := self.request.GET.get("since", "").strip():
            try:
                since = date.fromisoformat(raw)
            except ValueError:
                since = None
        if national:
            compared = Programme.objects.filter(code__in=("DA06", "CDS2022"))
        else:
            compared = [programme or figures.main_programme()]
        before = figures.compared_day(self.as_of, compare, since, programmes=compared)
        return programme, unit, national, compare, before

    def brief_context(self) -> dict:
        programme, unit, national, compare, before = self.parameters()
        context = brief_page(
            programme=programme,
            unit=unit,
            national=national,
            as_of=self.as_of,
            before=before,
            url=self.url,
            compare=compare,
            language=self.language,
        )
        query = {
            key: value
            for key, value in self.request.GET.items()
            if key in ("as_of", "unit", "compare", "since")
        }
        context["pdf_url"] = pdf_path(context) + (f"?{urlencode(query)}" if query else "")
        return context


def pdf_path(context: dict) -> str:
    if context["national"] or context["programme"] is None:
        return reverse("metrics:brief_pdf_national")
    return reverse("metrics:brief_pdf", args=[context["programme"].code])


def brief_page(*, programme, unit, national, as_of, before, url, compare="month", language="vi") -> dict:
    """The brief's whole context, for the page, the PDF and the digest."""
    context = figures.brief(
        programme=programme, unit=unit, as_of=as_of, before=before, url=url, national=national
    )
    programme = context["programme"]
    context.update(national=national, compare=compare, language=language)
    if trend := context.get("trend"):
        context["trend_svg"] = svg.trend_chart(
            trend,
            title=_("Assignments done over time, verified and reported"),
            verified_label=_("Verified"),
            reported_label=_("Reported"),
        )
    context["title"] = brief_title(programme, unit, national)
    return context


def brief_title(programme, unit, national) -> str:
    if national:
        return _("Brief: national digital transformation")
    if unit.parent_id is None:
        return _("Brief: %(programme)s") % {"programme": programme.short_name or programme.name}
    return _("Brief: %(programme)s, %(unit)s") % {
        "programme": programme.short_name or programme.name,
        "unit": unit.display_name,
    }


def project_selectors_nation():
    from metrics.readers import nation

    return nation()


class BriefView(BriefMixin, TemplateView):
    template_name = "metrics/brief.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.brief_context())
        if self.request.user.is_authenticated:
            from metrics.subscriptions import Follow

            unit = context["unit"] if context["unit"].parent_id else None
            programme = None if context["national"] else context["programme"]
            context["following"] = Follow.objects.filter(
                user=self.request.user, programme=programme, unit=unit
            ).exists()
        return context


def pdf_cache_key(request) -> str:
    """The key of a brief's PDF: the page cache's (address with its query, language, today, the data's
    generations) and the host, which the PDF's footer prints."""
    digest = page_cache.page_key(request).rsplit(":", 1)[-1]
    host = hashlib.sha256(request.get_host().encode()).hexdigest()[:16]
    return f"tiendo:brief-pdf:{digest}:{host}"


class BriefPdfView(BriefMixin, TemplateView):
    """The same brief as an A4 PDF, rendered on the server.

    The rendered bytes are kept in the page cache under the data's generations (``pdf_cache_key``): a
    brief is the same for every reader allowed to read it (nothing in its PDF form depends on the
    reader), so a leader's repeat, or the next reader's, costs a cache read; any write is a miss at once.
    """

    def get(self, request, *args, **kwargs):
        store = page_cache.cache()
        key = None if isinstance(store, DummyCache) else pdf_cache_key(request)
        stored = store.get(key) if key else None
        hit = stored is not None
        if not hit:
            context = {**self.get_context_data(**kwargs), **self.brief_context(), "request": request}
            body = pdf.render_pdf(context, request=request)
            code = "VN" if context["national"] else context["programme"].code
            stored = {"body": body, "name": f"brief-{code}-{self.as_of.isoformat()}.pdf"}
            if key:
                store.set(key, stored, settings.TIENDO_PAGE_CACHE_SECONDS)
        response = HttpResponse(stored["body"], content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{stored["name"]}"'
        if key:
            response["X-Brief-Cache"] = "hit" if hit else "miss"
        return response
