"""The dashboard's pages: each declares where its rows come from, its table, its filters and its template.

Every figure is read from metrics.dashboard (the rollups where they exist) in a fixed number of queries,
whatever the size of the data; every number links to the rows it was counted from.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from urllib.parse import urlencode

import rules
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from metrics import (
    charts,
    comparable,
    dashboard,
    figure_cache,
    indicator_figures,
    lineage,
    readers,
    staleness,
    task_rows,
    tilemap,
    trends,
)
from metrics.filters import (
    SCOPE_KINDS,
    AssignmentFilter,
    GoalFilterForm,
    IndicatorFilterForm,
    TaskFilterForm,
    UnitFilterForm,
)
from metrics.headline_since import headline_since
from metrics.models import Indicator
from metrics.numbers import percent_text
from metrics.selectors import target_reached
from metrics.tables import (
    AssignmentTable,
    GoalTable,
    IndicatorTable,
    ProgrammeTable,
    RankingTable,
    TaskTable,
    UnitTable,
)
from projects import selectors as project_selectors
from projects.as_of import AsOfMixin
from projects.choices import CENTRAL_KINDS, AssignmentStatus, TaskStatus, UnitKind
from projects.display import localized
from projects.exports import SpreadsheetExport
from projects.models import Programme, Task, Unit
from projects.unit_search import search_units, units_matching

LEAGUE_SIZE = 10


@lru_cache(maxsize=8192)
def reversed_url(viewname: str, args: tuple, language: str) -> str:
    """reverse(), remembered: a page links to some hundred units and tasks, and the URLconf never changes.
    The language is part of the key because it decides the prefix (/en/)."""
    return reverse(viewname, args=args)


class VisibilityMixin:
    """Read pages are public unless TIENDO_PUBLIC is off; then they need a signed-in user."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.TIENDO_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class DashboardMixin(VisibilityMixin, AsOfMixin):
    """Context every dashboard page shares: the as-of date, the query that keeps it in links, the language."""

    @property
    def as_of_explicit(self) -> bool:
        return bool(self.request.GET.get("as_of"))

    @property
    def link_query(self) -> str:
        return f"?as_of={self.as_of.isoformat()}" if self.as_of_explicit else ""

    @property
    def language(self) -> str:
        return get_language() or "vi"

    def url(self, viewname: str, *args, **params) -> str:
        """Reverse a page, keeping the as-of date and adding filter parameters."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.as_of_explicit:
            query = {"as_of": self.as_of.isoformat(), **query}
        return reversed_url(viewname, args, self.language) + (f"?{urlencode(query)}" if query else "")

    def chart(self, chart_id: str, figure: dict) -> dict:
        return {"id": chart_id, "figure": figure}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            link_query=self.link_query, today=timezone.localdate(), tile_grid=tilemap.grid_on(self.as_of)
        )
        return context


class DashboardTableMixin(DashboardMixin, ExportMixin, SingleTableMixin):
    """A page whose table sorts, pages, and exports exactly its filtered rows as CSV or XLSX."""

    table_pagination = {"per_page": 50}
    export_formats = ("csv", "xlsx")
    export_class = SpreadsheetExport
    export_stem = "table"

    def get_export_filename(self, export_format):
        return f"{self.export_stem}-{self.as_of.isoformat()}.{export_format}"

    def get_dataset_kwargs(self):
        """Name the sheet after the table and what it is of: "Tasks DA06", "Units 01", "Ranking CCCD_CHIP"."""
        title = str(getattr(self.table_class, "export_title", "") or "")
        items = (getattr(self, name, None) for name in ("programme", "task", "unit", "indicator"))
        codes = [getattr(item, "code", "") for item in items if item is not None]
        return {"title": " ".join([title, *[code for code in codes if code]])}

    def get_table_kwargs(self):
        return {"link_query": self.link_query}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        links = []
        for export_format in self.export_formats:
            query["_export"] = export_format
            links.append({"format": export_format.upper(), "url": f"?{query.urlencode()}"})
        context["export_links"] = links
        table = context["table"]
        paginator = getattr(table, "paginator", None)
        context["row_count"] = paginator.count if paginator is not None else len(table.rows)
        return context


# The national summary ------------------------------------------------------------------------------------


class NationalSummaryView(DashboardMixin, TemplateView):
    template_name = "metrics/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(readers.national_headline(self.as_of))
        context["freshness"] = readers.freshness_of(context.get("programmes", {}).values())
        context["figures_stale"] = any(f["stale"] for f in context["freshness"])
        context["figures_pending"] = any(f["pending"] for f in context["freshness"])
        programmes = context["programmes"]
        links = {
            "da06_goals": self.url("metrics:goal_list", "DA06", achieved="yes"),
            "da06_tasks": self.url("metrics:task_list", "DA06", status=TaskStatus.DONE),
            "cds_central_tasks": self.url(
                "metrics:task_list", "CDS2022", scope="central", status=TaskStatus.DONE
            ),
            "cds_provinces": self.url(
                "metrics:unit_list", programme="CDS2022", kind=UnitKind.PROVINCE, all_done="yes"
            ),
        }
        context["figure_links"] = links
        latest = {f["programme"].pk: f["day"] for f in context["freshness"]}
        since = headline_since(programmes, self.as_of, latest) or {}
        context["since_day"] = since.get("day")
        context["since"] = {
            key: {"done": before.done, "total": before.total, "change": context[key].done - before.done}
            for key, before in since.items()
            if key != "day" and context.get(key) is not None
        }
        context["indicators"] = [
            {
                "indicator": item.indicator,
                "value": item.value,
                "reached": item.reached,
                "age": staleness.indicator_age(item.indicator, item.value, self.as_of),
                "url": self.url("metrics:indicator_detail", item.indicator.code),
            }
            for item in context.get("indicators", [])
        ]
        if connected := context.get("connected"):
            connected["url"] = self.url("metrics:indicator_detail", connected["indicator"].code)
        code = self.request.GET.get("programme") or "DA06"
        programme = programmes.get(code) or Programme.objects.filter(code=code).first()
        programme = programme or next(iter(programmes.values()), None)
        if programme is not None:
            context.update(programme_panels(self, programme))
        if rules.has_perm("projects.use_reviews", self.request.user):
            # A reviewer's home: how much awaits them, and for how long, above the figures.
            context["review_summary"] = project_selectors.review_queue_summary(self.request.user)
        return context


def programme_panels(view: DashboardMixin, programme: Programme, *, unit: Unit | None = None) -> dict:
    """The charts, league tables and map that the summary and a programme's page share."""
    as_of, language = view.as_of, view.language
    tasks = task_rows.task_rows(programme=programme, as_of=as_of)
    groups = task_rows.group_rows(tasks)
    trend = trends.trend(programme=programme, as_of=as_of, unit=unit)
    units = dashboard.unit_rows(programme=programme, as_of=as_of, kinds=(UnitKind.PROVINCE, *CENTRAL_KINDS))
    provinces = dashboard.league([row for row in units if row["kind"] == UnitKind.PROVINCE])
    central = dashboard.league([row for row in units if row["kind"] in CENTRAL_KINDS])
    for row in provinces + central:
        row["url"] = view.url("metrics:unit_detail", row["code"], programme=programme.code)
    return {
        "programme": programme,
        "tasks": tasks,
        "trend": trend,
        "trend_last": trend[-1] if trend else None,
        "trend_chart": view.chart("chart-trend", charts.completion_trend(trend, language=language)),
        "groups": groups,
        "groups_chart": view.chart("chart-groups", charts.completion_by_group(groups, language=language)),
        "province_league": provinces,
        "province_laggards": laggards(provinces),
        "central_league": central,
        "league_size": LEAGUE_SIZE,
        "province_league_url": view.url(
            "metrics:unit_list", programme=programme.code, kind=UnitKind.PROVINCE, sort="rank"
        ),
        "central_league_url": view.url(
            "metrics:unit_list", programme=programme.code, scope="central", sort="rank"
        ),
        "tiles": province_tiles(view, provinces, programme),
        "tile_grid": tilemap.grid_on(map_day(view, programme)),
        "map_day": map_day(view, programme),
        "tasks_url": view.url("metrics:task_list", programme.code),
    }


