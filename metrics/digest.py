"""The weekly digest: for each user who opted in, one email in their language with the briefs they follow
attached as PDF and their headline figures in the body, changes counted since a week before.

Sent at most once per ISO week per user: the week is claimed on the subscription (a conditional update)
before the email goes, so two beat runs, or two workers, never send it twice; a failed send gives the
claim back so that the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics.brief import pdf
from metrics.brief.views import brief_page
from metrics.subscriptions import DigestSubscription, Follow

log = logging.getLogger(__name__)


def week_of(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def absolute_url(base: str):
    """A url(viewname, *args, **params) builder of absolute links, for an email."""

    def url(viewname, *args, **params):
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return base.rstrip("/") + reverse(viewname, args=args) + (f"?{urlencode(query)}" if query else "")

    return url


def brief_of(follow: Follow, *, as_of: date, url) -> dict:
    """The brief's context for what a follow names, compared with a week before."""
    from metrics.readers import nation

    unit = follow.unit or nation()
    national = follow.programme_id is None and unit.parent_id is None
    return brief_page(
        programme=follow.programme,
        unit=unit,
        national=national,
        as_of=as_of,
        before=as_of - timedelta(days=7),
        url=url,
        compare="date",
        language=translation.get_language(),
    )


def digest_message(subscription: DigestSubscription, *, as_of: date, base_url: str) -> EmailMessage | None:
    """Build one user's digest (None when they follow nothing or have no address)."""
    user = subscription.user
    follows = list(user.follows.select_related("programme", "unit").order_by("pk"))
    if not follows or not user.email:
        return None
    with translation.override(subscription.language):
        url = absolute_url(base_url)
        briefs = [brief_of(follow, as_of=as_of, url=url) for follow in follows]
        subject = _("Tiến độ: the weekly brief, %(day)s") % {"day": as_of.strftime("%d/%m/%Y")}
        body = render_to_string(
            "metrics/email/digest.txt",
            {"user": user, "as_of": as_of, "briefs": briefs, "settings_url": url("metrics:digest_settings")},
        )
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        for context in briefs:
            name = f"brief-{'VN' if context['national'] else context['programme'].code}"
            if context["unit"].parent_id:
                name += f"-{context['unit'].code}"
            message.attach(f"{name}-{as_of.isoformat()}.pdf", pdf.render_pdf(context), "application/pdf")
    return message


def digests_send(*, as_of: date | None = None, base_url: str = "") -> int:
    """Send this week's digest to every subscribed user who has not had it yet; return how many were sent."""
    as_of = as_of or timezone.localdate()
    week = week_of(as_of)
    base_url = base_url or settings.TIENDO_BASE_URL
    sent = 0
    due = (
        DigestSubscription.objects.filter(weekly=True, user__is_active=True, user__follows__isnull=False)
        .exclude(last_sent_week=week)
        .exclude(user__email="")
        .distinct()
    )
    for subscription in due.select_related("user"):
        previous = subscription.last_sent_week
        claimed = (
            DigestSubscription.objects.filter(pk=subscription.pk, weekly=True)
            .filter(~Q(last_sent_week=week))
            .update(last_sent_week=week)
        )
        if not claimed:
            continue  # another run took it
        try:
            message = digest_message(subscription, as_of=as_of, base_url=base_url)
            if message is None:
                continue
            message.send(fail_silently=False)
            sent += 1
        except Exception:
            DigestSubscription.objects.filter(pk=subscription.pk, last_sent_week=week).update(
                last_sent_week=previous
            )
            log.exception("weekly digest to user %s failed", subscription.user_id)
            raise
    return sent
