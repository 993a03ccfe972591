"""Data written in Vietnamese (group names, units of measure, programmes' short names) shown in English.

The words come from the catalogues under the context "data": an English page reads "Group 1: …" and
"cards" where the data says "Nhóm 1: …" and "thẻ". A value with no entry is shown as it is written.
"""

from django.utils.translation import pgettext


def localized(value):
    """Return a data value in the page's language when the catalogues know it, else as it is."""
    if not value or not isinstance(value, str):
        return value
    return pgettext("data", value)
