from django.urls import include, path

from metrics import api
from metrics.brief import home as brief_home
from metrics.brief import views as brief_views
from metrics.views import indicators, programmes, summary, units

app_name = "metrics"

urlpatterns = [
    path("", summary.NationalSummaryView.as_view(), name="summary"),
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/<str:code>/", programmes.ProgrammeDetailView.as_view(), name="programme_detail"),
    path("programmes/<str:code>/goals/", programmes.GoalListView.as_view(), name="goal_list"),
    path("programmes/<str:code>/tasks/", programmes.TaskListView.as_view(), name="task_list"),
    path("programmes/<str:code>/tasks/<str:task_code>/", programmes.TaskDetailView.as_view(), name="task_detail"),
    path("programmes/<str:code>/assignments/", programmes.AssignmentListView.as_view(), name="assignment_list"),
    path("units/", units.UnitListView.as_view(), name="unit_list"),
    path("units/<str:unit_code>/", units.UnitDetailView.as_view(), name="unit_detail"),
    path("indicators/", indicators.IndicatorListView.as_view(), name="indicator_list"),
    path("indicators/<str:code>/", indicators.IndicatorDetailView.as_view(), name="indicator_detail"),
    # The one-page brief, as HTML and as an A4 PDF.
    path("home/", brief_home.HomeView.as_view(), name="home"),
    path("digest/", brief_home.DigestSettingsView.as_view(), name="digest_settings"),
    path("follow/", brief_home.FollowToggleView.as_view(), name="follow_toggle"),
    path("brief/", brief_views.BriefView.as_view(), name="brief_national"),
    path("brief.pdf", brief_views.BriefPdfView.as_view(), name="brief_pdf_national"),
    path("brief/<str:code>/", brief_views.BriefView.as_view(), name="brief"),
    path("brief/<str:code>.pdf", brief_views.BriefPdfView.as_view(), name="brief_pdf"),
    # The read-only JSON API, its OpenAPI description (api/openapi.json) and its page (api/docs).
    path("api/docs", api.docs_page, name="api_docs"),
    path("api/openapi.json", api.description, name="api_openapi"),
    path("api/", include(api.api.urls[0])),
]
