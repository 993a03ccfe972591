"""The tile-grid maps of the provinces: one square per province, placed as on the map, row 0 the north.

The map of a day is the map valid that day: the 63 provinces until 30/06/2025, the 34 provinces of
Resolution 202/2025/QH15 from 01/07/2025. Each grid is a data file in projects/data (code, name, row,
column, and for the 34 an abbreviation chosen to stay the same as on the 63-province map where the
province continues: LC is Lào Cai on both, LCh Lai Châu).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "projects" / "data"
REORGANISATION = date(2025, 7, 1)  # Resolution 202/2025/QH15: 34 provinces from this day


@dataclass(frozen=True)
class Grid:
    key: str
    filename: str
    valid_from: date | None
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def cells(self) -> dict[str, Cell]:
        return _cells(self.filename)

    @property
    def count(self) -> int:
        return len(self.cells)

    @property
    def columns(self) -> int:
        return 1 + max(cell.col for cell in self.cells.values())

    @property
    def rows(self) -> int:
        return 1 + max(cell.row for cell in self.cells.values())


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    name: str
    abbr: str


GRIDS = (
    Grid("63", "provinces_63_tilegrid.csv", None, date(2025, 6, 30)),
    Grid("34", "provinces_34_tilegrid.csv", REORGANISATION, None),
)


def grid_on(day: date) -> Grid:
    """Return the grid of the provinces that existed on a day."""
    return next(grid for grid in GRIDS if grid.covers(day))


@cache
def _cells(filename: str) -> dict[str, Cell]:
    with (DATA / filename).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    given = {row["code"]: row.get("abbr") or "" for row in rows}
    computed = _distinct_abbreviations({row["code"]: row["name_vi"] for row in rows})
    return {
        row["code"]: Cell(
            int(row["row"]), int(row["col"]), row["name_vi"], given[row["code"]] or computed[row["code"]]
        )
        for row in rows
    }


def _distinct_abbreviations(names: dict[str, str]) -> dict[str, str]:
    """Return a distinct short label per province; a clash takes two letters of the last word (Hà Nam: HNa)."""
    seen: set[str] = set()
    result = {}
    for code, name in sorted(names.items()):
        abbr = abbreviation(name)
        if abbr in seen:
            abbr = abbr[:-1] + name.split()[-1][:2].capitalize()
        seen.add(abbr)
        result[code] = abbr
    return result


def abbreviation(name: str) -> str:
    """Initials of a province's name, as on road signs and maps: "Thừa Thiên Huế" → "TTH"."""
    words = [w for w in name.replace("-", " ").replace("–", " ").split() if w]
    return "".join(w[0] for w in words).upper()[:4]


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    row: int
    col: int
    value: float | None
    label: str
    bucket: int | None
    abbr: str


def tiles(values: dict[str, tuple[str, float | None, str]], *, on: date) -> list[Tile]:
    """Place the provinces of a day on its grid: values maps a code to (name, percent or None, label)."""
    placed = []
    for code, cell in grid_on(on).cells.items():
        name, value, label = values.get(code, ("", None, ""))
        bucket = None if value is None else min(4, int(value // 20))
        placed.append(Tile(code, name or cell.name, cell.row, cell.col, value, label, bucket, cell.abbr))
    return sorted(placed, key=lambda t: (t.row, t.col))
