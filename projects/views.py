"""Views of the write side: reporting, review, imports, evidence and audit trails.

Each restricted view asks a rule (projects.rules) or scopes its queryset with a selector; a user
without the role gets 403, an object outside the user's scope is answered 404 as if it did not exist.
"""

import logging
import mimetypes
import os
import uuid

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from projects import selectors, services
from projects.as_of import AsOfMixin
from projects.choices import AssignmentStatus, ReviewState
from projects.choices import View as StatusView
from projects.exports import SpreadsheetExport
from projects.filters import ReporterAssignmentFilter
from projects.forms import (
    BulkReportFormSet,
    GoalAssessmentForm,
    ImportForm,
    ReportForm,
    WithdrawForm,
)
from projects.models import Assignment, Goal, ImportJob, Membership, Report, Task
from projects.rules import memberships
from projects.storage import PENDING_EVIDENCE_MAX_AGE, private_storage
from projects.tables import ReporterAssignmentTable

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "xlsx")
PENDING_EVIDENCE_SALT = "projects.report-form.pending-evidence"


def forbidden(request):
    """Answer 403; an anonymous visitor is offered the sign-in page, which brings them back."""
    return TemplateResponse(request, "projects/forbidden.html", {}, status=403)


class RuleRequiredMixin:
    """Refuse with 403 unless the user holds ``permission_required`` (a rule without an object)."""

    permission_required = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.has_perm(self.permission_required):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)


def object_or_404(user, permission, queryset, **lookup):
    """Return the object only if the user holds the permission on it; otherwise it does not exist for them."""
    obj = get_object_or_404(queryset, **lookup)
    if not user.has_perm(permission, obj):
        raise Http404
    return obj


def report_or_404(user, permission: str, pk: int) -> Report:
    """Return a report, with what its rules read, if the user holds the permission on it."""
    return object_or_404(
        user,
        permission,
        Report.objects.select_related(
            "programme", "assignment__task", "assignment__unit", "goal__programme__lead_unit"
        ),
        pk=pk,
    )


# The reporter's pages ------------------------------------------------------------------------------------


