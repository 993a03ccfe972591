from django.urls import path  # noqa: F401 - the reporting issue adds its routes here

app_name = "projects"

urlpatterns: list = []
