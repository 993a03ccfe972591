"""XLSX files that lie or explode: every row read whatever the dimension says, bombs refused early."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.utils import translation

from projects import imports
from projects.imports import FileRefused, read_rows

HEADER = ["programme", "task", "unit", "status", "percent", "effective_date"]


def _workbook(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_member(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                content = change(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_a_workbook_whose_dimension_lies_is_read_in_full():
    rows = [HEADER] + [["DA06", "NV14", f"Tỉnh {i}", "in_progress", "40", "2024-03-01"] for i in range(5)]
    data = _rewrite_member(
        _workbook(rows),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:F2"/>', xml),
    )
    assert b'<dimension ref="A1:F2"/>' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    header, read = read_rows(data, "lies.xlsx")
    assert header == HEADER
    assert [number for number, _row in read] == [2, 3, 4, 5, 6]
    assert read[-1][1]["unit"] == "Tỉnh 4"


def _million_rows() -> bytes:
    """A workbook of a header and a million rows, a megabyte or so on disk (as the bomb of issue 10).

    Its sheet is written in chunks through the zip writer, so neither the test nor the file is large.
    """
    data = _workbook([HEADER])
    cells = b"".join(b'<c t="inlineStr"><is><t>' + v.encode() + b"</t></is></c>" for v in HEADER)
    row = b"<row>" + cells + b"</row>"
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, content)
                continue
            head, tail = content.split(b"</sheetData>")
            head = re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:F2"/>', head)
            with target.open(info.filename, "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(100):
                    member.write(row * 10_000)
                member.write(b"</sheetData>" + tail)
    return out.getvalue()


@pytest.fixture(scope="module")
def million_rows() -> bytes:
    return _million_rows()


def test_a_million_row_workbook_is_refused_before_it_is_parsed(million_rows):
    assert len(million_rows) < 3_000_000  # small on disk
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(million_rows)).infolist())
    assert unpacked > imports.MAX_UNPACKED_BYTES
    with pytest.raises(FileRefused) as refused, translation.override("en"):
        read_rows(million_rows, "bomb.xlsx")
    assert "The workbook unpacks to 264 MB; at most 160 MB are accepted" in str(refused.value)


def test_rows_past_the_cap_stop_the_reading(million_rows, monkeypatch):
    # Under the unpacked-size cap, the row cap stops the reading at its first row too many.
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 10**9)
    monkeypatch.setattr(imports, "MAX_ROWS", 1_000)
    read = []
    original = imports._xlsx_lines

    def counting(sheet):
        for line in original(sheet):
            read.append(1)
            yield line

    monkeypatch.setattr(imports, "_xlsx_lines", counting)
    with pytest.raises(FileRefused) as refused, translation.override("en"):
        read_rows(million_rows, "bomb.xlsx")
    assert "The file has more than 1,000 rows" in str(refused.value)
    assert len(read) <= 1_000 + 2  # the header and the first row too many
