"""The national summary (/): every programme's headline, the map of the day, the league tables."""

from datetime import date

import rules
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from metrics import (
    charts,
    dashboard,
    headline,
    readers,
    staleness,
    task_rows,
    tilemap,
    trends,
)
from metrics.headline_since import headline_since
from metrics.numbers import percent_text
from metrics.views.base import LEAGUE_SIZE, DashboardMixin
from projects import selectors as project_selectors
from projects.choices import CENTRAL_KINDS, TaskStatus, UnitKind
from projects.models import Programme, Unit


class NationalSummaryView(DashboardMixin, TemplateView):
    template_name = "metrics/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The programmes, and the stored days of the headline's two and the panels' one, in one query each.
        every = {p.code: p for p in Programme.objects.select_related("lead_unit").order_by("start", "code")}
        code = self.request.GET.get("programme") or "DA06"
        shown = [every[c] for c in dict.fromkeys((*headline.HEADLINE_PROGRAMMES, code)) if c in every]
        readers.stored_days(shown, self.as_of)
        context.update(headline.national_headline(self.as_of, every))
        context["freshness"] = readers.freshness_of(context.get("programmes", {}).values())
        context["figures_stale"] = any(f["stale"] for f in context["freshness"])
        context["figures_pending"] = any(f["pending"] for f in context["freshness"])
        programmes = context["programmes"]
        links = {
            "da06_goals": self.url("metrics:goal_list", "DA06", achieved="yes"),
            "da06_tasks": self.url("metrics:task_list", "DA06", status=TaskStatus.DONE),
            "cds_central_tasks": self.url(
                "metrics:task_list", "CDS2022", scope="central", status=TaskStatus.DONE
            ),
            "cds_provinces": self.url(
                "metrics:unit_list", programme="CDS2022", kind=UnitKind.PROVINCE, all_done="yes"
            ),
        }
        context["figure_links"] = links
        latest = {f["programme"].pk: f["day"] for f in context["freshness"]}
        since = headline_since(programmes, self.as_of, latest) or {}
        context["since_day"] = since.get("day")
        context["since"] = {
            key: {"done": before.done, "total": before.total, "change": context[key].done - before.done}
            for key, before in since.items()
            if key != "day" and context.get(key) is not None
        }
        context["indicators"] = [
            {
                "indicator": item.indicator,
                "value": item.value,
                "reached": item.reached,
                "age": staleness.indicator_age(item.indicator, item.value, self.as_of),
                "url": self.url("metrics:indicator_detail", item.indicator.code),
            }
            for item in context.get("indicators", [])
        ]
        if connected := context.get("connected"):
            connected["url"] = self.url("metrics:indicator_detail", connected["indicator"].code)
        programme = every.get(code) or next(iter(programmes.values()), None)
        if programme is not None:
            context.update(programme_panels(self, programme))
        if rules.has_perm("projects.use_reviews", self.request.user):
            # A reviewer's home: how much awaits them, and for how long, above the figures.
            context["review_summary"] = project_selectors.review_queue_summary(self.request.user)
        return context


def programme_panels(view: DashboardMixin, programme: Programme, *, unit: Unit | None = None) -> dict:
    """The charts, league tables and map that the summary and a programme's page share."""
    as_of, language = view.as_of, view.language
    tasks = task_rows.task_rows(programme=programme, as_of=as_of)
    groups = task_rows.group_rows(tasks)
    trend = trends.trend(programme=programme, as_of=as_of, unit=unit)
    units = dashboard.unit_rows(programme=programme, as_of=as_of, kinds=(UnitKind.PROVINCE, *CENTRAL_KINDS))
    provinces = dashboard.league([row for row in units if row["kind"] == UnitKind.PROVINCE])
    central = dashboard.league([row for row in units if row["kind"] in CENTRAL_KINDS])
    for row in provinces + central:
        row["url"] = view.url("metrics:unit_detail", row["code"], programme=programme.code)
    return {
        "programme": programme,
        "tasks": tasks,
        "trend": trend,
        "trend_last": trend[-1] if trend else None,
        "trend_chart": view.chart("chart-trend", charts.completion_trend(trend, language=language)),
        "groups": groups,
        "groups_chart": view.chart("chart-groups", charts.completion_by_group(groups, language=language)),
        "province_league": provinces,
        "province_laggards": laggards(provinces),
        "central_league": central,
        "league_size": LEAGUE_SIZE,
        "province_league_url": view.url(
            "metrics:unit_list", programme=programme.code, kind=UnitKind.PROVINCE, sort="rank"
        ),
        "central_league_url": view.url(
            "metrics:unit_list", programme=programme.code, scope="central", sort="rank"
        ),
        "tiles": province_tiles(view, provinces, programme),
        "tile_grid": tilemap.grid_on(map_day(view, programme)),
        "map_day": map_day(view, programme),
        "tasks_url": view.url("metrics:task_list", programme.code),
    }


def map_day(view: DashboardMixin, programme: Programme | None) -> date:
    """The day whose map a page's figures are drawn on (a programme that ended stays on its last day's)."""
    return view.as_of if programme is None else project_selectors.map_day(programme, view.as_of)


def laggards(ranked: list[dict]) -> list[dict]:
    """The units that lag most, lowest first, out of a ranked league (none that the top ten already show)."""
    return list(reversed(ranked[max(LEAGUE_SIZE, len(ranked) - LEAGUE_SIZE) :]))


def province_tiles(view: DashboardMixin, rows: list[dict], programme: Programme | None = None) -> list:
    values = {}
    for row in rows:
        label = _("%(name)s: %(done)s of %(total)s done (%(percent)s%%)") % {
            "name": row["name"],
            "done": row["done"],
            "total": row["total"],
            "percent": _fmt_percent(row["percent"]),
        }
        values[row["code"]] = (row["name"], row["percent"], label)
    tiles = tilemap.tiles(values, on=map_day(view, programme))
    params = {"programme": programme.code} if programme else {}
    return [{"tile": tile, "url": view.url("metrics:unit_detail", tile.code, **params)} for tile in tiles]


def _fmt_percent(value) -> str:
    return percent_text(value, 0)[:-1] if value is not None else "—"