class ReportListView(AsOfMixin, RuleRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """/reports/: my units' assignments, most urgent first, with their latest reports and reviews."""

    permission_required = "projects.use_reports"
    template_name = "projects/report_list.html"
    table_class = ReporterAssignmentTable
    filterset_class = ReporterAssignmentFilter
    table_pagination = {"per_page": 50}
    export_formats = EXPORT_FORMATS
    export_class = SpreadsheetExport
    dataset_kwargs = {"title": gettext_lazy("My assignments")}
    export_name = "assignments"

    def get_queryset(self):
        return selectors.reporter_assignments(self.request.user, as_of=self.as_of)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        scoped = selectors.reporter_assignments(user, as_of=self.as_of)
        context["as_of"] = self.as_of
        context["returned_count"] = scoped.filter(last_review_state=ReviewState.RETURNED).count()
        # Both bases, each named: verified reports only (as the dashboards count), and counting the
        # reports still awaiting review (a done report sent for review is no longer overdue there).
        context["overdue_count"] = scoped.filter(reported_status=AssignmentStatus.OVERDUE).count()
        context["verified_overdue_count"] = scoped.filter(verified_status=AssignmentStatus.OVERDUE).count()
        context["unit_figures"] = unit_figures(user, as_of=self.as_of)
        context["goals"] = selectors.goals_for_user(user)
        context["review_states"] = ReviewState.choices
        context["export_formats"] = EXPORT_FORMATS
        return context


def unit_figures(user, *, as_of) -> list[dict]:
    """Return, for each unit a user reports for and each programme it has work in, both views' counts."""
    from projects.models import Programme, Unit

    today = as_of
    rows = []
    reporter_units = Unit.objects.filter(
        pk__in=Membership.objects.filter(user=user, role="reporter").values("unit_id")
    ).order_by("path")
    for unit in reporter_units:
        programmes = Programme.objects.filter(tasks__assignments__unit__path__startswith=unit.path).distinct()
        for programme in programmes:
            # Each programme on its map of the day: an ended unit's work is its successor's card since,
            # and a programme that ended (the 2022 tasks) stays on the units it ran on.
            if not unit.is_valid_on(selectors.map_day(programme, today)):
                continue
            verified = selectors.assignment_status_counts(
                programme=programme, as_of=today, view=StatusView.VERIFIED, unit=unit
            )
            reported = selectors.assignment_status_counts(
                programme=programme, as_of=today, view=StatusView.REPORTED, unit=unit
            )
            rows.append(
                {
                    "unit": unit,
                    "programme": programme,
                    "verified_done": verified["done_on_time"] + verified["done_late"],
                    "reported_done": reported["done_on_time"] + reported["done_late"],
                    "overdue": verified["overdue"],
                    "reported_overdue": reported["overdue"],
                    "total": verified["total"],
                }
            )
    return rows


class ReportCreateView(FormView):
    """/reports/new/?assignment=<id>: one report, refused with the newer report if another landed meanwhile."""

    template_name = "projects/report_form.html"
    form_class = ReportForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return forbidden(request)
        raw = request.GET.get("assignment", "")
        if not raw.isdigit():
            raise Http404
        self.assignment = object_or_404(
            request.user,
            "projects.report_on_assignment",
            Assignment.objects.select_related("task__programme", "unit"),
            pk=int(raw),
        )
        self.conflict = None
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        latest = self.assignment.reported_report
        initial = {"version": self.assignment.version, "effective_date": timezone.localdate()}
        if latest is not None:
            initial.update(status=latest.status, percent=latest.percent)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignment"] = self.assignment
        context["recent_reports"] = selectors.assignment_reports(self.assignment)[:5]
        context["conflict"] = self.conflict
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        evidence = data.get("evidence_file") or None
        pending = self._pending(data.get("pending_evidence", ""))
        if evidence is None and pending is not None:
            evidence = File(private_storage.open(pending["name"]), name=os.path.basename(pending["name"]))
        try:
            report = services.report_submit(
                user=self.request.user,
                assignment=self.assignment,
                status=data["status"],
                percent=data["percent"],
                completed_on=data["completed_on"],
                effective_date=data["effective_date"],
                note=data["note"],
                evidence_file=evidence,
                evidence_url=data["evidence_url"],
                expected_version=data["version"],
            )
        except services.ReportConflict as conflict:
            self.conflict = conflict
            return self._rerender(form, version=conflict.assignment.version, status=409)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        finally:
            if isinstance(evidence, File) and not hasattr(evidence, "content_type"):
                evidence.close()
        if pending is not None and not data.get("evidence_file"):
            private_storage.delete(pending["name"])
        messages.success(
            self.request,
            _("Your report on %(task)s was submitted; it counts in the verified figures once accepted.")
            % {"task": self.assignment.task.code},
        )
        return HttpResponseRedirect(reverse("projects:report_history", args=[report.pk]))

    def form_invalid(self, form):
        return self._rerender(form, status=200)

    def _rerender(self, form, *, status, version=None):
        """Show the form again with everything typed, and the chosen evidence file kept on the server.

        After a conflict the form carries the version that includes the newer report, so submitting
        again on purpose goes through.
        """
        data = form.data.copy()
        token = self._keep_evidence(form)
        data["pending_evidence"] = token
        # A file chosen now and refused: the next attempt without a file is asked about it once.
        data["evidence_refused"] = "on" if "evidence_file" in form.files and "evidence_file" in form.errors else ""
        if version is not None:
            data["version"] = str(version)
        rebound = self.form_class(data=data)
        rebound.is_valid()
        for field, errors in form.errors.items():
            for error in errors:
                if error not in rebound.errors.get(field, []):
                    rebound.add_error(field if field in rebound.fields else None, error)
        # Not ``pending_evidence``: in a template form.<name> is the form's field of that name.
        rebound.kept_evidence = self._pending(token)
        rebound.lost_file = bool(form.files) and rebound.kept_evidence is None
        return self.render_to_response(self.get_context_data(form=rebound), status=status)

    def _keep_evidence(self, form) -> str:
        """Store a valid chosen file until the form is submitted again; return a signed token naming it."""
        cleaned = getattr(form, "cleaned_data", {})
        upload = cleaned.get("evidence_file")
        if upload and "evidence_file" not in form.errors:
            replaced = self._pending(form.data.get("pending_evidence", ""))
            if replaced is not None:
                private_storage.delete(replaced["name"])
            upload.seek(0)
            name = private_storage.save(
                f"pending/{uuid.uuid4().hex}{os.path.splitext(upload.name)[1]}", upload
            )
            return signing.dumps({"name": name, "user": self.request.user.pk}, salt=PENDING_EVIDENCE_SALT)
        return (
            form.data.get("pending_evidence", "")
            if self._pending(form.data.get("pending_evidence", ""))
            else ""
        )

    def _pending(self, token: str) -> dict | None:
        if not token:
            return None
        try:
            pending = signing.loads(token, salt=PENDING_EVIDENCE_SALT, max_age=PENDING_EVIDENCE_MAX_AGE)
        except signing.BadSignature:
            return None
        if pending.get("user") != self.request.user.pk or not str(pending.get("name", "")).startswith(
            "pending/"
        ):
            return None
        return pending if private_storage.exists(pending["name"]) else None


class GoalAssessmentView(FormView):
    """/goals/<id>/assess/: the programme's lead unit says whether a goal is achieved; reviewed like a report."""

    template_name = "projects/goal_assessment_form.html"
    form_class = GoalAssessmentForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return forbidden(request)
        self.goal = object_or_404(
            request.user,
            "projects.assess_goal",
            Goal.objects.select_related("programme__lead_unit"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"effective_date": timezone.localdate()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["goal"] = self.goal
        context["recent_reports"] = self.goal.reports.select_related("submitted_by").order_by(
            "-submitted_at", "-pk"
        )[:5]
        context["lost_file"] = bool(self.request.FILES) and self.request.method == "POST"
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = services.report_submit(
                user=self.request.user,
                goal=self.goal,
                status=data["status"],
                percent=data["percent"],
                completed_on=data["completed_on"],
                effective_date=data["effective_date"],
                note=data["note"],
                evidence_file=data.get("evidence_file") or None,
                evidence_url=data["evidence_url"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your assessment of %(goal)s was submitted; it counts once the programme office accepts it.")
            % {"goal": self.goal.code},
        )
        return HttpResponseRedirect(reverse("projects:report_history", args=[report.pk]))


class ReportBulkView(RuleRequiredMixin, TemplateView):
    """/reports/bulk/: a grid to update many open assignments in one submission, all or none."""

    permission_required = "projects.use_reports"
    template_name = "projects/report_bulk.html"
    max_rows = 200

    def open_assignments(self):
        queryset = selectors.reporter_assignments(self.request.user).exclude(
            reported_status__in=[AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE]
        )
        programme = self.request.GET.get("programme", "")
        if programme:
            queryset = queryset.filter(task__programme__code=programme)
        return list(queryset[: self.max_rows])

    def get(self, request, *args, **kwargs):
        assignments = self.open_assignments()
        formset = BulkReportFormSet(
            initial=[
                {"assignment": a.pk, "version": a.version, "effective_date": timezone.localdate()}
                for a in assignments
            ]
        )
        return self.render_grid(formset, {a.pk: a for a in assignments})

    def post(self, request, *args, **kwargs):
        formset = BulkReportFormSet(data=request.POST, files=request.FILES)
        ids = []
        for index in range(min(formset.total_form_count(), 500)):
            raw = request.POST.get(f"form-{index}-assignment", "")
            if raw.isdigit():
                ids.append(int(raw))
        scoped = {a.pk: a for a in selectors.reporter_assignments(request.user).filter(pk__in=ids)}
        if len(scoped) != len(set(ids)):
            raise Http404
        if not formset.is_valid():
            return self.render_grid(formset, scoped, status=400)
        rows = [form for form in formset if form.cleaned_data.get("status")]
        if not rows:
            messages.info(request, _("No row had a status: nothing was submitted."))
            return self.render_grid(formset, scoped)
        conflicts = {}
        try:
            # One notification for the whole grid, as for a bulk review: one rollup refresh, not one per row.
            with transaction.atomic(), services.notifications_coalesced():
                for form in rows:
                    data = form.cleaned_data
                    try:
                        services.report_submit(
                            user=request.user,
                            assignment=scoped[data["assignment"]],
                            status=data["status"],
                            percent=data["percent"],
                            completed_on=data["completed_on"],
                            effective_date=data["effective_date"],
                            note=data["note"],
                            evidence_file=data.get("evidence_file") or None,
                            evidence_url=data["evidence_url"],
                            expected_version=data["version"],
                        )
                    except services.ReportConflict as conflict:
                        conflicts[data["assignment"]] = conflict
                if conflicts:
                    raise _Rollback
        except _Rollback:
            data = request.POST.copy()
            for index, form in enumerate(formset):
                conflict = conflicts.get(form.cleaned_data.get("assignment"))
                if conflict is not None:
                    data[f"form-{index}-version"] = str(conflict.assignment.version)
            rebound = BulkReportFormSet(data=data, files=request.FILES)
            rebound.is_valid()
            return self.render_grid(rebound, scoped, conflicts=conflicts, status=409)
        messages.success(
            request,
            _("%(count)s reports were submitted; they count in the verified figures once accepted.")
            % {"count": len(rows)},
        )
        return redirect("projects:report_list")

    def render_grid(self, formset, assignments, *, conflicts=None, status=200):
        conflicts = conflicts or {}
        rows = []
        for form in formset:
            raw = form["assignment"].value()
            assignment = assignments.get(int(raw)) if str(raw).isdigit() else None
            rows.append(
                {
                    "form": form,
                    "assignment": assignment,
                    "conflict": conflicts.get(assignment.pk) if assignment else None,
                    # A file chosen in a submission that was refused is not kept: say so on its row.
                    "lost_file": bool(form.files.get(form.add_prefix("evidence_file"))),
                }
            )
        context = self.get_context_data(formset=formset, rows=rows, conflicts=conflicts)
        context["max_rows"] = self.max_rows
        context["evidence_limit"] = settings.TIENDO_EVIDENCE_MAX_BYTES
        return self.render_to_response(context, status=status)


class _Rollback(Exception):
    """Undo every report of a bulk submission when one of them meets a conflict."""


# Evidence and audit --------------------------------------------------------------------------------------

INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def report_evidence(request, pk):
    """Stream a report's evidence file to a signed-in user who may see its assignment."""
    if not request.user.is_authenticated:
        return forbidden(request)
    report = report_or_404(request.user, "projects.view_assignment_record", pk)
    if not report.evidence_file:
        raise Http404
    try:
        handle = report.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = os.path.splitext(report.evidence_file.name)[1].lower()
    content_type = mimetypes.types_map.get(extension, "application/octet-stream")
    filename = f"evidence-{report.pk}{extension}"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=filename,
    )
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def history_rows(records) -> list[dict]:
    """Return simple-history records, newest first, each with the fields it changed."""
    records = list(records)
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append({"field": field.verbose_name, "old": change.old, "new": change.new})
        rows.append({"record": record, "changes": changes})
    return rows


class TaskHistoryView(RuleRequiredMixin, DetailView):
    permission_required = "projects.view_task_history"
    template_name = "projects/task_history.html"
    queryset = Task.objects.select_related("programme", "lead_unit")
    context_object_name = "task"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_rows(self.object.history.select_related("history_user"))
        return context


class AssignmentHistoryView(DetailView):
    template_name = "projects/assignment_history.html"
    context_object_name = "assignment"

    def get_object(self, queryset=None):
        if not self.request.user.is_authenticated:
            raise PermissionDenied
        return object_or_404(
            self.request.user,
            "projects.view_assignment_record",
            Assignment.objects.select_related("task__programme", "unit"),
            pk=self.kwargs["pk"],
        )

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_rows(self.object.history.select_related("history_user"))
        context["reports"] = selectors.assignment_reports(self.object)
        context["may_report"] = self.request.user.has_perm("projects.report_on_assignment", self.object)
        return context


class ReportHistoryView(DetailView):
    template_name = "projects/report_history.html"
    context_object_name = "report"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return object_or_404(
            self.request.user,
            "projects.view_assignment_record",
            Report.objects.select_related(
                "programme",
                "assignment__task",
                "assignment__unit",
                "goal__programme__lead_unit",
                "submitted_by",
                "reviewed_by",
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trail"] = list(self.object.history.select_related("history_user").order_by("history_date"))
        if self.object.assignment_id:
            context["siblings"] = selectors.assignment_reports(self.object.assignment)[:20]
        if self.object.review_state != ReviewState.WITHDRAWN and self.request.user.has_perm(
            "projects.withdraw_report", self.object
        ):
            context.setdefault("withdraw_form", WithdrawForm())
        return context


class ReportWithdrawView(View):
    """POST /reports/<pk>/withdraw/: withdraw a report with a reason; it stays on record."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if not request.user.is_authenticated:
            return forbidden(request)
        report = report_or_404(request.user, "projects.withdraw_report", pk)
        form = WithdrawForm(data=request.POST)
        if not form.is_valid():
            view = ReportHistoryView(request=request, kwargs={"pk": pk}, args=())
            view.object = view.get_object()
            context = view.get_context_data(object=view.object, withdraw_form=form)
            return TemplateResponse(request, view.template_name, context, status=400)
        if report.review_state == ReviewState.WITHDRAWN:
            messages.info(request, _("This report was already withdrawn."))
        else:
            services.report_withdraw(report=report, user=request.user, note=form.cleaned_data["review_note"])
            messages.success(
                request, _("Report withdrawn: it stays on record and no longer counts in any figure.")
            )
        return redirect("projects:report_history", pk=report.pk)


# Imports -------------------------------------------------------------------------------------------------


class ImportView(RuleRequiredMixin, FormView):
    """/imports/: upload a CSV or XLSX of reports or observations; it is checked, then imported in the background."""

    permission_required = "projects.use_imports"
    template_name = "projects/import_form.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.filter(created_by=self.request.user)[:10]
        context["may_accept"] = self.may_accept()
        return context

    def may_accept(self) -> bool:
        user = self.request.user
        return user.is_superuser or any(role == "reviewer" for role, _p, _g in memberships(user))

    def form_valid(self, form):
        data = form.cleaned_data
        if data["accept"] and not self.may_accept():
            form.add_error("accept", _("Only reviewers may accept imported reports."))
            return self.form_invalid(form)
        if data["accept"] and data["kind"] != ImportJob.Kind.REPORTS:
            form.add_error(
                "accept", _("Only reports are accepted or returned; observations are not reviewed.")
            )
            return self.form_invalid(form)
        upload = data["file"]
        original_name = os.path.basename(upload.name)[:255]
        upload.name = f"{uuid.uuid4().hex}{os.path.splitext(original_name)[1].lower()}"
        job = ImportJob.objects.create(
            kind=data["kind"],
            file=upload,
            original_name=original_name,
            created_by=self.request.user,
            dry_run=data["dry_run"],
            accept=data["accept"],
            map_to_successors=data["map_to_successors"],
        )
        job_enqueue(job)
        return redirect("projects:importjob_detail", pk=job.pk)


def job_enqueue(job: ImportJob) -> None:
    from projects.tasks import import_job_enqueue

    transaction.on_commit(lambda: import_job_enqueue(job.pk))


def _own_job(request, pk) -> ImportJob:
    queryset = ImportJob.objects.all()
    if not request.user.is_superuser:
        queryset = queryset.filter(created_by=request.user)
    return get_object_or_404(queryset, pk=pk)


class ImportDetailView(RuleRequiredMixin, TemplateView):
    """/imports/<pk>/: progress while running; then what was (or would be) written, or every bad row."""

    permission_required = "projects.use_imports"
    template_name = "projects/import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = _own_job(self.request, kwargs["pk"])
        return context


class ImportRunView(RuleRequiredMixin, View):
    """POST /imports/<pk>/run/: import for real a file whose dry run found nothing wrong."""

    permission_required = "projects.use_imports"

    def post(self, request, pk):
        dry = _own_job(request, pk)
        if not (dry.dry_run and dry.state == ImportJob.State.DONE):
            raise Http404
        job = ImportJob.objects.create(
            kind=dry.kind,
            file=dry.file.name,
            original_name=dry.original_name,
            created_by=request.user,
            dry_run=False,
            accept=dry.accept,
            map_to_successors=dry.map_to_successors,
        )
        job_enqueue(job)
        return redirect("projects:importjob_detail", pk=job.pk)