def map_day(view: DashboardMixin, programme: Programme | None) -> date:
    """The day whose map a page's figures are drawn on (a programme that ended stays on its last day's)."""
    return view.as_of if programme is None else project_selectors.map_day(programme, view.as_of)


def laggards(ranked: list[dict]) -> list[dict]:
    """The units that lag most, lowest first, out of a ranked league (none that the top ten already show)."""
    return list(reversed(ranked[max(LEAGUE_SIZE, len(ranked) - LEAGUE_SIZE) :]))


def province_tiles(view: DashboardMixin, rows: list[dict], programme: Programme | None = None) -> list:
    values = {}
    for row in rows:
        label = _("%(name)s: %(done)s of %(total)s done (%(percent)s%%)") % {
            "name": row["name"],
            "done": row["done"],
            "total": row["total"],
            "percent": _fmt_percent(row["percent"]),
        }
        values[row["code"]] = (row["name"], row["percent"], label)
    tiles = tilemap.tiles(values, on=map_day(view, programme))
    params = {"programme": programme.code} if programme else {}
    return [{"tile": tile, "url": view.url("metrics:unit_detail", tile.code, **params)} for tile in tiles]


def _fmt_percent(value) -> str:
    return percent_text(value, 0)[:-1] if value is not None else "—"


