"""English pages name data written in Vietnamese (groups, units of measure, programmes) in English."""

import re

import pytest
from django.utils.html import strip_tags

from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


UNITS_OF_MEASURE = (" thẻ", " hồ sơ", "giao dịch/ngày", " giao dịch")
GROUPS = ("Nhóm 1", "Nhóm 4", "Bộ, ngành Trung ương")
PROGRAMMES = ("Nhiệm vụ CĐS 2022",)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/en/", UNITS_OF_MEASURE + GROUPS),
        ("/en/indicators/", UNITS_OF_MEASURE),
        ("/en/programmes/DA06/", GROUPS),
        # Task titles are data written in Vietnamese (and may say "thẻ"); their groups are named in English.
        ("/en/programmes/DA06/tasks/", GROUPS),
        ("/en/programmes/CDS2022/", GROUPS + PROGRAMMES),
        ("/en/units/01/?programme=CDS2022", PROGRAMMES),
        ("/en/programmes/", PROGRAMMES),
    ],
)
def test_english_pages_keep_no_vietnamese_data_words(client, url, words):
    text = text_of(client.get(f"{url}{'&' if '?' in url else '?'}as_of={CONFERENCE}"))
    for word in words:
        assert word not in text, (url, word)


def test_english_pages_name_groups_and_units_of_measure(client):
    text = text_of(client.get(f"/en/?as_of={CONFERENCE}"))
    assert "transactions/day" in text and "cards" in text
    text = text_of(client.get(f"/en/programmes/DA06/?as_of={CONFERENCE}"))
    assert "Group 1" in text
    text = text_of(client.get(f"/en/units/01/?programme=CDS2022&as_of={CONFERENCE}"))
    assert "Standing in 2022 DX tasks" in text


def test_vietnamese_pages_keep_the_data_as_written(client):
    text = text_of(client.get(f"/programmes/DA06/?as_of={CONFERENCE}"))
    assert "Nhóm 1" in text
    assert "giao dịch/ngày" in text_of(client.get(f"/?as_of={CONFERENCE}"))
