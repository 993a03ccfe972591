from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.NationalSummaryView.as_view(), name="summary"),
]
