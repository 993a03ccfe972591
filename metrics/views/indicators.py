"""The indicator pages: the list with the nation's values, and an indicator's series and ranking."""

from datetime import date

from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from metrics import (
    charts,
    indicator_figures,
    readers,
    staleness,
    tilemap,
)
from metrics.filters import (
    IndicatorFilterForm,
)
from metrics.models import Indicator
from metrics.numbers import percent_text
from metrics.selectors import target_reached
from metrics.tables import (
    IndicatorTable,
    RankingTable,
)
from metrics.views.base import DashboardTableMixin
from projects.choices import CENTRAL_KINDS, UnitKind
from projects.display import localized


class IndicatorListView(DashboardTableMixin, TemplateView):
    template_name = "metrics/indicator_list.html"
    table_class = IndicatorTable
    export_stem = "indicators"

    def get(self, request, *args, **kwargs):
        self.filter_form = IndicatorFilterForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        indicators = list(Indicator.objects.select_related("programme").order_by("display_order", "code"))
        values = indicator_figures.indicator_values(indicators, as_of=self.as_of)
        rows = []
        for indicator in indicators:
            value = values[indicator.pk]
            rows.append(
                {
                    "code": indicator.code,
                    "name": indicator_name(indicator),
                    "value": format_indicator_value(indicator, value),
                    "target": format_target(indicator, value),
                    "target_date": indicator.target_date,
                    "reached": None if indicator.target_value is None else target_reached(indicator, value),
                    "stale_since": staleness.indicator_age(indicator, value, self.as_of).since,
                }
            )
        return self.filter_form.filter(rows)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


def indicator_name(indicator: Indicator) -> str:
    return indicator.name_en if get_language() == "en" and indicator.name_en else indicator.name


def format_indicator_value(indicator: Indicator, value) -> str:
    from django.utils.formats import number_format

    if value.value is None:
        return "—"
    if value.denominator:
        return (
            f"{number_format(value.value, 0, force_grouping=True)}/{number_format(value.denominator, 0, force_grouping=True)}"
            f" ({percent_text(value.percent)})"
        )
    return (
        f"{number_format(value.value, 0, force_grouping=True)} {localized(indicator.unit_of_measure)}".strip()
    )


def format_target(indicator: Indicator, value) -> str:
    from django.utils.formats import number_format

    if indicator.target_value is None:
        return "—"
    if value.denominator or indicator.aggregation == "ratio":
        return percent_text(indicator.target_value)
    return number_format(indicator.target_value, 0, force_grouping=True)


RANKING_KINDS = {
    "province": (UnitKind.PROVINCE,),
    "central": CENTRAL_KINDS,
    "district": (UnitKind.DISTRICT,),
    "commune": (UnitKind.COMMUNE,),
    "enterprise": (UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM),
}


RANKING_TABS = ("province", "central", "enterprise")


def ranking_kinds(request, default: str = "province") -> tuple[str, tuple[str, ...]]:
    key = request.GET.get("kind") or default
    if key in RANKING_KINDS:
        return key, RANKING_KINDS[key]
    if key in UnitKind.values:
        return key, (key,)
    raise BadRequest(_("Unknown kind of unit."))


def period_from_request(request) -> date | None:
    raw = request.GET.get("period", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(_("Write the period as YYYY-MM-DD.")) from None


class IndicatorDetailView(DashboardTableMixin, TemplateView):
    template_name = "metrics/indicator_detail.html"
    table_class = RankingTable

    def get(self, request, *args, **kwargs):
        self.indicator = get_object_or_404(
            Indicator.objects.select_related("programme", "goal"), code=kwargs["code"]
        )
        self.export_stem = f"ranking-{self.indicator.code}"
        # The kinds of unit that have a value to rank: most indicators are reported for the whole
        # country only, and a tab that can only ever be empty is not offered.
        self.ranked_kinds = indicator_figures.indicator_unit_kinds(
            indicator=self.indicator,
            as_of=self.as_of,
            kinds={kind for key in RANKING_TABS for kind in RANKING_KINDS[key]},
        )
        self.ranked_tabs = [key for key in RANKING_TABS if self.ranked_kinds & set(RANKING_KINDS[key])]
        try:
            self.kind_key, self.kinds = ranking_kinds(
                request, default=self.ranked_tabs[0] if self.ranked_tabs else "province"
            )
            self.period = period_from_request(request)
        except BadRequest as error:
            return TemplateResponse(request, "bad_request.html", {"message": str(error)}, status=400)
        self.ranking = indicator_figures.indicator_ranking(
            indicator=self.indicator, as_of=self.as_of, kinds=self.kinds, period=self.period
        )
        return super().get(request, *args, **kwargs)

    def get_table_data(self):
        return self.ranking

    def get_table_kwargs(self):
        return {
            **super().get_table_kwargs(),
            "empty_text": _("No unit of this kind has a value of this indicator on this day."),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(indicator=self.indicator, **kwargs)
        context["national_only"] = not self.ranked_kinds
        country = readers.nation()
        value = indicator_figures.indicator_values([self.indicator], as_of=self.as_of)[self.indicator.pk]
        series = indicator_figures.indicator_series(indicator=self.indicator, unit=country, as_of=self.as_of)
        is_ratio = self.indicator.aggregation == "ratio"
        age = staleness.indicator_age(self.indicator, value, self.as_of)
        context.update(
            age=age,
            name=indicator_name(self.indicator),
            value=value,
            value_text=format_indicator_value(self.indicator, value),
            target_text=format_target(self.indicator, value),
            reached=target_reached(self.indicator, value),
            series=series,
            series_chart=self.chart(
                "chart-series",
                charts.indicator_series(
                    series,
                    name=indicator_name(self.indicator),
                    target=self.indicator.target_value,
                    language=self.language,
                    percent=is_ratio,
                    stale_since=age.since,
                ),
            ),
            is_ratio=is_ratio,
            kind_key=self.kind_key,
            kind_links=[
                {
                    "key": key,
                    "label": label,
                    "url": self.url("metrics:indicator_detail", self.indicator.code, kind=key),
                }
                for key, label in (
                    ("province", _("Provinces")),
                    ("central", _("Ministries and agencies")),
                    ("enterprise", _("Enterprises")),
                )
                if key in self.ranked_tabs or key == self.kind_key
            ],
        )
        if self.kind_key == "province" and self.ranking:
            values = {}
            top = max((r["comparable"] for r in self.ranking if r["comparable"] is not None), default=0) or 1
            for row in self.ranking:
                share = (
                    float(row["comparable"]) * 100 / float(top) if not is_ratio else float(row["comparable"])
                )
                values[row["code"]] = {
                    "code": row["code"],
                    "name": row["name"],
                    "percent": share,
                    "done": row["value"],
                    "total": row["denominator"] or "",
                }
            day = min(self.as_of, self.period) if self.period else self.as_of
            context["tiles"] = indicator_tiles(self, values.values(), is_ratio, on=day)
            context["tile_grid"] = tilemap.grid_on(day)
        return context


def indicator_tiles(view, rows, is_ratio: bool, *, on: date) -> list:
    from django.utils.formats import number_format

    values = {}
    for row in rows:
        shown = (
            percent_text(row["percent"]) if is_ratio else number_format(row["done"], 0, force_grouping=True)
        )
        values[row["code"]] = (row["name"], row["percent"], f"{row['name']}: {shown}")
    return [
        {"tile": tile, "url": view.url("metrics:unit_detail", tile.code)}
        for tile in tilemap.tiles(values, on=on)
    ]
