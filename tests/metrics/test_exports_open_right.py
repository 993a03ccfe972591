"""Exports open as they are in Excel and LibreOffice: UTF-8 with a BOM, no ratio that reads as a date,
XLSX sheets named after their table, dates stored as dates and counts as numbers."""

import csv
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.metrics.dashboard_helpers import CONFERENCE
from tests.projects.reporting_helpers import client_for

pytestmark = pytest.mark.django_db

TABLES = [
    "/en/programmes/",
    "/en/programmes/DA06/goals/",
    "/en/programmes/DA06/tasks/",
    "/en/programmes/DA06/assignments/",
    "/en/programmes/DA06/tasks/NV14/",
    "/en/units/?programme=CDS2022",
    "/en/units/VN/",
    "/en/indicators/",
    "/en/indicators/KET_NOI_CSDLDC/",
]
DATES = {"Deadline", "Target date", "Period", "Verified report of"}
NUMBERS = {"Rank", "Overdue", "Completion", "Percent", "Percent complete", "Value", "Of", "Assignments done"}
# What Excel or LibreOffice would turn into a date when opening a CSV: 3/7, 12/2022, 3-7.
DATE_LIKE = re.compile(r"^\s*\d{1,4}\s*[/-]\s*\d{1,4}(\s*[/-]\s*\d{1,4})?\s*$")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def url_for(path: str, export: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}as_of={CONFERENCE}&_export={export}"


@pytest.mark.parametrize("path", TABLES)
def test_csv_has_a_bom_and_no_cell_a_spreadsheet_would_read_as_a_date(client, path):
    content = body(client.get(url_for(path, "csv")))
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert data, path
    for row in data:
        for name, cell in zip(header, row, strict=True):
            if name in DATES:
                assert cell == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell), (path, name, cell)
            else:
                assert not DATE_LIKE.match(cell), (path, name, cell)


@pytest.mark.parametrize("path", TABLES)
def test_xlsx_names_its_sheet_and_stores_dates_as_dates_and_counts_as_numbers(client, path):
    workbook = load_workbook(io.BytesIO(body(client.get(url_for(path, "xlsx")))))
    sheet = workbook.active
    assert sheet.title != "Export Data"
    assert not sheet.title.startswith("Sheet")
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    checked = 0
    for row in data:
        for name, cell in zip(header, row, strict=True):
            if cell in (None, ""):
                continue
            if name in DATES:
                assert isinstance(cell, (date, datetime)), (path, name, cell)
                checked += 1
            elif name in NUMBERS:
                assert isinstance(cell, (int, float)), (path, name, cell)
                checked += 1
    assert checked, path


def test_the_reporter_s_export_opens_right_too():
    client = client_for("hagiang")
    content = body(client.get("/reports/?_export=csv"))
    assert content.startswith(b"\xef\xbb\xbf")
    workbook = load_workbook(io.BytesIO(body(client.get("/reports/?_export=xlsx"))))
    assert workbook.active.title != "Export Data"
