"""Signing in and out: each user lands on the page of their role, and hears how many attempts remain."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import ngettext

from projects.rules import is_reporter_anywhere, is_reviewer_anywhere


def landing_url(user) -> str:
    """Return where a user goes after signing in.

    A reviewer goes to their queue, a reporter to their assignments; anyone else who follows a brief goes to
    the leader's home (which leads on to the brief they follow, see ``settings.LOGIN_REDIRECT_URL``), else to
    the national summary.
    """
    # projects never imports metrics: where follows live is named in settings, as the importers are.
    follows_anything = import_string(settings.TIENDO_FOLLOWS_ANYTHING)
    if not user.is_superuser:
        if is_reviewer_anywhere(user):
            return reverse("projects:report_queue")
        if is_reporter_anywhere(user):
            return reverse("projects:report_list")
    if follows_anything(user):
        return reverse(settings.LOGIN_REDIRECT_URL)
    return reverse("metrics:summary")


class SignInView(auth_views.LoginView):
    """Django's sign-in, landing by role (an explicit, safe ``next`` still wins) and warning before a lockout."""

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def form_invalid(self, form):
        # django-axes has counted this failure (on the user_login_failed signal) by the time the form is invalid.
        username = form.data.get("username", "")
        if username:
            failures = AxesProxyHandler.get_failures(self.request, {"username": username})
            remaining = max(settings.AXES_FAILURE_LIMIT - failures, 0)
            if remaining:
                form.add_error(
                    None,
                    ngettext(
                        "%(count)d more failed attempt and signing in to this account from your address "
                        "is paused for a while.",
                        "%(count)d more failed attempts and signing in to this account from your address "
                        "is paused for a while.",
                        remaining,
                    )
                    % {"count": remaining},
                )
        return super().form_invalid(form)
