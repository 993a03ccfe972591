"""The read-only JSON API: the same figures as the pages, from the same reads, with the same visibility.

Each operation declares its parameters (metrics.api.params), its answer (metrics.api.schemas) and the
errors it can give (metrics.api.errors); ninja validates requests against them and writes the
OpenAPI description from them.
"""

from datetime import date
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router

from metrics import dashboard, indicator_figures, staleness
from metrics.api import params, schemas
from metrics.api.errors import error_descriptions, responses
from metrics.models import Indicator
from metrics.selectors import indicator_value, target_reached
from projects.choices import UnitKind
from projects.models import Programme, Unit
from projects.selectors import unit_for_code

router = Router()


def number(value):
    """Return a Decimal as an int when whole, else a float; None stays None."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _programme(code: str) -> Programme:
    programme = Programme.objects.select_related("lead_unit").filter(code=code).first()
    if programme is None:
        raise Http404(_("No programme has the code “%(code)s”.") % {"code": code})
    return programme


def _unit(code: str | None, *, as_of: date) -> Unit:
    """Return the unit a code names on the day asked (DESIGN.md), or the nation when no code is given."""
    if not code:
        unit = Unit.objects.filter(parent__isnull=True, kind=UnitKind.NATION).first()
    else:
        unit = unit_for_code(code, on=as_of)
    if unit is None:
        raise Http404(_("No unit has the code “%(code)s”.") % {"code": code})
    return unit


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise Http404(_("No indicator has the code “%(code)s”.") % {"code": code})
    return indicator


def _summary(*, programme: Programme, unit: Unit, as_of: date) -> dict:
    return dashboard.readers.programme_summary(programme=programme, unit=unit, as_of=as_of)


@router.get(
    "programmes/",
    response=responses(schemas.ProgrammeList, 401),
    openapi_extra=error_descriptions(401),
    url_name="api_programme_list",
    summary=gettext_lazy("List the programmes"),
)
def programme_list(request):
    programmes = Programme.objects.select_related("lead_unit").order_by("start", "code")
    return {
        "results": [
            {
                "code": p.code,
                "name": p.name,
                "short_name": p.short_name,
                "name_en": p.name_en,
                "decision": p.decision,
                "start": p.start,
                "end": p.end,
                "lead_unit": p.lead_unit.code,
                "summary": request.build_absolute_uri(
                    reverse("metrics:api_programme_summary", args=[p.code])
                ),
            }
            for p in programmes
        ]
    }


@router.get(
    "programmes/{code}/summary",
    response=responses(schemas.Summary, 400, 401, 404),
    openapi_extra=error_descriptions(400, 401, 404),
    url_name="api_programme_summary",
    summary=gettext_lazy("A programme's figures for a unit's subtree (default: the nation)"),
    description=gettext_lazy(
        "Verified figures count accepted reports only; 'reported' also counts reports awaiting review."
    ),
)
def programme_summary(
    request,
    code: params.ProgrammeCode,
    unit: params.UnitParam = None,
    as_of: params.AsOf = None,
):
    as_of = as_of or timezone.localdate()
    programme = _programme(code)
    return _summary(programme=programme, unit=_unit(unit, as_of=as_of), as_of=as_of)


@router.get(
    "units/{code}/summary",
    response=responses(schemas.Summary, 400, 401, 404),
    openapi_extra=error_descriptions(400, 401, 404),
    url_name="api_unit_summary",
    summary=gettext_lazy("A unit's subtree figures in a programme"),
    description=gettext_lazy(
        "Verified figures count accepted reports only; 'reported' also counts reports awaiting review."
    ),
)
def unit_summary(
    request,
    code: params.UnitCode,
    programme: params.ProgrammeParam = None,
    as_of: params.AsOf = None,
):
    as_of = as_of or timezone.localdate()
    unit = _unit(code, as_of=as_of)
    if programme:
        found = _programme(programme)
    else:
        found = Programme.objects.order_by("start", "code").first()
        if found is None:
            raise Http404(_("No programme."))
    return _summary(programme=found, unit=unit, as_of=as_of)


@router.get(
    "assignments",
    response=responses(schemas.AssignmentPage, 400, 401, 404),
    openapi_extra=error_descriptions(400, 401, 404),
    url_name="api_assignment_list",
    summary=gettext_lazy("Assignments with their status, 100 a page"),
)
def assignment_list(
    request,
    programme: params.ProgrammeParam = "DA06",
    unit: params.UnitParam = None,
    status: params.StatusParam = None,
    as_of: params.AsOf = None,
    page: params.PageParam = 1,
):
    from metrics.views.programmes import KnownCountPaginator

    as_of = as_of or timezone.localdate()
    found = _programme(programme)
    subtree = _unit(unit, as_of=as_of) if unit else None
    queryset = dashboard.programme_assignments(programme=found, as_of=as_of, unit=subtree)
    filters = {"unit": subtree.code if subtree else None, "status": status}
    if status:
        queryset = dashboard.with_status(queryset, status, as_of=as_of)
    # Ordered by the (task, unit) unique index, and counted by the rollups: a page of 500,000 rows
    # stops at its hundredth match and no query counts them all.
    count = dashboard.assignment_count(programme=found, as_of=as_of, params=filters)
    paginator = KnownCountPaginator(queryset.order_by("task_id", "unit_id"), params.PAGE_SIZE, count=count)
    if page > paginator.num_pages:
        raise Http404(_("No such page."))
    rows = paginator.page(page)
    return {
        "programme": found.code,
        "unit": subtree.code if subtree else None,
        "as_of": as_of,
        "count": paginator.count,
        "page": rows.number,
        "pages": paginator.num_pages,
        "results": [
            {
                "id": a.pk,
                "task": a.task.code,
                "task_title": a.task.title,
                "unit": a.unit.code,
                "unit_name": a.unit.name,
                "deadline": a.deadline,
                "status": a.status,
                "reported_status": a.reported_status,
                "percent": a.percent,
                "verified_on": a.verified_on,
            }
            for a in rows.object_list
        ],
    }


@router.get(
    "indicators/{code}/values",
    response=responses(schemas.IndicatorValues, 400, 401, 404),
    openapi_extra=error_descriptions(400, 401, 404),
    url_name="api_indicator_values",
    summary=gettext_lazy("An indicator's value for a unit (default: the nation), with its series"),
)
def indicator_values(
    request,
    code: params.IndicatorCode,
    unit: params.UnitParam = None,
    as_of: params.AsOf = None,
):
    as_of = as_of or timezone.localdate()
    indicator = _indicator(code)
    found = _unit(unit, as_of=as_of)
    if found.parent_id is None:  # the nation: read from the rollups
        value = indicator_figures.indicator_values([indicator], as_of=as_of)[indicator.pk]
    else:
        value = indicator_value(indicator=indicator, unit=found, as_of=as_of)
    series = indicator_figures.indicator_series(indicator=indicator, unit=found, as_of=as_of)
    return {
        "indicator": indicator.code,
        "unit": found.code,
        "as_of": as_of,
        "value": number(value.value),
        "denominator": number(value.denominator),
        "percent": number(value.percent),
        "period": value.period,
        "target": number(indicator.target_value),
        "target_date": indicator.target_date,
        "reached": target_reached(indicator, value),
        **staleness.indicator_age(indicator, value, as_of).as_dict(),
        "series": [
            {"period": r["period"], "value": number(r["value"]), "denominator": number(r["denominator"])}
            for r in series
        ],
    }


@router.get(
    "indicators/{code}/ranking",
    response=responses(schemas.Ranking, 400, 401, 404),
    openapi_extra=error_descriptions(400, 401, 404),
    url_name="api_indicator_ranking",
    summary=gettext_lazy(
        "Units ranked by their latest value in the indicator's direction; ties share a rank (1, 2, 2, 4)"
    ),
)
def indicator_ranking(
    request,
    code: params.IndicatorCode,
    kind: params.KindParam = "province",
    period: params.PeriodParam = None,
    as_of: params.AsOf = None,
):
    as_of = as_of or timezone.localdate()
    indicator = _indicator(code)
    kinds = params.RANKING_KINDS.get(kind, (kind,))
    rows = indicator_figures.indicator_ranking(indicator=indicator, as_of=as_of, kinds=kinds, period=period)
    return {
        "indicator": indicator.code,
        "kind": kind,
        "period": period,
        "as_of": as_of,
        "direction": indicator.direction,
        "results": [
            {
                "rank": r["rank"],
                "unit": r["code"],
                "name": r["name"],
                "value": number(r["value"]),
                "denominator": number(r["denominator"]),
                "percent": number(r["percent"]),
                "period": r["period"],
            }
            for r in rows
        ],
    }
