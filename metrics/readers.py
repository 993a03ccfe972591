"""The read interface of the rollups: what pages and the API call for figures, for any day.

Every reader runs a fixed number of queries whatever the size of the data. ``stored_day()`` gives one
programme's figures of one day, stored or not:
- a stored day (every day a full recompute ran: nightly, all units; earlier days keep the top of the
  tree; the history days of ``recompute_rollups --history``) is read from its rows;
- a day not stored, a stored day that a later change reached back to (flagged stale), or a depth a past
  day does not keep: the nation and the units right below it are the nearest stored, not stale day moved
  by what changed between the two (metrics.rollups.any_day: at scale 1, a fraction of a second), and a
  deeper unit is counted from its depth-one ancestor's subtree; only when nothing is stored yet is the
  whole programme counted from the report chains. What is counted is kept in the figure cache under the
  data's generation (metrics.figure_cache), and a read never writes.
``computed_at`` says when the figures were computed; for figures counted on demand it is the moment of
the read. The lines over time, ``completion_over_time`` and ``indicator_over_time``, read the stored days
when there are at least two, stale or not, else count the line's days together.

Arguments ``programme`` and ``unit`` take model instances or codes.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from metrics import figure_cache, memo, rollups
from metrics import selectors as metric_selectors
from metrics.models import (
    GoalRollup,
    Indicator,
    IndicatorRollup,
    RollupDay,
    RollupPending,
    StatusRollup,
    TaskRollup,
)
from metrics.rollups import over_days
from projects import selectors as project_selectors
from projects.choices import AssignmentStatus, View
from projects.models import Assignment, Programme, Unit

# view → task id → the figures of a TaskRollup row, in the order of TASK_FIELDS.
TaskSums = dict[str, dict[int, list[int]]]
TASK_FIELDS = rollups.TASK_FIELDS

ASSIGNMENT_KEYS = ("done_on_time", "done_late", "in_progress", "not_started", "overdue")
TASK_KEYS = ("done", "overdue", "in_progress", "not_started")
EMPTY = {
    "assignments": 0,
    **{s.value: 0 for s in AssignmentStatus},
    "tasks": 0,
    "tasks_done": 0,
    "tasks_overdue": 0,
    "tasks_in_progress": 0,
    "tasks_not_started": 0,
    "central_tasks": 0,
    "central_tasks_done": 0,
}
FIGURE_FIELDS = list(EMPTY)


def _programme(programme) -> Programme:
    return programme if isinstance(programme, Programme) else Programme.objects.get(code=programme)


def _unit(unit, as_of: date) -> Unit:
    """Return a Unit given one or its code; a code means the unit it names on the day (unit_for_code)."""
    if isinstance(unit, Unit):
        return unit
    found = project_selectors.unit_for_code(unit, on=as_of)
    if found is None:
        raise Unit.DoesNotExist(unit)
    return found


def stored_day(programme, as_of: date) -> StoredDay:
    """Return the StoredDay of a programme and day, one per request, so that what it counts on demand is
    counted once however many parts of a page ask."""
    programme = _programme(programme)
    return memo.once(("stored_day", programme.pk, as_of), lambda: stored_days([programme], as_of)[0])


def stored_days(programmes, as_of: date) -> list[StoredDay]:
    """Return stored_day() of several programmes, reading their stored days in one query: the day asked
    for, the fresh days an indicator value can come from and, when the day asked for is no base, the
    days it can start from (not stale, with their per-task rows)."""
    programmes = list(programmes)
    # Those a page has read already in this request (several programmes first, then one of them) are not
    # read again.
    asked = [p for p in programmes if not memo.known(("stored_day", p.pk, as_of))]
    if not asked:
        return [stored_day(p, as_of) for p in programmes]
    found: dict[int, RollupDay] = {}
    task_rows: dict[int, bool] = {}
    bases: dict[int, list[date]] = {p.pk: [] for p in asked}
    fresh: dict[int, list[date]] = {p.pk: [] for p in asked}
    for row, first_task_row in rollups.stored_day_rows([p.pk for p in asked], as_of):
        programme_id, day = row["programme_id"], row["day"]
        if day == as_of:
            found[programme_id] = RollupDay(**row)
            task_rows[programme_id] = first_task_row is not None
        if not row["stale"]:
            fresh[programme_id].append(day)
            if first_task_row is not None:
                bases[programme_id].append(day)
    # The bases were read only where the day asked for is none (rollups.stored_day_rows).
    is_base = {pk: task_rows[pk] and not stored.stale for pk, stored in found.items()}
    return [
        memo.once(
            ("stored_day", p.pk, as_of),
            lambda p=p: StoredDay(
                p,
                as_of,
                found.get(p.pk),
                lookup=False,
                has_task_rows=task_rows.get(p.pk, False),
                bases=None if is_base.get(p.pk) else bases[p.pk],
                fresh_days=fresh[p.pk],
            ),
        )
        for p in programmes
    ]


nation = metric_selectors.nation


def _top_units() -> dict[int, str]:
    """Return the units right below the nation: id → kind (read once per request)."""
    return memo.once(
        ("top_units",),
        lambda: dict(Unit.objects.filter(depth=rollups.SNAPSHOT_DEPTH).values_list("pk", "kind")),
    )


def stored_status_rows(programme: Programme, day: date, unit_ids: list[int]) -> list[dict]:
    """Return the stored StatusRollup rows of some units on a day: unit_id, view and FIGURE_FIELDS.

    On PostgreSQL the units are joined as an array, one probe of status_rollup_day each. Asked as
    ``unit_id IN (…)``, the planner read the whole day instead (a day that keeps every unit holds
    22,780 rows at scale 1, the summary's top units 162 of them): 4.1 ms against 0.3.
    """
    if connection.vendor != "postgresql":
        rows = StatusRollup.objects.filter(programme=programme, day=day, unit_id__in=unit_ids)
        return list(rows.values("unit_id", "view", *FIGURE_FIELDS).order_by())
    columns = ["unit_id", "view", *FIGURE_FIELDS]
    sql = (
        f"SELECT {', '.join(f's.{c}' for c in columns)} FROM unnest(%s::bigint[]) AS asked(id) "  # noqa: S608
        "JOIN metrics_statusrollup s ON s.unit_id = asked.id WHERE s.programme_id = %s AND s.day = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(unit_ids), programme.pk, day])
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class StoredDay:
    """The figures of one programme and day: the stored rows, or, for a day not stored, the nearest stored
    day moved by what changed since (metrics.rollups.any_day), counted once per generation and shared
    through the figure cache. ``stored_day()`` shares one instance per request.
    """

    def __init__(
        self,
        programme: Programme,
        as_of: date,
        stored: RollupDay | None = None,
        lookup=True,
        has_task_rows: bool | None = None,
        bases: list[date] | None = None,
        fresh_days: list[date] | None = None,
    ):
        self.programme = programme
        self.day = as_of
        if lookup:
            stored = RollupDay.objects.filter(programme=programme, day=as_of).first()
        self.stored = stored
        self._has_task_rows = has_task_rows  # whether the stored day keeps its per-task rows (read if None)
        self.bases = bases  # where a day not stored starts from (read by rollups.any_day.base_day if None)
        self.fresh_days = fresh_days  # the stored, not stale days
        self._top = None
        self._counted = None
        self._goals = None
        self._indicators = None
        self._indicator_values: dict[frozenset[int], dict[int, dict]] = {}

    def covers(self, depth: int) -> bool:
        return self.stored is not None and self.stored.covers(depth)

    @property
    def is_stored(self) -> bool:
        """Whether the day's rows (and per-task rows) are stored and not stale."""
        return self.stored is not None and not self.stored.stale

    @property
    def has_task_rows(self) -> bool:
        """Whether the stored day keeps its per-task rows (the nightly prune keeps one day a week's)."""
        if self._has_task_rows is None:
            self._has_task_rows = TaskRollup.objects.filter(programme=self.programme, day=self.day).exists()
        return self._has_task_rows

    @property
    def computed_at(self):
        return self.stored.computed_at if self.covers(0) else timezone.now()

    def top(self) -> rollups.TopFigures:
        """The figures of the nation and the units right below it, with their per-task figures, on a day
        not stored (or stale): from the nearest stored day, else counted in full."""
        if self._top is None:
            figure_cache.store_today_once(self.programme, self.day)
            self._top = figure_cache.remember(self.programme, self.day, ("top",), self._count_top)
        return self._top

    def _count_top(self) -> rollups.TopFigures:
        found = rollups.top_figures(self.programme, self.day, bases=self.bases)
        if found is not None:
            return found
        # No stored day to start from (none stored yet): every assignment counted from the report chains.
        accumulators: dict = {}
        status = rollups.compute_status(programme=self.programme, day=self.day, accumulators=accumulators)
        tree = rollups.unit_tree()
        top = {unit_id: by_view for unit_id, by_view in status.items() if tree.depth.get(unit_id, 0) <= 1}
        tasks = {
            key: {task: list(acc) for task, acc in by_task.items()} for key, by_task in accumulators.items()
        }
        # The nation holds assignments itself when its count is more than those of the units below it.
        nation_total = below_total = 0
        for unit_id, by_view in top.items():
            figures = by_view.get(rollups.VIEWS[0])
            if figures is None:
                continue
            if tree.parent.get(unit_id) is None:
                nation_total += figures["assignments"]
            else:
                below_total += figures["assignments"]
        return rollups.TopFigures(
            status=top,
            tasks=tasks,
            nation_holds=nation_total > below_total,
            task_totals=rollups.task_totals(tasks),
        )

    def status(self, units: list[Unit], *, within: Unit | None = None) -> dict[int, dict[str, dict]]:
        """Return unit id → view → figures for the given units (all of one depth or subtree)."""
        if all(self.covers(unit.depth) for unit in units):
            result: dict[int, dict[str, dict]] = {}
            for row in stored_status_rows(self.programme, self.day, [unit.pk for unit in units]):
                result.setdefault(row.pop("unit_id"), {})[row.pop("view")] = row
            return result
        if all(unit.depth <= rollups.SNAPSHOT_DEPTH for unit in units):
            return self.top().status
        if self._counted is not None:
            return self._counted  # every unit's figures, those of the subtree asked for among them
        if within is not None and within.depth > 0:  # a subtree: counted from its report chains
            return figure_cache.remember(
                self.programme,
                self.day,
                ("status", within.pk),
                lambda: rollups.compute_status(programme=self.programme, day=self.day, within=within),
            )
        self._counted = figure_cache.remember(
            self.programme,
            self.day,
            ("status",),
            lambda: rollups.compute_status(programme=self.programme, day=self.day),
        )
        return self._counted

    def children_counts(self, parent: Unit, children: list[Unit]) -> dict[int, dict[str, dict]]:
        """Return child id → view → figures of a unit's children, of which only ``assignments`` and the
        count of each status are sure to be there: what a table of a unit's children shows.

        Read as status() reads them where the day keeps their depth; else counted without per-task
        figures (rollups.children_counts), once per generation.
        """
        if all(self.covers(unit.depth) for unit in children) or all(
            unit.depth <= rollups.SNAPSHOT_DEPTH for unit in children
        ):
            return self.status(children)
        if self._counted is not None:
            return self._counted
        return figure_cache.remember(
            self.programme,
            self.day,
            ("children", parent.pk),
            lambda: rollups.children_counts(programme=self.programme, day=self.day, parent=parent),
        )

    def task_figures(self) -> rollups.TopFigures | None:
        """Return the figures of the nation and the units right below it, with their per-task figures, on a
        day not stored (or stale); None when the day is stored (its TaskRollup rows say it)."""
        if self.is_stored:
            return None
        return self.top()

    def task_sums(
        self, scope: Unit | None = None, kinds: tuple[str, ...] | None = None, task: int | None = None
    ) -> TaskSums:
        """Return view → task id → the TASK_FIELDS of a scope's assignments: the whole programme (no scope,
        or the nation), a unit's subtree, or the subtrees of the units of some kinds right below the nation.

        The units right below the nation keep per-task figures on every stored day (TaskRollup) and, on
        any other day, in top(); a scope of them is their sums. A deeper unit, or the whole programme when
        the nation holds assignments itself (no row below it counts them), is counted from its subtree's
        report chains, once per generation. ``task`` (an id) narrows a stored day's read to one task's rows
        (the task page); the other tasks may then be missing from the answer.
        """
        if scope is not None and scope.depth == 0:
            scope = None
        if scope is not None and scope.depth > rollups.SNAPSHOT_DEPTH:
            return self._counted_task_sums(scope)
        top_ids = None
        if scope is not None:
            top_ids = {scope.pk}
        elif kinds is not None:
            top_ids = {pk for pk, kind in _top_units().items() if kind in kinds}
        if self.is_stored and self.has_task_rows:
            return self._stored_task_sums(top_ids, task)
        top = self.top()
        if top_ids is None:
            if top.nation_holds:
                return self._counted_task_sums(None)
            return top.task_totals
        # Only the scope's units are opened (the cached per-task rows are packed: rollups.any_day.PackedTasks).
        return rollups.task_totals({key: top.tasks[key] for key in top.tasks if key[0] in top_ids})

    def _stored_task_sums(self, top_ids: set[int] | None, task: int | None = None) -> TaskSums:
        rows = TaskRollup.objects.filter(programme=self.programme, day=self.day)
        if task is not None:
            rows = rows.filter(task_id=task)
        extra = {}
        if top_ids is not None:
            rows = rows.filter(unit_id__in=top_ids)
        else:
            # Only the nation's own assignments are in no row below it: then the programme is counted.
            extra["nation_holds"] = Exists(
                Assignment.objects.filter(task__programme=self.programme, unit__parent__isnull=True)
            )
        sums: TaskSums = {view: {} for view in rollups.VIEWS}
        grouped = (
            rows.values("view", "task_id")
            .annotate(
                **{f"sum_{f}": Sum(f) for f in TASK_FIELDS},
                # Rows written before late completions were counted cannot split done on time from late.
                unknown_late=Count("pk", filter=Q(done_late__isnull=True)),
                **extra,
            )
            .order_by()
        )
        for row in grouped:
            if row.get("nation_holds") or row["unknown_late"]:
                return self._counted_task_sums(None, top_ids)
            sums[row["view"]][row["task_id"]] = [row[f"sum_{f}"] or 0 for f in TASK_FIELDS]
        return sums

    def _counted_task_sums(self, scope: Unit | None, top_ids: set[int] | None = None) -> TaskSums:
        """Count the per-task figures of a unit's subtree (the nation's by default), or of the given units
        right below the nation, from the report chains: one pass, once per generation."""
        keep = top_ids or {(scope or nation()).pk}

        def count() -> TaskSums:
            accumulators: dict = {}
            rollups.compute_status(
                programme=self.programme, day=self.day, within=scope, accumulators=accumulators, keep=keep
            )
            return rollups.task_totals(
                {key: by_task for key, by_task in accumulators.items() if key[0] in keep}
            )

        return figure_cache.remember(self.programme, self.day, ("task_sums", tuple(sorted(keep))), count)

    def goals(self) -> dict[str, dict]:
        """Return view → goals achieved, their total and the achieved goals' ids."""
        if self._goals is None:
            self._goals = self._stored_goals() or self._counted_goals()
        return self._goals

    def _stored_goals(self) -> dict[str, dict] | None:
        if self.stored is None or self.stored.stale:
            return None
        rows = (
            GoalRollup.objects.filter(programme=self.programme, day=self.day)
            .values("view", "achieved", "total", "achieved_goals")
            .order_by()
        )
        found = {row.pop("view"): row for row in rows}
        return found if len(found) == len(rollups.VIEWS) else None

    def _counted_goals(self) -> dict[str, dict]:
        def count():
            indicators = self.indicators()
            values = self.indicator_values(indicators, nation_only=True)
            return rollups.compute_goals(
                programme=self.programme, day=self.day, nation_values=values, indicators=indicators
            )

        return figure_cache.remember(self.programme, self.day, ("goals",), count)

    def indicators(self) -> list[Indicator]:
        """Return the programme's indicators, in the order they were defined (read once)."""
        if self._indicators is None:
            self._indicators = list(Indicator.objects.filter(programme=self.programme).order_by("pk"))
        return self._indicators

    def indicator_values(self, indicators: list[Indicator], *, nation_only: bool) -> dict[int, dict]:
        """Return indicator id → the nation's figures."""
        nation_id = rollups.nation_of(self.programme).pk
        ids = [indicator.pk for indicator in indicators]
        if self.covers(0):
            return rollups.stored_indicator_values(ids, self.day, nation_id)
        key = frozenset(ids)
        if key not in self._indicator_values:

            def count():
                # Values as of a day follow from the observation periods on or before it: a stored day
                # with no period between it and this one has its values.
                same = rollups.indicator_base_day(self.programme, self.day, ids, stored=self.fresh_days)
                if same is not None:
                    return rollups.stored_indicator_values(ids, same, nation_id)
                tree = rollups.unit_tree()
                values = rollups.compute_indicators(indicators=indicators, day=self.day, tree=tree)
                return {ind: v for (ind, unit), v in values.items() if unit == nation_id}

            self._indicator_values[key] = figure_cache.remember(
                self.programme, self.day, ("indicators", tuple(sorted(key))), count
            )
        return self._indicator_values[key]


def _figures(by_view: dict[str, dict] | None, view: str) -> dict:
    return (by_view or {}).get(view) or EMPTY


def _assignments(figures: dict) -> dict:
    return {"total": figures["assignments"], **{key: figures[key] for key in ASSIGNMENT_KEYS}}


def _tasks(figures: dict) -> dict:
    return {"total": figures["tasks"], **{key: figures[f"tasks_{key}"] for key in TASK_KEYS}}


def programme_summary(*, programme, unit, as_of: date) -> dict:
    """Return a programme's figures for a unit's subtree as of a day, verified and reported side by side.

    The shape of ``GET /api/programmes/<code>/summary`` (see DESIGN.md).
    """
    programme, unit = _programme(programme), _unit(unit, as_of)
    day = stored_day(programme, as_of)
    by_view = day.status([unit], within=unit).get(unit.pk)
    goals = day.goals()
    result = {
        "programme": programme.code,
        "unit": unit.code,
        "as_of": as_of.isoformat(),
        "computed_at": day.computed_at.isoformat(),
    }
    for view in rollups.VIEWS:
        figures = _figures(by_view, view)
        block = {
            "goals": {"achieved": goals[view]["achieved"], "total": goals[view]["total"]},
            "tasks": _tasks(figures),
            "assignments": _assignments(figures),
        }
        if view == View.VERIFIED:
            result.update(block)
        else:
            result["reported"] = block
    return result


def unit_rows(*, programme, as_of: date, kind: str | None = None, parent=None, view: str = View.VERIFIED):
    """Return one row per unit (of a kind, or below a parent): its assignments by status and completion.

    Rows are in tree order; a unit with nothing assigned in its subtree has zeros and ``percent`` None.
    """
    programme = _programme(programme)
    # The units of the map of the day: an ended unit's work is counted under its successor.
    units = Unit.objects.valid_on(project_selectors.map_day(programme, as_of))
    if kind:
        units = units.filter(kind=kind)
    if parent is not None:
        parent = _unit(parent, as_of)
        units = units.filter(parent=parent)
    units = list(units.order_by("path"))
    if not units:
        return []
    day = stored_day(programme, as_of)
    within = parent if parent is not None and not all(day.covers(u.depth) for u in units) else None
    status = day.status(units, within=within)
    rows = []
    for unit in units:
        figures = _figures(status.get(unit.pk), view)
        done = figures["done_on_time"] + figures["done_late"]
        total = figures["assignments"]
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "display_name": unit.display_name,
                "kind": unit.kind,
                "region": unit.region,
                "path": unit.path,
                "depth": unit.depth,
                "total": total,
                "done": done,
                "percent": round(100 * done / total, 1) if total else None,
                **{key: figures[key] for key in ASSIGNMENT_KEYS},
                "tasks": figures["tasks"],
                "tasks_done": figures["tasks_done"],
            }
        )
    return rows


