"""How values are shown: data written in Vietnamese in the page's language, and counts with grouped thousands.

The words come from the catalogues under the context "data": an English page reads "Group 1: …" and
"cards" where the data says "Nhóm 1: …" and "thẻ". A value with no entry is shown as it is written.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, pgettext


def grouped(number) -> str:
    """A count in the active language's format, thousands grouped (1.326 in Vietnamese, 1,326 in English)."""
    return number_format(number, force_grouping=True)


def localized(value):
    """Return a data value in the page's language when the catalogues know it, else as it is."""
    if not value or not isinstance(value, str):
        return value
    return pgettext("data", value)


def short_date(value) -> str:
    """A date in the active language's short format (20/11/2022), remembered per date and language: a
    table of fifty assignments formats the same few deadlines over and over."""
    return _short_date(value, get_language())


@lru_cache(maxsize=4096)
def _short_date(value, language: str | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def url_to(viewname: str, *args) -> str:
    """reverse() remembered per view, arguments, language and script prefix: a table links every row to
    its unit, and resolving the same pattern fifty times was a tenth of a page's render."""
    return _url_to(viewname, args, get_language(), get_script_prefix())


@lru_cache(maxsize=20_000)
def _url_to(viewname: str, args: tuple, language: str | None, prefix: str) -> str:
    return reverse(viewname, args=args)
