"""Early warnings: what is about to slip, read from the same figures the pages show.

Four rules, each a function that returns a Warning (a count, the first rows, and where its rows are):

- **due soon, no progress**: assignments whose deadline falls within the next 30 days (as_of ≤ deadline ≤
  as_of + 30; a deadline of as_of itself is not yet overdue) and that no report, accepted or awaiting
  review, has moved beyond "not started".
- **behind pace**: units whose pace over the last 90 days will not finish their assigned work by the deadline.
  The projection is linear on the share done: the share done 90 days ago (the stored day nearest to it,
  between 60 and 180 days back, when there is one) and now give a rate per day; the share projected at the deadline is
  share now + rate × days left. The deadline is the programme's latest task deadline. A unit is behind
  pace when that projection is below 100 %. Units already done, or with nothing assigned, are never
  behind; a deadline already passed is what "overdue" says, not a projection.
- **stale indicators**: the programme's indicators whose national value is older than their reporting
  period (metrics.staleness).
- **reported ahead of verified**: units whose reported-done share runs at least 20 points (and two
  assignments) ahead of their verified share; and units whose accepted reports are often reversed
  (withdrawn after being accepted): at least 3, and at least 10 % of those accepted, in the last 365 days.

Units are compared with their peers: below the nation, the provinces and central bodies; below a unit,
its children. ``url(viewname, *args, **params)`` builds links, keeping the page's as-of day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy as _

from metrics import dashboard, figure_cache, readers, staleness
from metrics.models import RollupDay
from projects.choices import CENTRAL_KINDS, AssignmentStatus, ReviewState, UnitKind
from projects.models import Assignment, Programme, Report, Task, Unit

DUE_DAYS = 30
PACE_DAYS = 90
BASELINE_NEAREST = 60
BASELINE_FARTHEST = 180
GAP_POINTS = 20
GAP_MIN = 2
REVERSAL_DAYS = 365
REVERSAL_MIN = 3
REVERSAL_SHARE = 0.10
SHOWN = 5


@dataclass
class EarlyWarning:
    rule: str
    title: str
    count: int
    url: str
    rows: list[dict] = field(default_factory=list)


def projected_share(*, share_then: float, share_now: float, elapsed_days: int, days_left: int) -> float:
    """Return the share done projected at the deadline, linear on the pace between two days."""
    rate = (share_now - share_then) / elapsed_days if elapsed_days > 0 else 0.0
    return share_now + rate * max(days_left, 0)


def will_finish(*, share_then: float, share_now: float, elapsed_days: int, days_left: int) -> bool:
    """Whether the pace reaches the whole of the assigned work by the deadline."""
    if share_now >= 1:
        return True
    projected = projected_share(
        share_then=share_then, share_now=share_now, elapsed_days=elapsed_days, days_left=days_left
    )
    return projected >= 1 - 1e-9


def peer_rows(*, programme: Programme, as_of: date, unit: Unit) -> list[dict]:
    """The units a warning compares: the nation's provinces and central bodies, or a unit's children."""
    if unit.parent_id is None:
        return dashboard.unit_rows(
            programme=programme, as_of=as_of, kinds=(UnitKind.PROVINCE, *CENTRAL_KINDS)
        )
    return dashboard.unit_rows(programme=programme, as_of=as_of, parent=unit)


def _due_soon_found(*, programme: Programme, as_of: date, until: date, scope: Unit | None):
    """(count, first SHOWN as (task code, unit name, deadline)) of the assignments due soon, no progress.

    The programme's assignments are named by their tasks' ids, not joined through the task: with the join
    PostgreSQL scans every assignment of every programme for the deadline range (there is no index on the
    deadline; at scale 1, 165 ms for Đề án 06's few hundred), by id it reads only the programme's own
    rows through the task index (0.3 ms).
    """
    tasks = list(Task.objects.filter(programme=programme).values_list("pk", flat=True))
    queryset = Assignment.objects.filter(task_id__in=tasks, deadline__gte=as_of, deadline__lte=until)
    if scope is not None:
        queryset = queryset.filter(unit__path__startswith=scope.path)
    found = dashboard.assignments_as_of(as_of=as_of, queryset=queryset.select_related("task", "unit")).filter(
        reported_status=AssignmentStatus.NOT_STARTED
    )
    shown = [
        (a.task.code, a.unit.display_name, a.deadline)
        for a in found.order_by("deadline", "task__code", "unit__path")[:SHOWN]
    ]
    return (found.count() if shown else 0), shown


def due_soon(*, programme: Programme, as_of: date, unit: Unit, url) -> EarlyWarning:
    """Assignments due within DUE_DAYS with no report of progress."""
    until = as_of + timedelta(days=DUE_DAYS)
    scope = None if unit.parent_id is None else unit
    # Kept under the data's generation: the national programme's scan of its 490k assignments is read
    # once per change, not once per brief.
    count, shown = figure_cache.remember(
        programme,
        as_of,
        ("early_warnings.due_soon", unit.pk),
        lambda: _due_soon_found(programme=programme, as_of=as_of, until=until, scope=scope),
    )
    rows = [
        {
            "label": f"{task_code} · {unit_name}",
            "detail": deadline,
            "url": url("metrics:task_detail", programme.code, task_code),
        }
        for task_code, unit_name, deadline in shown
    ]
    params = {"reported_status": AssignmentStatus.NOT_STARTED, "due_after": as_of, "due_before": until}
    if scope is not None:
        params["unit"] = unit.code
    return EarlyWarning(
        "due_soon",
        _("Due within 30 days, no progress reported"),
        count,
        url("metrics:assignment_list", programme.code, **params),
        rows,
    )


def work_deadline(programme: Programme) -> date | None:
    """The deadline the pace is projected to: the programme's latest task deadline."""
    return Task.objects.filter(programme=programme).aggregate(last=Max("deadline"))["last"]


def baseline_day(programme: Programme, as_of: date) -> date:
    """The day the pace is measured from: the stored day nearest PACE_DAYS before as_of, among those between
    60 and 180 days before (read, not counted: history is stored weekly); PACE_DAYS before when none is."""
    target = as_of - timedelta(days=PACE_DAYS)
    stored = list(
        RollupDay.objects.filter(
            programme=programme,
            day__lte=as_of - timedelta(days=BASELINE_NEAREST),
            day__gte=as_of - timedelta(days=BASELINE_FARTHEST),
            stale=False,
        )
        .filter(Q(max_depth__isnull=True) | Q(max_depth__gte=1))
        .values_list("day", flat=True)
    )
    return min(stored, key=lambda day: (abs((day - target).days), day)) if stored else target


def behind_pace(
    *, programme: Programme, as_of: date, unit: Unit, url, rows_now: list[dict] | None = None
) -> EarlyWarning:
    """Units whose pace over the last PACE_DAYS will not finish their work by the deadline."""
    deadline = work_deadline(programme)
    title = _("Behind pace: will not finish by the deadline at the pace of the last 90 days")
    list_url = url("metrics:unit_list", programme=programme.code, sort="percent")
    if deadline is None or deadline <= as_of:
        return EarlyWarning("behind_pace", title, 0, list_url)
    then = baseline_day(programme, as_of)
    now_rows = rows_now if rows_now is not None else peer_rows(programme=programme, as_of=as_of, unit=unit)
    then_rows = {row["code"]: row for row in peer_rows(programme=programme, as_of=then, unit=unit)}
    behind = []
    for row in now_rows:
        if not row["total"] or row["done"] >= row["total"]:
            continue
        before = then_rows.get(row["code"])
        share_then = before["done"] / before["total"] if before and before["total"] else 0.0
        share_now = row["done"] / row["total"]
        elapsed, left = (as_of - then).days, (deadline - as_of).days
        if will_finish(share_then=share_then, share_now=share_now, elapsed_days=elapsed, days_left=left):
            continue
        projected = projected_share(
            share_then=share_then, share_now=share_now, elapsed_days=elapsed, days_left=left
        )
        behind.append((projected, row))
    behind.sort(key=lambda item: (item[0], item[1]["code"]))
    rows = [
        {
            "label": row["short_name"],
            "detail": _("%(now)s%% done, %(projected)s%% projected by %(deadline)s")
            % {
                "now": round(100 * row["done"] / row["total"]),
                "projected": max(0, round(100 * projected)),
                "deadline": deadline.strftime("%d/%m/%Y"),
            },
            "url": url("metrics:unit_detail", row["code"], programme=programme.code),
            "code": row["code"],
        }
        for projected, row in behind
    ]
    return EarlyWarning("behind_pace", title, len(rows), list_url, rows[:SHOWN])


def stale_indicators(*, programme: Programme, as_of: date, url) -> EarlyWarning:
    """The programme's indicators whose national value is older than their reporting period."""
    day = readers.stored_day(programme, as_of)
    indicators = day.indicators()
    values = day.indicator_values(indicators, nation_only=True)
    rows = []
    for indicator in indicators:
        age = staleness.indicator_age(indicator, values.get(indicator.pk) or {}, as_of)
        if age.stale:
            rows.append(
                {
                    "label": indicator.code,
                    "detail": _("stale since %(day)s") % {"day": age.since.strftime("%d/%m/%Y")},
                    "url": url("metrics:indicator_detail", indicator.code),
                    "since": age.since,
                }
            )
    return EarlyWarning(
        "stale_indicators",
        _("Indicators with no value within their reporting period"),
        len(rows),
        url("metrics:indicator_list"),
        rows[:SHOWN],
    )


def reported_ahead(*, programme: Programme, as_of: date, unit: Unit, url, rows_now=None) -> EarlyWarning:
    """Units whose reported figures run far ahead of what was verified."""
    rows_now = rows_now if rows_now is not None else peer_rows(programme=programme, as_of=as_of, unit=unit)
    ahead = []
    for row in rows_now:
        gap = row["reported_done"] - row["done"]
        if row["total"] and gap >= GAP_MIN and 100 * gap / row["total"] >= GAP_POINTS:
            ahead.append((gap / row["total"], row))
    ahead.sort(key=lambda item: (-item[0], item[1]["code"]))
    rows = [
        {
            "label": row["short_name"],
            "detail": _("%(reported)s reported done, %(verified)s verified, of %(total)s")
            % {"reported": row["reported_done"], "verified": row["done"], "total": row["total"]},
            "url": url("metrics:assignment_list", programme.code, unit=row["code"], done="no"),
            "code": row["code"],
        }
        for _share, row in ahead
    ]
    return EarlyWarning(
        "reported_ahead",
        _("Reported far ahead of verified"),
        len(rows),
        url("metrics:unit_list", programme=programme.code),
        rows[:SHOWN],
    )


def often_reversed(*, programme: Programme, as_of: date, unit: Unit, url) -> EarlyWarning:
    """Units whose accepted reports were often withdrawn afterwards, in the last REVERSAL_DAYS.

    The withdrawn reports of the window are few: they are read first, and the report history is asked
    only whether those were accepted before, so the history of every report is never scanned.
    """
    since = as_of - timedelta(days=REVERSAL_DAYS)
    window = {
        "programme": programme,
        "assignment__unit__path__startswith": unit.path,
        "effective_date__gt": since,
        "effective_date__lte": as_of,
    }
    # Kept under the data's generation: the withdrawn reports lie all over the report table (at scale 1,
    # 40k of them on 22k pages, 300 ms to filter by their effective date), and change only with the data.
    withdrawn = figure_cache.remember(
        programme,
        as_of,
        ("early_warnings.withdrawn", unit.path),
        lambda: dict(
            Report.objects.filter(
                review_state=ReviewState.WITHDRAWN, assignment__isnull=False, **window
            ).values_list("pk", "assignment__unit__path")
        ),
    )
    if not withdrawn:
        return EarlyWarning(
            "often_reversed",
            _("Accepted reports often reversed"),
            0,
            url("metrics:unit_list", programme=programme.code),
        )
    accepted_before = set(
        Report.history.filter(id__in=list(withdrawn), review_state=ReviewState.ACCEPTED).values_list(
            "id", flat=True
        )
    )
    depth = unit.path.count("/") + 1
    by_unit: dict[str, int] = {}
    for pk in accepted_before:
        owner = "/".join(withdrawn[pk].split("/")[:depth]) + "/"
        by_unit[owner] = by_unit.get(owner, 0) + 1
    candidates = {path: n for path, n in by_unit.items() if n >= REVERSAL_MIN}
    rows = []
    units = {u.path: u for u in Unit.objects.filter(path__in=candidates)} if candidates else {}
    for path, reversed_count in sorted(candidates.items()):
        still_accepted = Report.objects.filter(
            review_state=ReviewState.ACCEPTED, **{**window, "assignment__unit__path__startswith": path}
        ).aggregate(n=Count("pk"))["n"]
        accepted = still_accepted + reversed_count
        owner = units.get(path)
        if owner is None or reversed_count / accepted < REVERSAL_SHARE:
            continue
        rows.append(
            {
                "label": owner.display_name,
                "detail": _("%(reversed)s of %(accepted)s accepted reports withdrawn")
                % {"reversed": reversed_count, "accepted": accepted},
                "url": url("metrics:unit_detail", owner.code, programme=programme.code),
                "code": owner.code,
            }
        )
    return EarlyWarning(
        "often_reversed",
        _("Accepted reports often reversed"),
        len(rows),
        url("metrics:unit_list", programme=programme.code),
        rows[:SHOWN],
    )


def early_warnings(
    *, programme: Programme, as_of: date, unit: Unit, url, rows_now=None
) -> list[EarlyWarning]:
    """Every early warning of a programme for a unit's subtree (the nation's when unit is the nation)."""
    rows_now = rows_now if rows_now is not None else peer_rows(programme=programme, as_of=as_of, unit=unit)
    return [
        due_soon(programme=programme, as_of=as_of, unit=unit, url=url),
        behind_pace(programme=programme, as_of=as_of, unit=unit, url=url, rows_now=rows_now),
        stale_indicators(programme=programme, as_of=as_of, url=url),
        reported_ahead(programme=programme, as_of=as_of, unit=unit, url=url, rows_now=rows_now),
        often_reversed(programme=programme, as_of=as_of, unit=unit, url=url),
    ]
