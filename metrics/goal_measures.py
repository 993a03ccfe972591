"""What measures a goal, for the pages of the reporting side (which never import metrics).

Named in settings (TIENDO_GOAL_MEASURE) and called by the ``goal_measure`` template tag of projects, so a
reviewer sees a goal's indicator and its value against the target beside an assessment of the goal.
"""

from __future__ import annotations

from django.utils import timezone

from metrics.models import Indicator


def goal_measure(goal) -> dict | None:
    """Return the indicator that measures a goal, its national value today against its target, or None."""
    from metrics import indicator_figures
    from metrics.selectors import target_reached
    from metrics.views.indicators import format_indicator_value, format_target, indicator_name

    indicator = Indicator.objects.filter(goal=goal).select_related("programme").order_by("pk").first()
    if indicator is None:
        return None
    day = timezone.localdate()
    value = indicator_figures.indicator_values([indicator], as_of=day)[indicator.pk]
    return {
        "code": indicator.code,
        "name": indicator_name(indicator),
        "value": format_indicator_value(indicator, value),
        "target": format_target(indicator, value),
        "target_date": indicator.target_date,
        "reached": target_reached(indicator, value),
        "day": day,
    }
