"""Finding a unit as officials type it: without diacritics, by official short forms and codes, in any
programme and on either map; an old name leads to the unit that carries its work on today."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from projects.models import Programme, Unit
from projects.names import fold, query_prefixes, search_keys
from projects.unit_search import search_units, unit_search_keys_refresh
from tests.metrics.map_helpers import apply_2025_map

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 3)

FORMS = [
    ("ha giang", "02"),
    ("Hà Giang", "02"),
    ("tinh ha giang", "02"),
    ("Ho Chi Minh", "79"),
    ("HCM", "79"),
    ("TP HCM", "79"),
    ("TP.HCM", "79"),
    ("TPHCM", "79"),
    ("thành phố hồ chí minh", "79"),
    ("Sài Gòn", "79"),
    ("saigon", "79"),
    ("Hue", "46"),
    ("Thừa Thiên - Huế", "46"),
    ("Dak Lak", "66"),
    ("daklak", "66"),
    ("ĐẮK LẮK", "66"),
    ("bo cong an", "BCA"),
    ("Bộ Công an", "BCA"),
    ("BCA", "BCA"),
    ("bca", "BCA"),
    ("ministry of public security", "BCA"),
    ("Bộ TT&TT", "BTTTT"),
    ("01", "01"),
]


def test_folding_drops_case_diacritics_and_punctuation():
    assert fold("Thừa Thiên - Huế") == "thua thien hue"
    assert fold("ĐẮK LẮK") == "dak lak"
    assert query_prefixes("TP. Hồ Chí Minh") == ["tphochiminh", "hochiminh"]
    assert {"hochiminh", "chiminh", "hcm", "tphcm", "saigon", "79"} <= search_keys("79", ["Hồ Chí Minh"])


@pytest.mark.parametrize(("query", "code"), FORMS)
def test_each_form_officials_type_finds_the_unit_first(query, code):
    found = search_units(query, on=TODAY)
    assert found, query
    assert found[0].code == code, (query, [(u.code, u.name) for u in found[:5]])


# The forms issue 9 lists, as officials type them.
SHORT_FORMS = [
    ("ha giang", "02"),
    ("Ho Chi Minh", "79"),
    ("HCM", "79"),
    ("Hue", "46"),
    ("Dak Lak", "66"),
    ("bo cong an", "BCA"),
]


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize(("query", "code"), SHORT_FORMS)
def test_the_units_page_finds_each_form_in_every_programme_signed_out(client, query, code, language):
    programmes = [None, *Programme.objects.order_by("code").values_list("code", flat=True)]
    assert len(programmes) >= 3
    for programme in programmes:
        params = {"q": query} | ({"programme": programme} if programme else {})
        response = client.get(f"{language}/units/", params)
        assert response.status_code == 200, (query, programme)
        assert f'href="{language}/units/{code}/' in response.content.decode(), (query, programme, language)


def test_a_search_is_a_few_indexed_queries(client):
    search_units("warm up", on=TODAY)  # the demo's units get their keys on the first search
    with CaptureQueriesContext(connection) as queries:
        found = search_units("giang", on=TODAY)
    assert {u.code for u in found} >= {"02", "89", "91", "93", "82", "24"}
    assert len(queries) <= 3


def test_an_old_name_leads_to_today_s_unit(client):
    apply_2025_map()
    html = client.get("/en/units/", {"q": "ha giang"}).content.decode()
    text = re.sub(r"\s+", " ", strip_tags(html))
    # "now part of" is read out by screen readers; the arrow is what the eye sees.
    assert "Hà Giang → now part of Tuyên Quang, from 01/07/2025" in text
    vietnamese = re.sub(r"\s+", " ", strip_tags(client.get("/units/", {"q": "ha giang"}).content.decode()))
    assert "Hà Giang → nay thuộc Tuyên Quang, từ ngày 01/07/2025" in vietnamese
    assert 'href="/en/units/08/"' in html  # Tuyên Quang today
    assert 'href="/en/units/02/?as_of=2025-06-30"' in html  # Hà Giang, on its last day
    # On a day before the change, Hà Giang is a province of the day: no arrow.
    then = re.sub(
        r"\s+",
        " ",
        strip_tags(client.get("/en/units/", {"q": "ha giang", "as_of": "2022-12-25"}).content.decode()),
    )
    assert "Hà Giang →" not in then


def test_the_table_keeps_the_units_found(client):
    html = client.get("/units/", {"q": "dak lak", "kind": "province", "programme": "DA06"}).content.decode()
    assert re.search(r'data-row-count="1"', html)


def test_a_renamed_unit_is_found_by_its_new_name_at_once():
    unit = Unit.objects.filter(code="46").order_by("valid_from").first()
    unit.name = "Phú Xuân"
    unit.save()
    assert search_units("phu xuan", on=TODAY)[0].pk == unit.pk
    assert {u.code for u in search_units("thua thien", on=TODAY)} == {"46"}  # the official former name


def test_refreshing_every_key_is_idempotent():
    first = unit_search_keys_refresh()
    assert unit_search_keys_refresh() == first
    assert search_units("ha giang", on=TODAY)[0].code == "02"


def test_nothing_typed_finds_nothing(client):
    assert search_units("  -  ", on=TODAY) == []
    assert client.get("/units/", {"q": "%%"}).status_code == 200
