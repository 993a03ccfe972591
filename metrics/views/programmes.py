"""The programme pages: the list, a programme's overview, its goals, tasks, assignments and a task."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from metrics import (
    charts,
    dashboard,
    readers,
    task_rows,
    tilemap,
)
from metrics.filters import (
    SCOPE_KINDS,
    AssignmentFilter,
    GoalFilterForm,
    TaskFilterForm,
)
from metrics.tables import (
    AssignmentTable,
    GoalTable,
    ProgrammeTable,
    TaskTable,
)
from metrics.views.base import DashboardMixin, DashboardTableMixin
from metrics.views.summary import map_day, programme_panels, province_tiles
from projects.choices import AssignmentStatus, TaskStatus, UnitKind
from projects.display import localized
from projects.models import Programme, Task


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
        verified, reported = summary_counts(summary)
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
            status_rows=status_table_rows(self, verified, reported, code),
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


def summary_counts(summary: dict) -> tuple[dict, dict]:
    """Return the counts by status, verified and reported, of a programme summary (readers' API shape)."""
    verified = {status: summary["assignments"][status] for status in AssignmentStatus.values}
    reported = {status: summary["reported"]["assignments"][status] for status in AssignmentStatus.values}
    return verified, reported


def status_table_rows(view, verified: dict, reported: dict, code: str, **params) -> list[dict]:
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
        self.counts = dashboard.task_status_counts(programme=self.programme, task=self.task, as_of=self.as_of)
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
        context["status_rows"] = status_table_rows(
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
