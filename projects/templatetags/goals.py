"""The goal_measure tag: the indicator that measures a goal, read through the function settings name."""

from django import template
from django.conf import settings
from django.utils.module_loading import import_string

register = template.Library()


@register.simple_tag
def goal_measure(goal):
    """Return what TIENDO_GOAL_MEASURE says of a goal (its indicator, value and target), or None."""
    path = getattr(settings, "TIENDO_GOAL_MEASURE", "")
    if goal is None or not path:
        return None
    return import_string(path)(goal)
