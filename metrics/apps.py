from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Indicators and figures")

    def ready(self):
        from metrics import receivers  # noqa: F401  (connects the rollup refresh to projects' signals)
