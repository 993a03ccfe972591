"""Pages on the map of the day: league tables rank the units valid that day, a unit's page says when it
ended and who carries its work on, and a code names the unit valid on the page's day."""

import re

import pytest
from django.utils.html import strip_tags

from tests.metrics.dashboard_helpers import CONFERENCE
from tests.metrics.map_helpers import apply_2025_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def map_2025():
    apply_2025_map()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


def row_count(response) -> int:
    return int(re.search(r'data-row-count="(\d+)"', response.content.decode()).group(1))


@pytest.mark.parametrize(
    ("as_of", "count"), [(CONFERENCE, 63), ("2025-06-30", 63), ("2025-07-01", 34), ("", 34)]
)
def test_the_provinces_listed_are_those_of_the_day(client, map_2025, as_of, count):
    response = client.get("/units/", {"kind": "province", **({"as_of": as_of} if as_of else {})})
    assert response.status_code == 200
    assert row_count(response) == count


def test_the_summary_league_ranks_the_provinces_of_the_day(client, map_2025):
    today = text_of(client.get("/en/", {"programme": "DA06"}))
    then = text_of(client.get("/en/", {"programme": "DA06", "as_of": CONFERENCE}))
    assert "All 34 units, ranked" in today
    assert "All 63 units, ranked" in then


def test_a_programme_that_ended_stays_on_the_map_of_its_last_day(client, map_2025):
    """The 2022 tasks (CDS2022, ended 31/12/2022) are ranked and drawn on the 63 provinces, today too."""
    html = client.get("/en/", {"programme": "CDS2022"}).content.decode()
    assert "All 63 units, ranked" in text_of(client.get("/en/", {"programme": "CDS2022"}))
    assert 'class="tilemap tilemap-63"' in html
    assert "The programme ended on" in text_of(client.get("/en/", {"programme": "CDS2022"}))


def test_an_ended_unit_says_when_it_ended_and_links_its_successor(client, map_2025):
    response = client.get("/en/units/02/")
    text = text_of(response)
    assert response.status_code == 200
    assert "This unit ended on 06/30/2025" in text or "This unit ended on 30/06/2025" in text
    html = response.content.decode()
    assert 'href="/en/units/08/"' in html  # Tuyên Quang today
    assert "It was not on the map of" in text
    assert 'href="/en/units/02/?as_of=2025-06-30"' in html  # its own figures, on its last day


def test_a_successor_lists_its_predecessors_each_on_its_last_day(client, map_2025):
    html = client.get("/en/units/08/").content.decode()
    assert "Formed" in text_of(client.get("/en/units/08/"))
    assert 'href="/en/units/02/?as_of=2025-06-30"' in html
    assert ">Hà Giang</a>" in html
    assert 'href="/en/units/08/?as_of=2025-06-30"' in html  # Tuyên Quang of before, same code


def test_one_code_names_a_different_territory_on_each_side_of_the_change(client, map_2025):
    """Tuyên Quang keeps 08: its page in 2022 is the old province (ended, successor linked), today the new."""
    then = text_of(client.get("/en/units/08/", {"as_of": CONFERENCE}))
    today = text_of(client.get("/en/units/08/"))
    assert "This unit ended on" in then and "Formed on" not in then
    assert "Formed on" in today and "This unit ended on" not in today


def test_an_ended_unit_on_a_day_it_existed_shows_its_figures_and_its_end(client, map_2025):
    text = text_of(client.get("/en/units/02/", {"as_of": CONFERENCE, "programme": "CDS2022"}))
    assert "Rank among peers" in text
    assert "ended on" in text
    assert "It was not on the map" not in text


def test_a_code_is_read_on_the_page_s_day(client, map_2025):
    """The assignments of a unit's subtree by code: Hà Giang's exist in 2022, and its code names it after."""
    then = client.get("/programmes/CDS2022/assignments/", {"unit": "02", "as_of": CONFERENCE})
    assert row_count(then) > 0
    assert client.get("/units/", {"parent": "02", "as_of": CONFERENCE}).status_code == 200


def test_an_unknown_unit_code_is_404(client):
    assert client.get("/units/ZZ/").status_code == 404


def test_a_task_map_has_one_tile_per_province_of_the_day(client, map_2025):
    """Tuyên Quang holds the assignments of Hà Giang and of the Tuyên Quang of before: one tile, both counted."""
    html = client.get("/en/programmes/DA06/tasks/NV60/").content.decode()
    tiles = re.findall(r'<li class="tile r\d+ c\d+ [^"]+">\s*<a href="/en/units/(\d\d)/', html)
    assert len(tiles) == len(set(tiles)) == 34
    assert re.search(r'title="Tuyên Quang: \d of 2 done', html)
    then = client.get("/en/programmes/DA06/tasks/NV60/", {"as_of": CONFERENCE}).content.decode()
    assert len(re.findall(r'<li class="tile r\d+ c\d+ [^"]+">', then)) == 63
    assert re.search(r'title="Hà Giang: \d of 1 done', then)


def test_the_units_page_says_which_programme_it_counts(client, map_2025):
    """Today the default is the programme still running or ended last (Đề án 06), and the form says so."""
    html = client.get("/en/units/", {"q": "ha giang"}).content.decode()
    assert re.search(r'<option value="DA06" selected>', html)
    assert "Assignments of Đề án 06 done" in text_of(client.get("/en/units/", {"q": "ha giang"}))


def test_a_province_s_page_lists_the_provinces_it_was_formed_from_first(client, map_2025):
    text = text_of(client.get("/en/units/08/"))
    formed = text[text.index("Formed on") :]
    assert formed.index("Hà Giang") < formed.index("Tuyên Quang")
    assert "Thành phố Hà Giang" not in formed[: formed.index("Tuyên Quang")]


def test_an_indicator_ranks_the_provinces_of_its_day(client, map_2025):
    html = client.get("/en/indicators/KET_NOI_CSDLDC/", {"as_of": CONFERENCE}).content.decode()
    assert 'class="tilemap tilemap-63"' in html
    today = client.get("/en/indicators/KET_NOI_CSDLDC/").content.decode()
    assert 'class="tilemap tilemap-63"' not in today
    assert ">Hà Giang<" not in today


def test_the_demo_lists_34_provinces_today_and_63_at_the_conference(client):
    """On the demo as loaded (its history runs across 01/07/2025 on the real map), with no fixture."""
    today = client.get("/units/", {"kind": "province"})
    then = client.get("/units/", {"kind": "province", "as_of": CONFERENCE})
    assert (row_count(today), row_count(then)) == (34, 63)
    html = client.get("/").content.decode()
    assert 'class="tilemap tilemap-34"' in html
    assert 'class="tilemap tilemap-63"' in client.get("/", {"as_of": CONFERENCE}).content.decode()