def completion_over_time(programme, *, as_of: date, unit=None) -> list[dict]:
    """Return a subtree's completion over time up to a day (the nation's by default): per day, its
    assignments (``total``) and those done in each view (keyed by View).

    The days are the stored days (one indexed read, thinned to 60) when there are at least two, the day
    asked for ending the line through stored_day(); else month ends from the programme's start, counted
    together in one pass over the report chains (metrics.rollups.over_days), once per generation.
    """
    programme = _programme(programme)
    unit = nation() if unit is None else _unit(unit, as_of)
    stored = StatusRollup.objects.filter(
        programme=programme, unit=unit, day__gte=programme.start, day__lte=as_of
    )
    by_day: dict = {}
    for day, view, on_time, late, total in stored.order_by("day").values_list(
        "day", "view", "done_on_time", "done_late", "assignments"
    ):
        by_day.setdefault(day, {"day": day, "total": total, View.REPORTED: None})[view] = on_time + late
    points = [row for row in by_day.values() if View.VERIFIED in row]
    if len(points) < 2:
        days = over_days.trend_days(programme.start, max(as_of, programme.start))
        return figure_cache.remember(
            programme,
            as_of,
            ("completion", unit.pk),
            lambda: over_days.done_on_days(programme=programme, days=days, within=unit),
        )
    points = over_days.thin(points)
    for point in points:
        if point[View.REPORTED] is None:
            point[View.REPORTED] = point[View.VERIFIED]
    if points[-1]["day"] < as_of:
        # The history's days are a month apart: the line ends on the day asked for.
        by_view = stored_day(programme, as_of).status([unit], within=unit).get(unit.pk) or {}
        point = {"day": as_of, "total": 0, View.VERIFIED: 0, View.REPORTED: 0}
        for view, figures in by_view.items():
            point["total"] = figures["assignments"]
            point[view] = figures["done_on_time"] + figures["done_late"]
        points.append(point)
    return points


