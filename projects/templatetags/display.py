"""The ``localized`` filter: a data value (group, unit of measure, programme) in the page's language."""

from django import template

from projects.display import localized as localized_value

register = template.Library()


@register.filter
def localized(value):
    return localized_value(value)
