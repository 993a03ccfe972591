"""A table's body is rendered cell by cell exactly as django-tables2 renders it, with each column's work done once."""

import itertools

import pytest
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from metrics.tables import _varies
from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db

TABLE_PAGES = [
    "/programmes/",
    "/programmes/DA06/goals/",
    "/programmes/DA06/tasks/",
    "/programmes/DA06/tasks/NV01/",
    "/programmes/DA06/assignments/",
    "/programmes/DA06/assignments/?status=overdue&kind=province&sort=-deadline",
    "/units/",
    "/units/?programme=CDS2022&kind=province&sort=name",
    "/indicators/",
    "/indicators/KET_NOI_CSDLDC/?kind=central",
]


def stock_body_rows(table):
    """The rows as django-tables2's BoundRow.get_cell renders each cell (the body before it was sped up)."""
    columns = [
        (column, None if _varies(column) else column.attrs["td"].as_html()) for column in table.columns
    ]
    for row in table.paginated_rows:
        cells = []
        for column, attrs in columns:
            value = row.get_cell(column.name)
            if attrs is None:
                column.current_value, column.current_record = value, row.record
            cells.append(
                format_html(
                    "<td {}>{}</td>",
                    attrs if attrs is not None else column.attrs["td"].as_html(),
                    localize(template_localtime(value), use_l10n=column.localize),
                )
            )
        yield format_html("<tr {}>{}</tr>", row.attrs.as_html(), mark_safe("".join(cells)))  # noqa: S308


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("url", TABLE_PAGES)
def test_each_cell_is_what_django_tables2_renders(client, prefix, url):
    separator = "&" if "?" in url else "?"
    response = client.get(f"{prefix}{url}{separator}as_of={CONFERENCE}")
    assert response.status_code == 200
    table = response.context["table"]
    # Rows count odd and even from the table's counter, as a render starts it.
    table._counter = itertools.count()
    fast = list(table.body_rows())
    assert fast, url
    table._counter = itertools.count()
    assert fast == list(stock_body_rows(table))
    html = response.content.decode()
    assert all(row in html for row in fast)
