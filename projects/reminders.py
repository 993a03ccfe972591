"""The daily reminder to reporters: assignments due within a week, and those overdue."""

from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.selectors import reminder_assignments

DUE_WITHIN_DAYS = 7


def reminders_send(*, as_of: date | None = None, base_url: str = "") -> int:
    """Send one email per reporter with open assignments due soon or overdue; return how many were sent."""
    as_of = as_of or timezone.localdate()
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for user, buckets in reminder_assignments(as_of=as_of, within_days=DUE_WITHIN_DAYS).items():
            subject = _("Tiến độ: %(overdue)s overdue, %(due)s due within %(days)s days") % {
                "overdue": len(buckets["overdue"]),
                "due": len(buckets["due_soon"]),
                "days": DUE_WITHIN_DAYS,
            }
            body = render_to_string(
                "projects/email/reminder.txt",
                {
                    "user": user,
                    "as_of": as_of,
                    "days": DUE_WITHIN_DAYS,
                    "base_url": base_url or settings.TIENDO_BASE_URL,
                    **buckets,
                },
            )
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return len(messages)
