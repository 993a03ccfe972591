"""A unit in time: when it began and ended, which units it came from and which carry its work on.

Each link addresses one territory without ambiguity: a unit's page on a day it existed ("Tuyên Quang, 08,
on 30/06/2025" is not "Tuyên Quang, 08, today"), since a code alone names the unit valid on the page's day.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from projects.models import Unit
from projects.unit_search import carried_on_by


def exists_on(unit: Unit, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or day <= unit.valid_to
    )


def day_on_its_map(unit: Unit, day: date) -> date:
    """Return the day itself if the unit existed then, else the nearest day it existed."""
    if unit.valid_from is not None and day < unit.valid_from:
        return unit.valid_from
    if unit.valid_to is not None and day > unit.valid_to:
        return unit.valid_to
    return day


def unit_url(unit: Unit, *, day: date, explicit: bool, **params) -> str:
    """The address of a unit's page on a day it existed (today's page carries no date)."""
    shown = day_on_its_map(unit, day)
    query = {k: v for k, v in params.items() if v}
    if explicit or shown != day or shown != timezone.localdate():
        query = {"as_of": shown.isoformat(), **query}
    return reverse("metrics:unit_detail", args=[unit.code]) + (f"?{urlencode(query)}" if query else "")


def unit_lineage(unit: Unit, *, as_of: date, explicit: bool, programme: str = "") -> dict:
    """What a unit's page says of its place in time, each related unit linked to its page, and the units
    above it (for the breadcrumbs): one query."""

    def entry(other: Unit) -> dict:
        return {
            "unit": other,
            "url": unit_url(other, day=as_of, explicit=explicit, programme=programme),
        }

    links = Unit.successors.through.objects
    came_from = links.filter(from_unit=OuterRef("pk"), to_unit=unit.pk)
    went_to = links.filter(from_unit=unit.pk, to_unit=OuterRef("pk"))
    wanted = Q(path__in=unit.ancestor_paths[:-1])
    if unit.valid_to is not None or unit.valid_from is not None:  # a unit of one era has no lineage
        # Ids from subqueries that PostgreSQL runs once: EXISTS correlated with every unit, under an OR
        # that no index serves, scanned the whole tree (200 ms at national scale, 7 ms so).
        wanted |= Q(pk__in=links.filter(to_unit=unit.pk).values("from_unit")) | Q(
            pk__in=links.filter(from_unit=unit.pk).values("to_unit")
        )
    ancestors, successors, predecessors = [], [], []
    if unit.depth or unit.valid_to is not None or unit.valid_from is not None:
        related = (
            Unit.objects.filter(wanted)
            .annotate(is_predecessor=Exists(came_from), is_successor=Exists(went_to))
            .order_by("depth", "path")
        )
        for other in related:
            if other.is_successor:
                successors.append(entry(other))
            elif other.is_predecessor:
                predecessors.append(entry(other))
            else:
                ancestors.append(other)
    # A province formed of provinces also took in their districts and communes: those are listed apart.
    peers = [p for p in predecessors if p["unit"].kind == unit.kind] or predecessors
    others = [p for p in predecessors if p not in peers]
    on_map = exists_on(unit, as_of)
    return {
        "ancestors": ancestors,
        "successors": successors,
        "predecessors": peers,
        "other_predecessors": others,
        "on_map": on_map,
        "ended": unit.valid_to is not None and unit.valid_to < as_of,
        "not_begun": unit.valid_from is not None and as_of < unit.valid_from,
        "map_day": day_on_its_map(unit, as_of),
        "map_day_url": None if on_map else unit_url(unit, day=as_of, explicit=True, programme=programme),
    }


def search_results(units: list[Unit], *, as_of: date, explicit: bool) -> list[dict]:
    """Each unit found, linked to its page on a day it existed; an ended one with the units that carry its
    work on the day asked for ("Hà Giang → Tuyên Quang, from 01/07/2025")."""
    return [
        {
            "unit": unit,
            "url": unit_url(unit, day=as_of, explicit=explicit),
            "on_map": exists_on(unit, as_of),
            "successors": [
                {"unit": other, "url": unit_url(other, day=as_of, explicit=explicit)}
                for other in carried_on_by(unit, on=as_of)
            ],
        }
        for unit in units
    ]
