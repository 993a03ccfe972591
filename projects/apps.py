from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Programmes and reports")

    def ready(self):
        from projects import unit_search  # noqa: F401 - connects the search keys' refresh on save
