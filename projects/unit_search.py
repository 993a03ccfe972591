"""Finding a unit by what people type: without diacritics, by official short forms, across eras.

The keys (projects.names.search_keys) are stored in UnitSearchKey, refreshed when a unit is saved and
after bulk loads; a search is an indexed prefix match on them. A unit that ended is found too, with the
units that carry its work on the day asked for ("Hà Giang → Tuyên Quang, from 01/07/2025").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.signals import post_save
from django.dispatch import receiver

from projects.models import Unit, UnitSearchKey
from projects.names import query_prefixes, search_keys

MAX_RESULTS = 50


def _keys_of(units: Iterable[Unit]) -> list[UnitSearchKey]:
    return [
        UnitSearchKey(unit_id=unit.pk, key=key)
        for unit in units
        for key in sorted(search_keys(unit.code, (unit.name, unit.short_name, unit.name_en)))
    ]


@transaction.atomic
def unit_search_keys_refresh(*, units: QuerySet[Unit] | None = None) -> int:
    """Rewrite the search keys of the given units (all when none are given); return how many were written."""
    units = Unit.objects.all() if units is None else units
    written = 0
    batch: list[Unit] = []
    for unit in units.only("pk", "code", "name", "short_name", "name_en").order_by("pk").iterator(2000):
        batch.append(unit)
        if len(batch) == 2000:
            written += _rewrite(batch)
            batch = []
    if batch:
        written += _rewrite(batch)
    return written


def _rewrite(units: list[Unit]) -> int:
    UnitSearchKey.objects.filter(unit__in=units).delete()
    return len(UnitSearchKey.objects.bulk_create(_keys_of(units), batch_size=5000))


def ensure_search_keys() -> None:
    """Index the units a bulk load created without keys (one indexed anti-join when none are missing)."""
    missing = Unit.objects.filter(~Exists(UnitSearchKey.objects.filter(unit=OuterRef("pk"))))
    if missing.exists():
        unit_search_keys_refresh(units=missing)


def _valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def units_matching(query: str) -> QuerySet[Unit]:
    """Return every unit one of whose keys starts with what was typed (folded), in no particular order."""
    prefixes = query_prefixes(query)
    if not prefixes:
        return Unit.objects.none()
    ensure_search_keys()
    starts = Q()
    for prefix in prefixes:
        starts |= Q(key__startswith=prefix)
    return Unit.objects.filter(Exists(UnitSearchKey.objects.filter(starts, unit=OuterRef("pk"))))


def search_units(query: str, *, on: date, limit: int | None = MAX_RESULTS) -> list[Unit]:
    """Return the units a query names, best first: an exact name or short form before a prefix, the units
    of the day before those that ended or had not begun, provinces before communes."""
    prefixes = query_prefixes(query)
    if not prefixes:
        return []
    keys = UnitSearchKey.objects.filter(unit=OuterRef("pk"))
    units = (
        units_matching(query)
        .annotate(
            exact=Exists(keys.filter(key__in=prefixes)),
            current=Case(
                When(_valid_on(on), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .order_by("-exact", "-current", "depth", "name", "-valid_from")
        .prefetch_related("successors")
    )
    return list(units[:limit] if limit else units)


def carried_on_by(unit: Unit, *, on: date) -> list[Unit]:
    """Return the units that carry an ended unit's work on a day: its successors, followed while they too ended."""
    if unit.valid_to is None or unit.valid_to >= on:
        return []
    found, frontier, seen = [], list(unit.successors.all()), {unit.pk}
    while frontier:
        successor = frontier.pop(0)
        if successor.pk in seen:
            continue
        seen.add(successor.pk)
        if successor.valid_to is not None and successor.valid_to < on and successor.successors.exists():
            frontier.extend(successor.successors.all())
        else:
            found.append(successor)
    return found


@receiver(post_save, sender=Unit, dispatch_uid="projects.unit_search_keys")
def _unit_saved(sender, instance: Unit, raw: bool = False, **kwargs) -> None:
    """A unit created or renamed one at a time (admin, services) is found by its new name at once."""
    if not raw:
        _rewrite([instance])
