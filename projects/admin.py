"""Admin for master data: search, filters and select_related so that no list page runs N+1 queries.

Writes that keep derived state in step (a unit's tree path, report chains) go through services.
Reports are append-only: the admin shows them read-only.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects import services
from projects.models import Assignment, Goal, ImportJob, Membership, Programme, Report, Task, Unit


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "region", "parent", "valid_from", "valid_to"]
    list_filter = ["kind", "region", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "short_name", "name_en"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "successors"]
    readonly_fields = ["path", "depth"]
    ordering = ["path"]

    def save_model(self, request, obj, form, change):
        # The tree path is derived state: a new parent moves the whole subtree through the service.
        if change and "parent" in form.changed_data:
            new_parent = obj.parent
            obj.parent = Unit.objects.get(pk=obj.pk).parent
            super().save_model(request, obj, form, change)
            services.unit_move(unit=obj, parent=new_parent)
            return
        if not change:
            obj.path = Unit.path_for(obj.parent, obj.code, obj.valid_from)
            obj.depth = 0 if obj.parent is None else obj.parent.depth + 1
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        # A code is part of every descendant's path and of imports: fixed once created.
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ["code", "title", "group", "deadline"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_name", "decision", "start", "end", "lead_unit"]
    search_fields = ["code", "name", "short_name", "decision"]
    list_select_related = ["lead_unit"]
    autocomplete_fields = ["lead_unit"]
    inlines = [GoalInline]


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "programme", "group", "deadline"]
    list_filter = ["programme", "group"]
    search_fields = ["code", "title"]
    list_select_related = ["programme"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "programme", "group", "lead_unit", "deadline"]
    list_filter = ["programme", "group", ("deadline", admin.EmptyFieldListFilter)]
    search_fields = ["code", "title", "lead_unit__name", "lead_unit__code"]
    list_select_related = ["programme", "lead_unit"]
    autocomplete_fields = ["lead_unit", "coordinating_units", "goal"]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["task", "unit", "deadline", "latest_accepted", "latest_reported", "version"]
    list_filter = ["task__programme", "unit__kind", "unit__region"]
    search_fields = ["task__code", "task__title", "unit__code", "unit__name"]
    list_select_related = ["task", "unit", "verified_report", "reported_report"]
    autocomplete_fields = ["task", "unit"]
    readonly_fields = ["version", "verified_report", "reported_report"]

    @staticmethod
    def _describe(report):
        # Not str(report): that would fetch the report's assignment again, once per row.
        if report is None:
            return "—"
        return f"{report.get_status_display()} ({report.effective_date:%d/%m/%Y})"

    @admin.display(description=_("latest accepted report"))
    def latest_accepted(self, obj):
        return self._describe(obj.verified_report)

    @admin.display(description=_("latest report"))
    def latest_reported(self, obj):
        return self._describe(obj.reported_report)

    def save_model(self, request, obj, form, change):
        if change and "deadline" in form.changed_data:
            services.assignment_set_deadline(assignment=obj, deadline=obj.deadline)
        elif not change:
            services.assignment_create(task=obj.task, unit=obj.unit, deadline=obj.deadline)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = [
        "pk",
        "programme",
        "assignment",
        "goal",
        "status",
        "percent",
        "effective_date",
        "review_state",
        "submitted_by",
        "submitted_at",
    ]
    list_filter = ["programme", "review_state", "status"]
    search_fields = [
        "assignment__task__code",
        "assignment__unit__code",
        "assignment__unit__name",
        "goal__code",
        "note",
    ]
    list_select_related = [
        "programme",
        "assignment__task",
        "assignment__unit",
        "goal",
        "submitted_by",
    ]
    date_hierarchy = "effective_date"

    def has_add_permission(self, request):
        return False  # reports are written through the report form and imports, never here

    def has_change_permission(self, request, obj=None):
        return False  # append-only: a correction is a new report

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "original_name",
        "created_by",
        "created_at",
        "dry_run",
        "state",
        "rows_done",
        "rows_total",
    ]
    list_filter = ["kind", "state", "dry_run"]
    search_fields = ["original_name", "created_by__username"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # files are uploaded on /imports/, where they are checked

    def has_change_permission(self, request, obj=None):
        return False  # a job's record is its audit trail


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "programme"]
    list_filter = ["role", "programme"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    list_select_related = ["user", "unit", "programme"]
    autocomplete_fields = ["user", "unit", "programme"]


admin.site.site_header = _("Tiến độ administration")
admin.site.site_title = _("Tiến độ")
