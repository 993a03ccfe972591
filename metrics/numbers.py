"""How shares read, everywhere: pages, tables, exports, chart captions and labels.

One rule: a share is rounded half-up to one decimal (386/559 = 69.05…% reads 69.1%), from the decimal
the number is written as, never truncated (Django's number_format cuts a float's extra digits off).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def round_percent(value, places: int = 1) -> Decimal | None:
    """Return a share rounded half-up to ``places`` decimals, or None for no share."""
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_text(value, places: int = 1) -> str:
    """Return a share as the page shows it, in the language's format: 69,1% in Vietnamese, 69.1% in English."""
    if value is None:
        return "—"
    return f"{number_format(round_percent(value, places), places)}%"


def percent_number(value, places: int = 1) -> float | None:
    """Return a share for an export cell: a number, rounded by the same rule as on the page."""
    rounded = round_percent(value, places)
    return None if rounded is None else float(rounded)
