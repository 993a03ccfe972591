"""Comparable history of a successor unit: before it existed, the sum of the units it continues.

Tuyên Quang of today (08, from 01/07/2025) was formed from Tuyên Quang of before and Hà Giang. Its
own trend starts on 01/07/2025; its comparable history draws, for the days before, the sum of its
predecessors' figures day by day (done and total of each view), so that a leader can compare today
with a like territory of before (DESIGN.md, "Units change"). It is always labelled as a sum, never
mixed into the unit's own figures.

Built on the trend reader (metrics.trends.trend, through its public function only): each
predecessor's trend up to its last day, summed on the days all of them have, then the unit's own
trend from its first day. A predecessor that was itself formed from others (a chain of changes)
contributes its own comparable history. A predecessor split among several units of today is counted
whole in each of them: its figures cannot be divided by territory, and the label names it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from metrics import trends
from projects.models import Programme, Unit

FIELDS = ("done", "reported_done", "total")
MAX_DEPTH = 3  # changes of the map followed backwards; more would be a data error


def predecessors(unit: Unit) -> list[Unit]:
    """The units of the same kind this one directly continues: a province's, the provinces it was
    formed from (their districts, which also name it as successor, are inside them). The one whose
    code it keeps comes first ("Tuyên Quang (former) and Hà Giang"), then the others in code order."""
    found = unit.predecessors.filter(kind=unit.kind)
    return sorted(found, key=lambda source: (source.code != unit.code, source.path))


def label(unit: Unit, sources: list[Unit]) -> str:
    """The label, in the active language: "Comparable history: sum of Tuyên Quang (former) and Hà Giang"."""
    names = [
        _("%(name)s (former)") % {"name": source.name} if source.name == unit.name else source.name
        for source in sources
    ]
    if len(names) == 1:  # a unit that only changed (Hà Nội, with new communes): no sum to speak of
        return _("Comparable history: %(name)s") % {"name": names[0]}
    joined = _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
    return _("Comparable history: sum of %(names)s") % {"names": joined}


def comparable_trend(*, programme: Programme, as_of: date, unit: Unit) -> dict | None:
    """Return the unit's comparable trend, or None when it continues no unit (or began before the programme).

    ``{"rows": [...], "label": str, "sources": [Unit], "since": date}``: rows as trends.trend's
    (day, done, reported_done, total, percent, reported_percent) with ``comparable`` true on the days
    that are sums of predecessors; ``since`` is the unit's first day.
    """
    if unit.valid_from is None or unit.valid_from <= programme.start:
        return None  # an original unit, or one older than the programme: no query at all
    sources = predecessors(unit)
    if not sources:
        return None
    rows = _rows(programme=programme, as_of=as_of, unit=unit, depth=0)
    return {"rows": rows, "label": label(unit, sources), "sources": sources, "since": unit.valid_from}


def _rows(*, programme: Programme, as_of: date, unit: Unit, depth: int) -> list[dict]:
    own = trends.trend(programme=programme, as_of=as_of, unit=unit)
    sources = predecessors(unit) if depth < MAX_DEPTH and unit.valid_from else []
    if not sources:
        return [{**row, "comparable": False} for row in own]
    last_day = min(as_of, unit.valid_from - timedelta(days=1))
    before = [_rows(programme=programme, as_of=last_day, unit=source, depth=depth + 1) for source in sources]
    before = [{row["day"]: row for row in rows if row["day"] < unit.valid_from} for rows in before]
    summed = []
    for day in sorted(set.intersection(*(set(rows) for rows in before))):
        parts = [rows[day] for rows in before]
        total = {name: sum(part[name] for part in parts) for name in FIELDS}
        summed.append(
            {
                "day": day,
                **total,
                "percent": 100 * total["done"] / total["total"] if total["total"] else None,
                "reported_percent": 100 * total["reported_done"] / total["total"] if total["total"] else None,
                "comparable": True,
            }
        )
    after = [{**row, "comparable": False} for row in own if row["day"] >= unit.valid_from]
    return summed + after


def add_to_chart(figure, history: dict):
    """Draw the comparable history on a completion trend chart (metrics.charts.completion_trend): a
    grey dotted line over the days before the unit existed, named by its label in the legend, where a
    click hides or shows it."""
    from metrics.charts import GREY, _number

    rows = [row for row in history["rows"] if row["comparable"]]
    # Charts are plotly's JSON as plain dicts (metrics.charts): the trace is added in that form.
    figure["data"].append(
        {
            "type": "scatter",
            "x": [row["day"].isoformat() for row in rows],
            "y": [_number(row["percent"]) for row in rows],
            "name": history["label"],
            "mode": "lines+markers",
            "line": {"color": GREY, "width": 2, "dash": "dot"},
            "marker": {"size": 6, "symbol": "square-open"},
            "customdata": [[row["done"], row["total"]] for row in rows],
            "hovertemplate": "%{y:.1f}% (%{customdata[0]:,}/%{customdata[1]:,})<extra></extra>",
        }
    )
    return figure
