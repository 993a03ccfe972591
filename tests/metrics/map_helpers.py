"""The 2025 map on the demo's units, for page tests: the provinces absorbed on 01/07/2025 end the day
before and name their successor (Hà Giang → Tuyên Quang), as projects/data/provinces_2025_merge.csv says.

Where the demo already holds the 2025 map (a province of 2025 with predecessors), it is used as it is.
"""

import csv
from datetime import date
from pathlib import Path

from projects.choices import UnitKind
from projects.models import Unit

MERGE = Path(__file__).resolve().parents[2] / "projects" / "data" / "provinces_2025_merge.csv"
LAST_OLD_DAY = date(2025, 6, 30)
FIRST_NEW_DAY = date(2025, 7, 1)


def apply_2025_map() -> None:
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE)
    if provinces.filter(valid_to__isnull=False).exists():
        return
    with MERGE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            successor = provinces.get(code=row["new_code"])
            for code in row["old_codes"].split(";"):
                if code != row["new_code"]:
                    old = provinces.get(code=code)
                    old.valid_to = LAST_OLD_DAY
                    old.save(update_fields=["valid_to"])
                    old.successors.add(successor)
