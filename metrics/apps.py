from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Indicators and figures")

    def ready(self):
        from metrics import generation, receivers  # noqa: F401  (receivers: the rollup refresh on projects' signals)

        generation.connect_master_data()

        from config import gc_freeze

        gc_freeze.connect()
