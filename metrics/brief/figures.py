"""The figures of the one-page brief, read through the pages' read path (metrics.readers, metrics.dashboard).

Nothing here counts a figure a second way: the headline comes from metrics.headline.national_headline (the nation's
brief) or readers.programme_summary (a programme's, for the nation or a unit), as the summary page and the
API read them; the trend, the league and the tasks from metrics.dashboard; the warnings from
metrics.early_warnings. Each figure is read for the day of the brief and for the day it is compared with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from metrics import dashboard, early_warnings, headline, readers, staleness, task_rows, trends
from metrics.models import RollupDay
from metrics.staleness import add_months
from projects.choices import TaskStatus, UnitKind
from projects.models import Programme, Unit

LEAGUE_SIZE = 10
OVERDUE_ROWS = 6
COMPARISONS = ("month", "quarter", "date")


@dataclass(frozen=True)
class Headline:
    """A headline figure on a day, with the same figure on the day compared with."""

    key: str
    label: str
    done: int
    total: int
    reported: int
    before_done: int | None
    before_total: int | None
    basis: str
    url: str

    @property
    def percent(self) -> float | None:
        return 100 * self.done / self.total if self.total else None

    @property
    def change(self) -> int | None:
        return None if self.before_done is None else self.done - self.before_done

    @property
    def bar(self):
        """The figure as a bar: verified done, then reported beyond it (vector SVG)."""
        from metrics.brief.svg import share_bar

        return share_bar(self.done, self.reported, self.total)

    @property
    def long(self) -> bool:
        """Whether done/total is too long to be set at full size in a quarter of the page (from 10,000
        assignments up, as a national programme's are: 292.747/492.351)."""
        return self.total >= 10_000

    @property
    def gap(self) -> int:
        """Reported-but-unverified beyond the verified figure."""
        return self.reported - self.done


def compared_day(as_of: date, compare: str, since: date | None, programmes=()) -> date:
    """The day a brief compares with: a chosen earlier day exactly; else a month or a quarter before, read
    from the stored day nearest to it (one within a week when there is one, else the nearest stored before
    as_of), so that a brief reads its change rather than counting a whole day afresh; the exact day,
    counted, only when no day is stored. The page names the day either way."""
    if compare == "date" and since is not None and since < as_of:
        return since
    target = add_months(as_of, -3 if compare == "quarter" else -1)
    if not programmes:
        return target
    stored = RollupDay.objects.filter(programme__in=list(programmes), day__lt=as_of, stale=False)
    nearest = [
        stored.filter(day__lte=target).order_by("-day").values_list("day", flat=True).first(),
        stored.filter(day__gt=target).order_by("day").values_list("day", flat=True).first(),
    ]
    nearest = [day for day in nearest if day is not None]
    if not nearest:
        return target
    return min(nearest, key=lambda day: (abs((day - target).days), day))


def main_programme(code: str | None = None) -> Programme | None:
    """The programme a brief is about: the one named, else Đề án 06, else the first by start."""
    programmes = Programme.objects.select_related("lead_unit")
    if code:
        return programmes.filter(code=code).first()
    return programmes.filter(code="DA06").first() or programmes.order_by("start", "code").first()


def _figure(key, label, figure, before, basis, url) -> Headline:
    return Headline(
        key,
        label,
        figure.done,
        figure.total,
        figure.reported,
        before.done if before else None,
        before.total if before else None,
        basis,
        url,
    )


def national_headlines(as_of: date, before: date, url) -> list[Headline]:
    """The national summary's headline figures (as on `/`), each beside its value on the day compared."""
    now, then = headline.national_headline(as_of), headline.national_headline(before)
    basis_tasks = _("accepted reports effective by the day; a task is done when all its units are")
    specs = [
        ("da06_goals", _("Đề án 06: goals achieved"), _("accepted assessments or indicators at target"),
         url("metrics:goal_list", "DA06", achieved="yes")),
        ("da06_tasks", _("Đề án 06: tasks done"), basis_tasks,
         url("metrics:task_list", "DA06", status=TaskStatus.DONE)),
        ("cds_central_tasks", _("DX 2022: central bodies' tasks done"), basis_tasks,
         url("metrics:task_list", "CDS2022", scope="central", status=TaskStatus.DONE)),
        ("cds_provinces", _("DX 2022: localities with every task done"),
         _("provinces whose every assignment is done, of those assigned any"),
         url("metrics:unit_list", programme="CDS2022", kind=UnitKind.PROVINCE, all_done="yes")),
    ]  # fmt: skip
    return [
        _figure(key, label, now[key], then.get(key), basis, link)
        for key, label, basis, link in specs
        if now.get(key) is not None
    ]


class _Count:
    """A (done, total, reported) triple in the shape of metrics.summary.Figure."""

    def __init__(self, done, total, reported):
        self.done, self.total, self.reported = done, total, reported


def programme_headlines(programme: Programme, unit: Unit, as_of: date, before: date, url) -> list[Headline]:
    """A programme's headline figures for a unit's subtree (readers.programme_summary, as the API gives)."""
    now = readers.programme_summary(programme=programme, unit=unit, as_of=as_of)
    then = readers.programme_summary(programme=programme, unit=unit, as_of=before)
    code = programme.code
    unit_param = {} if unit.parent_id is None else {"unit": unit.code}

    def done(block):
        assignments = block["assignments"]
        return assignments["done_on_time"] + assignments["done_late"]

    rows = []
    if unit.parent_id is None:
        rows.append(
            (
                "goals",
                _("Goals achieved"),
                *(_Count(s["goals"]["achieved"], s["goals"]["total"], s["reported"]["goals"]["achieved"])
                  for s in (now, then)),
                _("accepted assessments or indicators at target"),
                url("metrics:goal_list", code, achieved="yes"),
            )
        )  # fmt: skip
    rows += [
        (
            "tasks",
            _("Tasks done"),
            *(
                _Count(s["tasks"]["done"], s["tasks"]["total"], s["reported"]["tasks"]["done"])
                for s in (now, then)
            ),
            _("accepted reports effective by the day; a task is done when all its units are"),
            url("metrics:task_list", code, status=TaskStatus.DONE),
        ),
        (
            "assignments",
            _("Assignments done"),
            *(_Count(done(s), s["assignments"]["total"], done(s["reported"])) for s in (now, then)),
            _("one task given to one unit; done on time or late"),
            url("metrics:assignment_list", code, done="yes", **unit_param),
        ),
        (
            "overdue",
            _("Assignments overdue"),
            *(
                _Count(
                    s["assignments"]["overdue"],
                    s["assignments"]["total"],
                    s["reported"]["assignments"]["overdue"],
                )
                for s in (now, then)
            ),
            _("not done and past their deadline (fewer is better)"),
            url("metrics:assignment_list", code, status="overdue", **unit_param),
        ),
    ]
    return [_figure(key, label, figure, before_figure, basis, link)
            for key, label, figure, before_figure, basis, link in rows]  # fmt: skip


def league(rows: list[dict], url, programme: Programme) -> tuple[list[dict], list[dict]]:
    """The ten units that lead and the ten that lag, ranked fairly (share of their own work done)."""
    ranked = dashboard.league([dict(row) for row in rows])
    for row in ranked:
        row["url"] = url("metrics:unit_detail", row["code"], programme=programme.code)
    leaders = ranked[:LEAGUE_SIZE]
    laggards = list(reversed(ranked[max(LEAGUE_SIZE, len(ranked) - LEAGUE_SIZE) :]))
    return leaders, laggards


def overdue_by_lead_unit(tasks: list[dict], url, programme: Programme) -> list[dict]:
    """Tasks with overdue assignments, grouped by the task's lead unit (chủ trì), most overdue first."""
    groups: dict = defaultdict(lambda: {"tasks": 0, "overdue": 0})
    for row in tasks:
        if row["overdue"]:
            entry = groups[row["lead_unit"] or "—"]
            entry["tasks"] += 1
            entry["overdue"] += row["overdue"]
    ordered = sorted(groups.items(), key=lambda item: (-item[1]["tasks"], -item[1]["overdue"], item[0]))
    return [
        {
            "lead_unit": lead,
            **counts,
            "url": url(
                "metrics:task_list", programme.code, status=TaskStatus.OVERDUE, q="" if lead == "—" else lead
            ),
        }
        for lead, counts in ordered[:OVERDUE_ROWS]
    ]


def trend_to(programme: Programme, unit: Unit, as_of: date) -> list[dict]:
    """The dashboard's trend, which ends on the brief's own day (metrics.trends reads that day through the
    reader of any day when it is not stored)."""
    return trends.trend(programme=programme, as_of=as_of, unit=None if unit.parent_id is None else unit)


def brief(*, programme: Programme | None, unit: Unit, as_of: date, before: date, url, national: bool) -> dict:
    """Everything the brief shows: headline figures with their change, trend, league, overdue, warnings."""
    programme = programme or main_programme()
    headlines = (
        national_headlines(as_of, before, url)
        if national
        else programme_headlines(programme, unit, as_of, before, url)
    )
    result: dict = {
        "headlines": headlines,
        "programme": programme,
        "unit": unit,
        "as_of": as_of,
        "before": before,
    }
    if programme is None:
        return result
    scope = None if unit.parent_id is None else unit
    day = readers.stored_day(programme, as_of)
    peers = early_warnings.peer_rows(programme=programme, as_of=as_of, unit=unit)
    if unit.parent_id is None:
        league_rows = [row for row in peers if row["kind"] == UnitKind.PROVINCE]
    else:
        league_rows = peers
    leaders, laggards = league(league_rows, url, programme)
    tasks = task_rows.task_rows(programme=programme, as_of=as_of, unit=scope)
    indicators = day.indicators()
    values = day.indicator_values(indicators, nation_only=True)
    result.update(
        computed_at=day.computed_at,
        trend=trend_to(programme, unit, as_of),
        leaders=leaders,
        laggards=laggards,
        league_kind=_("provinces") if unit.parent_id is None else _("units directly below"),
        overdue=overdue_by_lead_unit(tasks, url, programme),
        overdue_url=url("metrics:task_list", programme.code, status=TaskStatus.OVERDUE),
        warnings=early_warnings.early_warnings(
            programme=programme, as_of=as_of, unit=unit, url=url, rows_now=peers
        ),
        indicators=[
            {
                "indicator": indicator,
                "value": readers.rollups.indicator_value_of(values.get(indicator.pk)),
                "age": staleness.indicator_age(indicator, values.get(indicator.pk) or {}, as_of),
                "url": url("metrics:indicator_detail", indicator.code),
            }
            for indicator in indicators
        ],
    )
    return result