# Programmes ----------------------------------------------------------------------------------------------


def programme_or_404(code: str) -> Programme:
    return get_object_or_404(Programme.objects.select_related("lead_unit"), code=code)


class ProgrammeListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/programme_list.html"
    table_class = ProgrammeTable
    export_stem = "programmes"

    def get_table_data(self):
        rows = []
        for programme in Programme.objects.order_by("start", "code"):
            tasks = task_rows.task_rows(programme=programme, as_of=self.as_of)
            done = sum(r["done"] for r in tasks)
            reported_done = sum(r["reported_done"] for r in tasks)
            total = sum(r["assignments"] for r in tasks)
            rows.append(
                {
                    "code": programme.code,
                    "name": localized(str(programme)),
                    "decision": programme.decision,
                    "tasks_done": sum(r["status"] == TaskStatus.DONE for r in tasks),
                    "tasks_total": len(tasks),
                    "percent": 100 * done / total if total else None,
                    "reported_percent": 100 * reported_done / total if total else None,
                }
            )
        return rows


class ProgrammeDetailView(DashboardMixin, TemplateView):
    template_name = "metrics/programme_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programme = programme_or_404(self.kwargs["code"])
        context.update(programme_panels(self, programme))
        [freshness] = readers.freshness_of([programme])
        context.update(
            freshness=[freshness], figures_stale=freshness["stale"], figures_pending=freshness["pending"]
        )
        tasks = context["tasks"]
        # Counts by status and goals come from the rollups; the rows behind them from the tables.
        summary = readers.programme_summary(programme=programme, unit=readers.nation(), as_of=self.as_of)
        verified, reported = _summary_counts(summary)
        assignments = dashboard.programme_assignments(programme=programme, as_of=self.as_of)
        overdue = dashboard.overdue_assignments(assignments, tasks)
        code = programme.code
        if programme.end and programme.end < self.as_of:
            # An ended programme: its final result is its figures on its last day.
            context["final"] = readers.programme_summary(
                programme=programme, unit=readers.nation(), as_of=programme.end
            )
        context.update(
            goals_achieved=summary["goals"]["achieved"],
            goals_reported=summary["reported"]["goals"]["achieved"],
            goals_total=summary["goals"]["total"],
            tasks_done=sum(r["status"] == TaskStatus.DONE for r in tasks),
            tasks_reported=sum(r["reported_status"] == TaskStatus.DONE for r in tasks),
            tasks_total=len(tasks),
            status_rows=_status_rows(self, verified, reported, code),
            status_total=sum(verified.values()),
            status_bars=charts.status_bars(verified, reported),
            overdue=overdue,
            overdue_url=self.url("metrics:assignment_list", code, status=AssignmentStatus.OVERDUE),
            goals_url=self.url("metrics:goal_list", code),
            goals_achieved_url=self.url("metrics:goal_list", code, achieved="yes"),
            tasks_done_url=self.url("metrics:task_list", code, status=TaskStatus.DONE),
            assignments_url=self.url("metrics:assignment_list", code),
        )
        return context


