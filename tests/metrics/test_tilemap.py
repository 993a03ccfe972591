"""The tile-grid maps: the 63 provinces until 30/06/2025, the 34 from 01/07/2025, each placed as on the map."""

import csv
import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from metrics import tilemap

REFERENCE = Path(__file__).resolve().parents[2] / "projects" / "data" / "provinces_2025_merge.csv"


def merge_rows() -> list[dict]:
    with REFERENCE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_map_of_a_day_is_the_one_valid_that_day():
    assert tilemap.grid_on(date(2022, 12, 25)).count == 63
    assert tilemap.grid_on(date(2025, 6, 30)).count == 63
    assert tilemap.grid_on(date(2025, 7, 1)).count == 34
    assert tilemap.grid_on(date(2026, 12, 3)).count == 34


def test_the_34_province_grid_holds_the_provinces_of_the_resolution_once_each():
    cells = tilemap.grid_on(date(2025, 7, 1)).cells
    expected = {row["new_code"]: row["new_name"] for row in merge_rows()}
    assert {code: cell.name for code, cell in cells.items()} == expected
    assert len({(cell.row, cell.col) for cell in cells.values()}) == 34
    assert len({cell.abbr for cell in cells.values()}) == 34


def test_a_province_keeps_its_label_across_the_change():
    """Lào Cai is LC on both maps (under Yên Bái's code since 2025), Lai Châu LCh, Đồng Nai ĐNa."""
    old = {cell.name: cell.abbr for cell in tilemap.grid_on(date(2025, 6, 30)).cells.values()}
    new = {cell.name: cell.abbr for cell in tilemap.grid_on(date(2025, 7, 1)).cells.values()}
    assert {name: new[name] for name in new if name in old} == {
        name: old[name] for name in new if name in old
    }
    assert len(set(new) & set(old)) == 33  # every one but Huế (Thừa Thiên Huế before)


def test_the_34_province_grid_is_faithful_to_the_63_province_one():
    """Row 0 is the north: a province clearly north of another on the old map (its predecessors' mean row
    three or more rows above) is not south of it on the new one; likewise west and east."""
    old = tilemap.grid_on(date(2025, 6, 30)).cells
    new = tilemap.grid_on(date(2025, 7, 1)).cells
    centre = {}
    for row in merge_rows():
        parts = [old[code] for code in row["old_codes"].split(";")]
        centre[row["new_code"]] = (
            sum(p.row for p in parts) / len(parts),
            sum(p.col for p in parts) / len(parts),
        )
    for a, b in itertools.permutations(new, 2):
        if centre[b][0] - centre[a][0] >= 3:
            assert new[a].row < new[b].row, (a, b)
        if centre[b][1] - centre[a][1] >= 3:
            assert new[a].col <= new[b].col, (a, b)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("as_of", "count"), [("2022-12-25", 63), ("2025-06-30", 63), ("2025-07-01", 34), ("", 34)]
)
def test_the_summary_draws_the_map_of_its_day(client, as_of, count):
    html = client.get("/", {"as_of": as_of} if as_of else {}).content.decode()
    tiles = re.findall(r'<li class="tile r\d+ c\d+ [^"]+">\s*<a href="/units/(\d\d)/', html)
    assert len(tiles) == len(set(tiles)) == count
    assert f'class="tilemap tilemap-{count}"' in html
