"""The unit pages: the list with search, and a unit's standing, lineage, trend and the units under it."""

from datetime import date
from urllib.parse import urlencode

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from metrics import (
    charts,
    comparable,
    dashboard,
    figure_cache,
    lineage,
    readers,
    task_rows,
    trends,
)
from metrics.filters import (
    SCOPE_KINDS,
    UnitFilterForm,
)
from metrics.tables import (
    UnitTable,
)
from metrics.views.base import DashboardTableMixin
from metrics.views.programmes import status_table_rows, summary_counts
from projects import selectors as project_selectors
from projects.choices import CENTRAL_KINDS, UnitKind
from projects.models import Programme
from projects.unit_search import search_units, units_matching


def default_programme_code(programmes: list[Programme], as_of: date) -> str:
    """The programme a units page shows unless told: one running on the day, else the one that ended last,
    so that today's page ranks today's units (a programme that ended stays on the map of its last day)."""
    if not programmes:
        return ""
    running = [p for p in programmes if p.start <= as_of and (p.end is None or as_of <= p.end)]
    if running:
        return running[0].code
    return max(programmes, key=lambda p: (p.end or date.max, p.start)).code


class UnitListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/unit_list.html"
    table_class = UnitTable
    export_stem = "units"

    def get(self, request, *args, **kwargs):
        self.programmes = list(Programme.objects.order_by("start", "code"))
        code = request.GET.get("programme") or default_programme_code(self.programmes, self.as_of)
        data = None
        if request.GET:
            data = request.GET.copy()
            data.setdefault("programme", code)  # the form shows the programme the table counts
        self.filter_form = UnitFilterForm(data, programmes=self.programmes, initial={"programme": code})
        self.query = request.GET.get("q", "").strip()[:100]
        if self.query:
            self.filter_form.matching_paths = set(units_matching(self.query).values_list("path", flat=True))
        self.programme = next((p for p in self.programmes if p.code == code), None)
        if self.programme is None and self.programmes:
            raise Http404(_("No such programme."))
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        if self.programme is None:
            return []
        kind = self.request.GET.get("kind") or None
        scope = self.request.GET.get("scope")
        kinds = SCOPE_KINDS.get(scope) or ((kind,) if kind else None)
        parent = None
        if parent_code := self.request.GET.get("parent", "").strip().upper():
            parent = project_selectors.unit_for_code(parent_code, on=self.as_of)
            if parent is None:
                return []
        rows = dashboard.unit_rows(programme=self.programme, as_of=self.as_of, kinds=kinds, parent=parent)
        if kinds is None and parent is None:
            rows = [r for r in rows if r["kind"] != UnitKind.NATION]
        return self.filter_form.filter(dashboard.league_among_peers(rows))

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.programme is not None:
            kwargs["link_query"] = "?" + urlencode(
                {
                    **({"as_of": self.as_of.isoformat()} if self.as_of_explicit else {}),
                    "programme": self.programme.code,
                }
            )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(programme=self.programme, filter_form=self.filter_form, **kwargs)
        if self.query:
            found = search_units(self.query, on=self.as_of)
            context["search"] = {
                "query": self.query,
                "results": lineage.search_results(found, as_of=self.as_of, explicit=self.as_of_explicit),
            }
        return context


