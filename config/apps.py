"""Third-party apps as the admin names them: django-axes's section reads "Sign-in lockouts", translated."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in lockouts")