def _summary_counts(summary: dict) -> tuple[dict, dict]:
    """Return the counts by status, verified and reported, of a programme summary (readers' API shape)."""
    verified = {status: summary["assignments"][status] for status in AssignmentStatus.values}
    reported = {status: summary["reported"]["assignments"][status] for status in AssignmentStatus.values}
    return verified, reported


def _status_rows(view, verified: dict, reported: dict, code: str, **params) -> list[dict]:
    return [
        {
            "status": status,
            "label": status.label,
            "verified": verified[status.value],
            "reported": reported[status.value],
            "url": view.url("metrics:assignment_list", code, status=status.value, **params),
        }
        for status in AssignmentStatus
    ]


class GoalListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/goal_list.html"
    table_class = GoalTable

    def get(self, request, *args, **kwargs):
        self.programme = programme_or_404(kwargs["code"])
        self.export_stem = f"goals-{self.programme.code}"
        self.filter_form = GoalFilterForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return self.filter_form.filter(task_rows.goal_rows(programme=self.programme, as_of=self.as_of))

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.programme, filter_form=self.filter_form, **kwargs)


class TaskListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/task_list.html"
    table_class = TaskTable

    def get(self, request, *args, **kwargs):
        self.programme = programme_or_404(kwargs["code"])
        self.export_stem = f"tasks-{self.programme.code}"
        groups = sorted(
            set(Task.objects.filter(programme=self.programme).values_list("group", flat=True)) - {""}
        )
        self.filter_form = TaskFilterForm(request.GET or None, groups=groups)
        return super().get(request, *args, **kwargs)

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "programme_code": self.programme.code}

    def get_table_data(self):
        scope = self.request.GET.get("scope", "")
        rows = task_rows.task_rows(programme=self.programme, as_of=self.as_of, kinds=SCOPE_KINDS.get(scope))
        return self.filter_form.filter(rows)

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.programme, filter_form=self.filter_form, **kwargs)


class AssignmentListView(DashboardTableMixin, TemplateView):
    """A programme's assignments: filtered, sorted and paged in the database."""

    template_name = "metrics/assignment_list.html"
    table_class = AssignmentTable

    def get(self, request, *args, **kwargs):
        self.programme = programme_or_404(kwargs["code"])
        self.export_stem = f"assignments-{self.programme.code}"
        self.filterset = AssignmentFilter(
            request.GET or None,
            queryset=dashboard.programme_assignments(programme=self.programme, as_of=self.as_of),
            as_of=self.as_of,
        )
        return super().get(request, *args, **kwargs)

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "programme_code": self.programme.code}

    def get_table_data(self):
        return self.filterset.qs

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if pagination and (not self.filterset.is_bound or self.filterset.is_valid()):
            count = dashboard.assignment_count(
                programme=self.programme, as_of=self.as_of, params=self.request.GET
            )
            if count is not None:
                pagination.update(paginator_class=KnownCountPaginator, count=count)
        return pagination

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            programme=self.programme, filter_form=self.filterset.form, **kwargs
        )
        context["row_count"] = context["table"].paginator.count if context["table"].paginator else 0
        return context