def indicator_over_time(indicator: Indicator, *, unit: Unit, as_of: date) -> list[dict]:
    """Return a unit's value of an indicator over time up to a day: per day (``period``), the value, its
    denominator and the comparable figure (a percentage when there is a denominator).

    The stored days when there are at least two, thinned; a stored day carries the latest value forward,
    so once that value is older than the reporting period the day is left out and the line stops where
    the figures stopped. Else each observation period, counted from the observations once per generation.
    """
    from metrics import staleness

    stored = [
        row
        for row in IndicatorRollup.objects.filter(indicator=indicator, unit=unit, day__lte=as_of)
        .order_by("day")
        .values("day", "value", "denominator", "period")
        if not staleness.age(
            period=row["period"], reporting_period=indicator.reporting_period, as_of=row["day"]
        ).stale
    ]
    if len(stored) < 2:
        return figure_cache.remember(
            indicator.programme,
            as_of,
            ("indicator_series", indicator.pk, unit.pk),
            lambda: rollups.indicator_periods(indicator=indicator, unit=unit, as_of=as_of),
        )
    rows = []
    for row in over_days.thin(stored):
        value, denominator = row["value"], row["denominator"]
        comparable = value * 100 / denominator if denominator else value
        rows.append(
            {"period": row["day"], "value": value, "denominator": denominator, "comparable": comparable}
        )
    return rows


def freshness(programme) -> dict:
    """Return when a programme's figures were last computed, whether that is stale, and whether a refresh waits."""
    [found] = freshness_of([_programme(programme)])
    return {key: found[key] for key in ("computed_at", "day", "stale", "pending")}


def freshness_of(programmes) -> list[dict]:
    """Return freshness() of each programme, with the programme itself, in one query."""
    programmes = list(programmes)
    latest = {
        row["pk"]: row
        for row in Programme.objects.filter(pk__in=[p.pk for p in programmes])
        .annotate(
            computed_at=Max("rollup_days__computed_at"),
            day=Max("rollup_days__day"),
            pending=Exists(RollupPending.objects.filter(programme=OuterRef("pk"))),
        )
        .values("pk", "computed_at", "day", "pending")
    }
    result = []
    for programme in programmes:
        row = latest.get(programme.pk) or {"computed_at": None, "day": None, "pending": False}
        computed_at = row["computed_at"]
        stale = (
            computed_at is None
            or row["day"] < timezone.localdate()
            or timezone.now() - computed_at > rollups.stale_after()
        )
        result.append(
            {
                "programme": programme,
                "computed_at": computed_at,
                "day": row["day"],
                "stale": stale,
                "pending": row["pending"],
            }
        )
    return result
