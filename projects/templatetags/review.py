"""Template filters of review: how long a report has waited, in the page's language."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def waited(moment: datetime | None, now: datetime | None = None) -> str:
    """Return how long ago a moment was, in whole days (hours under a day): "12 days", "3 hours".

    Days rather than Django's "1 year, 2 months" (timesince, untranslated in Vietnamese): a reviewer
    compares waits, and days compare at a glance.
    """
    if moment is None:
        return ""
    seconds = max(0, ((now or timezone.now()) - moment).total_seconds())
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days:
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": number_format(days, force_grouping=True)}
    if hours:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    return _("less than an hour")
