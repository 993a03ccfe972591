"""Template filters that read shares by the site's one rounding rule (metrics.numbers)."""

from django import template

from metrics.numbers import percent_text, round_percent

register = template.Library()


@register.filter
def percent(value, places=1):
    """Render a share with its % sign: ``{{ row.percent|percent }}`` → 69,1%."""
    return percent_text(value, int(places))


@register.filter
def share(value, places=1):
    """Render a share without its sign, for a sentence that adds it: ``{{ row.percent|share }}`` → 69,1."""
    return "—" if value is None else percent_text(value, int(places))[:-1]


__all__ = ["percent", "round_percent", "share"]
