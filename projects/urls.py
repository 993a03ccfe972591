from django.urls import path

from projects import review_views, views

app_name = "projects"

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("reports/bulk/", views.ReportBulkView.as_view(), name="report_bulk"),
    path("reports/<int:pk>/history/", views.ReportHistoryView.as_view(), name="report_history"),
    path("reports/<int:pk>/evidence/", views.report_evidence, name="report_evidence"),
    path("reports/<int:pk>/withdraw/", views.ReportWithdrawView.as_view(), name="report_withdraw"),
    path("goals/<int:pk>/assess/", views.GoalAssessmentView.as_view(), name="goal_assess"),
    path("reviews/", review_views.ReviewQueueView.as_view(), name="report_queue"),
    path("reviews/<int:pk>/", review_views.ReportReviewView.as_view(), name="report_review"),
    path("reviews/bulk/", review_views.ReviewBulkView.as_view(), name="report_review_bulk"),
    path("reviews/reversals/", review_views.ReversalListView.as_view(), name="reversal_list"),
    path("assignments/<int:pk>/history/", views.AssignmentHistoryView.as_view(), name="assignment_history"),
    path("tasks/<int:pk>/history/", views.TaskHistoryView.as_view(), name="task_history"),
    path("imports/", views.ImportView.as_view(), name="importjob_create"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="importjob_detail"),
    path("imports/<int:pk>/run/", views.ImportRunView.as_view(), name="importjob_run"),
]