class UnitDetailView(DashboardTableMixin, TemplateView):
    template_name = "metrics/unit_detail.html"
    table_class = UnitTable

    def get(self, request, *args, **kwargs):
        # A code names the unit valid on the page's day (an ended one stays reachable: unit_for_code).
        self.unit = project_selectors.unit_for_code(kwargs["unit_code"], on=self.as_of)
        if self.unit is None:
            raise Http404(_("No such unit."))
        self.export_stem = f"units-under-{self.unit.code}"
        self.programmes = list(Programme.objects.order_by("start", "code"))
        code = request.GET.get("programme") or default_programme_code(self.programmes, self.as_of)
        self.programme = next((p for p in self.programmes if p.code == code), None)
        if self.programme is None and self.programmes:
            raise Http404(_("No such programme."))
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        if self.programme is None or not lineage.exists_on(self.unit, self.as_of):
            return []
        return dashboard.league(
            dashboard.unit_rows(programme=self.programme, as_of=self.as_of, parent=self.unit)
        )

    def get_table_kwargs(self):
        query = {**({"as_of": self.as_of.isoformat()} if self.as_of_explicit else {})}
        if self.programme:
            query["programme"] = self.programme.code
        return {"link_query": "?" + urlencode(query) if query else "", "exclude": ("kind", "region")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(unit=self.unit, programmes=self.programmes, **kwargs)
        programme = self.programme
        context["programme"] = programme
        context["programme_links"] = [
            {"programme": p, "url": self.url("metrics:unit_detail", self.unit.code, programme=p.code)}
            for p in self.programmes
        ]
        context["lineage"] = lineage.unit_lineage(
            self.unit,
            as_of=self.as_of,
            explicit=self.as_of_explicit,
            programme=self.request.GET.get("programme", ""),
        )
        context["ancestors"] = context["lineage"]["ancestors"]  # read with the lineage, in one query
        if programme is None or not context["lineage"]["on_map"]:
            return context  # a unit's figures are counted only on a day it existed
        peers = dashboard.league(
            dashboard.unit_rows(programme=programme, as_of=self.as_of, kinds=dashboard.peers_of(self.unit))
        )
        own = next((r for r in peers if r["code"] == self.unit.code), None)
        if own is None:  # a unit of a kind with no league (the nation): its own subtree's figures
            own = next(
                iter(dashboard.unit_rows(programme=programme, as_of=self.as_of, kinds=(self.unit.kind,))),
                None,
            )
            if own and own["code"] != self.unit.code:
                own = None
        assignments = dashboard.programme_assignments(programme=programme, as_of=self.as_of, unit=self.unit)
        verified, reported = summary_counts(
            readers.programme_summary(programme=programme, unit=self.unit, as_of=self.as_of)
        )
        trend = trends.trend(programme=programme, as_of=self.as_of, unit=self.unit)
        # A successor's trend before it existed: the sum of its predecessors, labelled (metrics.comparable).
        history = comparable.comparable_trend(programme=programme, as_of=self.as_of, unit=self.unit)
        trend_figure = charts.completion_trend(trend, language=self.language)
        if history:
            comparable.add_to_chart(trend_figure, history)
        context.update(
            comparable_history=history,
            comparable_rows=[row for row in history["rows"] if row["comparable"]] if history else [],
            own=own,
            peers_ranked=sum(1 for r in peers if r["rank"] is not None),
            tied_with=sum(1 for r in peers if own and r["rank"] == own["rank"] and r["code"] != own["code"]),
            peers_url=self.url(
                "metrics:unit_list",
                programme=programme.code,
                **({"kind": self.unit.kind} if self.unit.kind not in CENTRAL_KINDS else {"scope": "central"}),
                sort="rank",
            ),
            status_rows=status_table_rows(self, verified, reported, programme.code, unit=self.unit.code),
            status_total=sum(verified.values()),
            status_bars=charts.status_bars(verified, reported),
            trend=trend,
            trend_last=trend[-1] if trend else None,
            trend_chart=self.chart("chart-trend", trend_figure),
            overdue=figure_cache.remember(
                programme,
                self.as_of,
                ("overdue_assignments", self.unit.pk),
                lambda: dashboard.overdue_assignments(assignments, self._tasks_with_overdue(programme)),
            ),
            overdue_url=self.url(
                "metrics:assignment_list", programme.code, status="overdue", unit=self.unit.code
            ),
            assignments_url=self.url("metrics:assignment_list", programme.code, unit=self.unit.code),
        )
        return context

    def _tasks_with_overdue(self, programme: Programme) -> list[dict]:
        """Where the unit's overdue assignments are: the unit's task rows, through the one read interface
        (per-task rows for a unit right below the nation, counted once per day and generation for a deeper
        one), so that ten of them never cost every assignment's status."""
        return task_rows.task_rows(programme=programme, as_of=self.as_of, unit=self.unit)
