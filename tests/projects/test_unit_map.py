"""The map of units of both eras: today's from the vietnam-provinces package, lineage from the reference."""

import csv
from datetime import date

import pytest
from django.core.management import call_command

from projects import selectors, unit_map
from projects.models import Unit

LAST_DAY = date(2025, 6, 30)
TODAY_MAP = date(2025, 7, 1)
CONFERENCE = date(2022, 12, 25)

pytestmark = pytest.mark.django_db


def _reference_merge() -> dict[str, str]:
    with (unit_map.DATA / "provinces_2025_merge.csv").open(encoding="utf-8") as handle:
        return {old: row["new_code"] for row in csv.DictReader(handle) for old in row["old_codes"].split(";")}


def test_todays_provinces_and_communes_are_the_packages():
    from vietnam_provinces import Province, Ward

    today = Unit.objects.valid_on(date(2026, 12, 3))
    provinces = set(today.filter(kind="province").values_list("code", flat=True))
    assert provinces == {f"{int(p.code):02d}" for p in Province.iter_all()}
    assert len(provinces) == 34
    communes = set(today.filter(kind="commune").values_list("code", "name", "parent__code"))
    assert communes == {
        (f"{int(w.code):05d}", w.name, f"{int(w.province_code):02d}") for w in Ward.iter_all()
    }
    assert len(communes) == 3321
    assert not today.filter(kind="district").exists()


def test_every_old_province_ends_with_the_successor_the_reference_names():
    merge = _reference_merge()
    old = Unit.objects.valid_on(CONFERENCE).filter(kind="province").prefetch_related("successors")
    assert old.count() == 63
    for province in old:
        assert province.valid_to == LAST_DAY, province
        assert [s.code for s in province.successors.all()] == [merge[province.code]], province
        successor = province.successors.get()
        assert successor.valid_from == TODAY_MAP and successor.valid_to is None


def test_a_code_names_one_unit_on_a_day():
    old = selectors.unit_for_code("08", on=CONFERENCE)
    new = selectors.unit_for_code("08", on=date(2026, 1, 1))
    assert old != new and old.name == new.name == "Tuyên Quang"
    assert new.predecessors.filter(code="02").exists()
    # An ended unit stays reachable for a later day, with its end date and successor.
    ha_giang = selectors.unit_for_code("02", on=date(2026, 1, 1))
    assert ha_giang.valid_to == LAST_DAY
    assert list(ha_giang.successors.all()) == [new]
    assert new.path != old.path and not Unit.objects.filter(path=new.path).exclude(pk=new.pk).exists()


def test_the_government_of_march_2025():
    # Resolution 176/2025/QH15: 14 ministries and 3 ministerial-level agencies from 01/03/2025.
    day = date(2025, 3, 1)
    central = Unit.objects.valid_on(day)
    assert central.filter(kind="ministry").count() == 14
    assert central.filter(kind="ministerial_agency").count() == 3
    mic = selectors.unit_for_code("BTTTT", on=day)
    assert mic.valid_to == date(2025, 2, 28)
    assert [s.code for s in mic.successors.all()] == ["BKHCN"]
    assert [s.code for s in selectors.unit_for_code("BKHDT", on=day).successors.all()] == ["BTC"]
    assert Unit.objects.valid_on(CONFERENCE).filter(kind__in=["ministry", "ministerial_agency"]).count() == 22


def test_loading_the_map_again_changes_nothing(db):
    summary = unit_map.load_map()
    assert (summary.created, summary.updated, summary.ended, summary.successors) == (0, 0, 0, 0)
    assert summary.carry.carried == 0 and summary.carry.reports == 0


def test_load_units_dry_run_writes_nothing(db, capsys):
    # Cao Bằng's communes of today (no demo work there): the dry run would create them again.
    Unit.objects.filter(valid_from=TODAY_MAP, kind="commune", parent__code="04").delete()
    before = Unit.objects.count()
    call_command("load_units", "--dry-run", verbosity=0)
    assert Unit.objects.count() == before
    # It counted what it would create again, then rolled it back.
    assert "đơn vị tạo mới: 56," in capsys.readouterr().out
