"""The leader's home (the brief of what they follow) and the choice of the weekly digest."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from metrics.subscriptions import DigestSubscription, Follow


class HomeView(View):
    """Where sign-in leads: the brief of the first thing the user follows, else the national summary."""

    def get(self, request):
        if request.user.is_authenticated:
            follow = (
                Follow.objects.filter(user=request.user)
                .select_related("programme", "unit")
                .order_by("pk")
                .first()
            )
            if follow is not None:
                return redirect(follow.get_absolute_url())
        return redirect("metrics:summary")


class DigestForm(forms.Form):
    weekly = forms.BooleanField(label=gettext_lazy("Send me the weekly digest by email"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the digest"), choices=settings.LANGUAGES)


class DigestSettingsView(LoginRequiredMixin, FormView):
    """Opt in to (or out of) the weekly digest, in a language; it carries the briefs the user follows."""

    template_name = "metrics/digest_settings.html"
    form_class = DigestForm

    def subscription(self):
        return DigestSubscription.objects.filter(user=self.request.user).first()

    def get_initial(self):
        found = self.subscription()
        return {
            "weekly": found.weekly if found else False,
            "language": found.language if found else get_language(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["follows"] = list(
            Follow.objects.filter(user=self.request.user).select_related("programme", "unit").order_by("pk")
        )
        return context

    def form_valid(self, form):
        DigestSubscription.objects.update_or_create(
            user=self.request.user,
            defaults={"weekly": form.cleaned_data["weekly"], "language": form.cleaned_data["language"]},
        )
        messages.success(self.request, _("Your choice of the weekly digest is saved."))
        return redirect(reverse("metrics:digest_settings"))


class FollowToggleView(LoginRequiredMixin, View):
    """Follow (or stop following) the brief shown: the nation's, a programme's, or a unit's in one."""

    def post(self, request):
        from projects.models import Programme, Unit

        programme = Programme.objects.filter(code=request.POST.get("programme", "")).first()
        unit = Unit.objects.filter(pk=request.POST.get("unit") or None).first()
        if unit is not None and unit.parent_id is None:
            unit = None  # the nation: the programme's (or the national) brief itself
        found = Follow.objects.filter(user=request.user, programme=programme, unit=unit)
        if found.exists():
            found.delete()
            messages.success(request, _("You no longer follow this brief."))
        else:
            Follow.objects.create(user=request.user, programme=programme, unit=unit)
            messages.success(
                request, _("You follow this brief: it is your home, and your weekly digest carries it.")
            )
        follow = Follow(user=request.user, programme=programme, unit=unit)
        return redirect(follow.get_absolute_url())
