"""How values are shown: data written in Vietnamese in the page's language, and counts with grouped thousands.

The words come from the catalogues under the context "data": an English page reads "Group 1: …" and
"cards" where the data says "Nhóm 1: …" and "thẻ". A value with no entry is shown as it is written.
"""

from django.utils.formats import number_format
from django.utils.translation import pgettext


def grouped(number) -> str:
    """A count in the active language's format, thousands grouped (1.326 in Vietnamese, 1,326 in English)."""
    return number_format(number, force_grouping=True)


def localized(value):
    """Return a data value in the page's language when the catalogues know it, else as it is."""
    if not value or not isinstance(value, str):
        return value
    return pgettext("data", value)