class KnownCountPaginator(Paginator):
    """A paginator told its count (by the rollups) instead of counting 500,000 joined rows."""

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        self.known_count = count
        super().__init__(object_list, per_page, *args, **kwargs)

    @cached_property
    def count(self):
        return self.known_count if self.known_count is not None else super().count

    def validate_number(self, number):
        """Treat a page that is no whole number ("abc", "1e9", "null") as a page that does not exist."""
        try:
            return super().validate_number(number)
        except PageNotAnInteger as error:
            raise EmptyPage(str(error)) from None


class TaskDetailView(DashboardTableMixin, TemplateView):
    template_name = "metrics/task_detail.html"
    table_class = AssignmentTable

    def get(self, request, *args, **kwargs):
        self.programme = programme_or_404(kwargs["code"])
        self.task = get_object_or_404(
            Task.objects.select_related("goal", "lead_unit"),
            programme=self.programme,
            code=kwargs["task_code"],
        )
        self.export_stem = f"assignments-{self.programme.code}-{self.task.code}"
        self.assignments = dashboard.assignments_as_of(
            as_of=self.as_of, queryset=self.task.assignments.select_related("task", "unit")
        )
        self.filterset = AssignmentFilter(request.GET or None, queryset=self.assignments, as_of=self.as_of)
        self.counts = dashboard.task_status_counts(
            programme=self.programme, task=self.task, as_of=self.as_of, assignments=self.assignments
        )
        return super().get(request, *args, **kwargs)

    def get_table_pagination(self, table):
        # The counts by status, read once for the chart, are also the table's row count when it is
        # filtered by status only.
        pagination = super().get_table_pagination(table)
        used = {k for k, v in self.request.GET.items() if v and k not in dashboard.IGNORED_PARAMETERS}
        if pagination and used <= {"status"} and (not self.filterset.is_bound or self.filterset.is_valid()):
            verified = self.counts[0]
            status = self.request.GET.get("status")
            count = verified.get(status, 0) if status else sum(verified.values())
            pagination.update(paginator_class=KnownCountPaginator, count=count)
        return pagination

    def get_table_kwargs(self):
        # By unit, in the tree's order: the unit path index gives the first page of 10,599 communes
        # without computing every assignment's status first (1 ms instead of 50 at scale 1).
        return {
            **super().get_table_kwargs(),
            "programme_code": self.programme.code,
            "exclude": ("task",),
            "order_by": ("unit",),
        }

    def get_table_data(self):
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            programme=self.programme, task=self.task, filter_form=self.filterset.form, **kwargs
        )
        context["row_count"] = context["table"].paginator.count if context["table"].paginator else 0
        verified, reported = self.counts
        context["status_rows"] = _status_rows(
            self, verified, reported, self.programme.code, task=self.task.code
        )
        context["status_total"] = sum(verified.values())
        context["status_bars"] = charts.status_bars(verified, reported)
        # One tile per province: a province of 2025 may hold the assignments of several predecessors,
        # and is done when every one of them is.
        by_code: dict[str, dict] = {}
        for row in self.assignments.filter(unit__kind=UnitKind.PROVINCE).values(
            "unit__code", "unit__name", "unit__short_name", "status"
        ):
            entry = by_code.setdefault(
                row["unit__code"],
                {
                    "code": row["unit__code"],
                    "name": row["unit__short_name"] or row["unit__name"],
                    "done": 0,
                    "total": 0,
                },
            )
            entry["done"] += row["status"] in dashboard.DONE
            entry["total"] += 1
        provinces = [{**p, "percent": 100 * p["done"] / p["total"]} for p in by_code.values()]
        if provinces:
            context["tiles"] = province_tiles(self, provinces, self.programme)
            context["tile_grid"] = tilemap.grid_on(map_day(self, self.programme))
            context["map_day"] = map_day(self, self.programme)
            context["tile_legend"] = "done"
        return context


