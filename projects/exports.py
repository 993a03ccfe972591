"""Exports that open as they are in Excel and LibreOffice.

- CSV is UTF-8 with a byte-order mark: without it Excel on Windows reads Vietnamese as Windows-1252.
- A ratio such as 3/7 would be read as the 3rd of July when a CSV is opened: it is written "3 of 7".
- XLSX sheets are named after their table, dates are stored as dates and counts as numbers (the tables'
  value_* methods and columns return them so; tablib hands them to openpyxl as they are).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django_tables2.export import TableExport

# Characters Excel does not allow in a sheet name, and its length limit.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31
RATIO = re.compile(r"^\s*(\d[\d.,]*)\s*/\s*(\d[\d.,]*)\s*$")
BOM = "\ufeff"


def sheet_title(text: str) -> str:
    """Return a valid sheet name: no [ ] : * ? / \\, at most 31 characters."""
    cleaned = SHEET_FORBIDDEN.sub(" ", str(text)).strip() or _("Table")
    return cleaned[:SHEET_MAX].strip()


def spreadsheet_text(value):
    """Return a CSV cell a spreadsheet keeps as written: a ratio is spelled out, never read as a date."""
    if isinstance(value, str) and (match := RATIO.match(value)):
        return _("%(done)s of %(total)s") % {"done": match.group(1), "total": match.group(2)}
    return value


class SpreadsheetExport(TableExport):
    """django-tables2's export, made to open correctly in Excel and LibreOffice (see the module)."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        kwargs = {"title": sheet_title(getattr(table, "export_title", "") or _("Table"))}
        kwargs.update(dataset_kwargs or {})
        if kwargs.get("title"):
            kwargs["title"] = sheet_title(kwargs["title"])
        dataset = super().table_to_dataset(table, exclude_columns, kwargs)
        if self.format == self.CSV:
            for index, row in enumerate(dataset):
                dataset[index] = tuple(spreadsheet_text(value) for value in row)
        return dataset

    def export(self):
        data = super().export()
        if self.format == self.CSV:
            return BOM + data
        return data
