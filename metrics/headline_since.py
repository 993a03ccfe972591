""" "Since last month" beside each headline figure of the national summary, in two queries.

The figures of the earlier day are the rollups' stored rows of the latest stored day on or before a month
ago (at most a month earlier still), rolled into Figures by the helpers metrics.headline uses for the
same figures today; a day that is not stored is not counted here (the page would pay for a second
count), and the page says which day its change is counted from.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, Max, OuterRef, Q

from metrics import headline, readers
from metrics.figures import Figure
from metrics.models import GoalRollup, RollupDay, StatusRollup
from metrics.staleness import add_months
from projects.choices import UnitKind, View

WINDOW = timedelta(days=31)


def _usable_days(target: date):
    """The stored days (covering the top of the tree, not stale) on or before target, within WINDOW."""
    return RollupDay.objects.filter(day__lte=target, day__gte=target - WINDOW, stale=False).filter(
        Q(max_depth__isnull=True) | Q(max_depth__gte=1)
    )


def _latest_days(target: date, programmes: list):
    """Each programme's latest usable day, as a subquery that names no outer row."""
    return (
        _usable_days(target).filter(programme__in=programmes).values("programme").annotate(latest=Max("day"))
    ).values("latest")


def headline_since(programmes: dict, as_of: date, latest: dict | None = None) -> dict | None:
    """Return {"day": the day compared with, key: Figure} for the summary's headline keys, or None.

    ``latest`` maps a programme's id to its latest stored day (readers.freshness_of, which the page reads
    anyway): when none is late enough to be a month back, nothing is read.
    """
    target = add_months(as_of, -1)
    by_code = {code: p for code, p in programmes.items() if code in ("DA06", "CDS2022")}
    if latest is not None:
        by_code = {
            code: p for code, p in by_code.items() if latest.get(p.pk) and latest[p.pk] >= target - WINDOW
        }
    if not by_code:
        return None
    rows: dict = {}
    days = {}
    # The rows of each programme's latest usable day. Picking that day per row, by a subquery correlated
    # with each rollup row, cost 310 ms to 1.4 s at national scale (14,572 rows, a sort each). Here the
    # candidate days (every programme's latest) come from a subquery run once, each row's day is checked
    # usable for its own programme by the (programme, day) index, and a row on another programme's
    # latest day, which is earlier than its own, is dropped below.
    programmes = list(by_code.values())
    status = list(
        StatusRollup.objects.filter(
            Q(unit__parent__isnull=True) | Q(unit__kind=UnitKind.PROVINCE),
            Exists(_usable_days(target).filter(programme=OuterRef("programme"), day=OuterRef("day"))),
            programme__in=programmes,
            day__in=_latest_days(target, programmes),
        )
        .values(
            "programme_id", "day", "unit_id", "unit__kind", "unit__parent_id", "view", *readers.FIGURE_FIELDS
        )
        .order_by()
    )
    for row in status:
        days[row["programme_id"]] = max(row["day"], days.get(row["programme_id"], row["day"]))
    for row in status:
        programme_id, unit_id, day = row.pop("programme_id"), row.pop("unit_id"), row.pop("day")
        if day != days[programme_id]:
            continue
        kind, parent = row.pop("unit__kind"), row.pop("unit__parent_id")
        entry = rows.setdefault(programme_id, {"nation": {}, "provinces": {}})
        target_rows = entry["nation"] if parent is None and kind == UnitKind.NATION else entry["provinces"]
        by_view = target_rows if parent is None else target_rows.setdefault(unit_id, {})
        by_view[row.pop("view")] = row
    if not days:
        return None
    result: dict = {"day": min(days.values())}
    da06, cds = by_code.get("DA06"), by_code.get("CDS2022")
    if da06 is not None and da06.pk in days:
        goals = {
            row["view"]: row
            for row in GoalRollup.objects.filter(programme=da06, day=days[da06.pk])
            .values("view", "achieved", "total")
            .order_by()
        }
        if len(goals) == len(View):
            result["da06_goals"] = Figure(
                done=goals[View.VERIFIED]["achieved"],
                total=goals[View.VERIFIED]["total"],
                reported=goals[View.REPORTED]["achieved"],
            )
        result["da06_tasks"] = headline.task_figure(rows[da06.pk]["nation"])
    if cds is not None and cds.pk in rows:
        nation = rows[cds.pk]["nation"]
        verified, reported = (readers._figures(nation, view) for view in (View.VERIFIED, View.REPORTED))
        result["cds_central_tasks"] = Figure(
            done=verified["central_tasks_done"],
            total=verified["central_tasks"],
            reported=reported["central_tasks_done"],
        )
        result["cds_provinces"] = headline.units_done_figure(list(rows[cds.pk]["provinces"].values()))
        result["cds_tasks"] = headline.task_figure(nation)
    return result