# Units ---------------------------------------------------------------------------------------------------


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
        verified, reported = _summary_counts(
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
            status_rows=_status_rows(self, verified, reported, programme.code, unit=self.unit.code),
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
        """Where the unit's overdue assignments are: the stored per-task rows, else the unit's task rows
        (counted once per day and generation), so that ten of them never cost every assignment's status."""
        stored = dashboard.unit_task_overdue(programme=programme, unit=self.unit, as_of=self.as_of)
        if stored is not None:
            return stored
        return task_rows.task_rows(programme=programme, as_of=self.as_of, unit=self.unit)


# Indicators ----------------------------------------------------------------------------------------------


class IndicatorListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/indicator_list.html"
    table_class = IndicatorTable
    export_stem = "indicators"

    def get(self, request, *args, **kwargs):
        self.filter_form = IndicatorFilterForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        indicators = list(Indicator.objects.select_related("programme").order_by("display_order", "code"))
        values = indicator_figures.indicator_values(indicators, as_of=self.as_of)
        rows = []
        for indicator in indicators:
            value = values[indicator.pk]
            rows.append(
                {
                    "code": indicator.code,
                    "name": indicator_name(indicator),
                    "value": format_indicator_value(indicator, value),
                    "target": format_target(indicator, value),
                    "target_date": indicator.target_date,
                    "reached": None if indicator.target_value is None else target_reached(indicator, value),
                    "stale_since": staleness.indicator_age(indicator, value, self.as_of).since,
                }
            )
        return self.filter_form.filter(rows)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


def indicator_name(indicator: Indicator) -> str:
    return indicator.name_en if get_language() == "en" and indicator.name_en else indicator.name


def format_indicator_value(indicator: Indicator, value) -> str:
    from django.utils.formats import number_format

    if value.value is None:
        return "—"
    if value.denominator:
        return (
            f"{number_format(value.value, 0, force_grouping=True)}/{number_format(value.denominator, 0, force_grouping=True)}"
            f" ({percent_text(value.percent)})"
        )
    return (
        f"{number_format(value.value, 0, force_grouping=True)} {localized(indicator.unit_of_measure)}".strip()
    )


def format_target(indicator: Indicator, value) -> str:
    from django.utils.formats import number_format

    if indicator.target_value is None:
        return "—"
    if value.denominator or indicator.aggregation == "ratio":
        return percent_text(indicator.target_value)
    return number_format(indicator.target_value, 0, force_grouping=True)


RANKING_KINDS = {
    "province": (UnitKind.PROVINCE,),
    "central": CENTRAL_KINDS,
    "district": (UnitKind.DISTRICT,),
    "commune": (UnitKind.COMMUNE,),
    "enterprise": (UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM),
}


RANKING_TABS = ("province", "central", "enterprise")


def ranking_kinds(request, default: str = "province") -> tuple[str, tuple[str, ...]]:
    key = request.GET.get("kind") or default
    if key in RANKING_KINDS:
        return key, RANKING_KINDS[key]
    if key in UnitKind.values:
        return key, (key,)
    raise BadRequest(_("Unknown kind of unit."))


def period_from_request(request) -> date | None:
    raw = request.GET.get("period", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("Write the period as YYYY-MM-DD.")) from None


class IndicatorDetailView(DashboardTableMixin, TemplateView):
    template_name = "metrics/indicator_detail.html"
    table_class = RankingTable

    def get(self, request, *args, **kwargs):
        self.indicator = get_object_or_404(
            Indicator.objects.select_related("programme", "goal"), code=kwargs["code"]
        )
        self.export_stem = f"ranking-{self.indicator.code}"
        # The kinds of unit that have a value to rank: most indicators are reported for the whole
        # country only, and a tab that can only ever be empty is not offered.
        self.ranked_kinds = indicator_figures.indicator_unit_kinds(
            indicator=self.indicator,
            as_of=self.as_of,
            kinds={kind for key in RANKING_TABS for kind in RANKING_KINDS[key]},
        )
        self.ranked_tabs = [key for key in RANKING_TABS if self.ranked_kinds & set(RANKING_KINDS[key])]
        try:
            self.kind_key, self.kinds = ranking_kinds(
                request, default=self.ranked_tabs[0] if self.ranked_tabs else "province"
            )
            self.period = period_from_request(request)
        except BadRequest as error:
            return TemplateResponse(request, "bad_request.html", {"message": str(error)}, status=400)
        self.ranking = indicator_figures.indicator_ranking(
            indicator=self.indicator, as_of=self.as_of, kinds=self.kinds, period=self.period
        )
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return self.ranking

    def get_table_kwargs(self):
        return {
            **super().get_table_kwargs(),
            "empty_text": _("No unit of this kind has a value of this indicator on this day."),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(indicator=self.indicator, **kwargs)
        context["national_only"] = not self.ranked_kinds
        country = readers.nation()
        value = indicator_figures.indicator_values([self.indicator], as_of=self.as_of)[self.indicator.pk]
        series = indicator_figures.indicator_series(indicator=self.indicator, unit=country, as_of=self.as_of)
        is_ratio = self.indicator.aggregation == "ratio"
        age = staleness.indicator_age(self.indicator, value, self.as_of)
        context.update(
            age=age,
            name=indicator_name(self.indicator),
            value=value,
            value_text=format_indicator_value(self.indicator, value),
            target_text=format_target(self.indicator, value),
            reached=target_reached(self.indicator, value),
            series=series,
            series_chart=self.chart(
                "chart-series",
                charts.indicator_series(
                    series,
                    name=indicator_name(self.indicator),
                    target=self.indicator.target_value,
                    language=self.language,
                    percent=is_ratio,
                    stale_since=age.since,
                ),
            ),
            is_ratio=is_ratio,
            kind_key=self.kind_key,
            kind_links=[
                {
                    "key": key,
                    "label": label,
                    "url": self.url("metrics:indicator_detail", self.indicator.code, kind=key),
                }
                for key, label in (
                    ("province", _("Provinces")),
                    ("central", _("Ministries and agencies")),
                    ("enterprise", _("Enterprises")),
                )
                if key in self.ranked_tabs or key == self.kind_key
            ],
        )
        if self.kind_key == "province" and self.ranking:
            values = {}
            top = max((r["comparable"] for r in self.ranking if r["comparable"] is not None), default=0) or 1
            for row in self.ranking:
                share = (
                    float(row["comparable"]) * 100 / float(top) if not is_ratio else float(row["comparable"])
                )
                values[row["code"]] = {
                    "code": row["code"],
                    "name": row["name"],
                    "percent": share,
                    "done": row["value"],
                    "total": row["denominator"] or "",
                }
            day = min(self.as_of, self.period) if self.period else self.as_of
            context["tiles"] = indicator_tiles(self, values.values(), is_ratio, on=day)
            context["tile_grid"] = tilemap.grid_on(day)
        return context


def indicator_tiles(view, rows, is_ratio: bool, *, on: date) -> list:
    from django.utils.formats import number_format

    values = {}
    for row in rows:
        shown = (
            percent_text(row["percent"]) if is_ratio else number_format(row["done"], 0, force_grouping=True)
        )
        values[row["code"]] = (row["name"], row["percent"], f"{row['name']}: {shown}")
    return [
        {"tile": tile, "url": view.url("metrics:unit_detail", tile.code)}
        for tile in tilemap.tiles(values, on=on)
    ]
