"""The read-only JSON API: the same figures as the pages, from the same reads, with the same visibility.

The OpenAPI description is written by hand below: the API is six GET endpoints, and a framework for
them (django-ninja, DRF) would add a dependency and a second way of declaring views for no gain.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from metrics import dashboard, staleness
from metrics.models import Indicator
from metrics.selectors import indicator_value, target_reached
from projects import selectors as project_selectors
from projects.as_of import as_of_from_request
from projects.choices import AssignmentStatus, UnitKind
from projects.models import Programme, Unit

PAGE_SIZE = 100


def api_view(view):
    """Answer JSON errors (400, 401, 404) the way the pages answer HTML ones."""

    @require_GET
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.TIENDO_PUBLIC and not request.user.is_authenticated:
            return JsonResponse({"detail": "Authentication required."}, status=401)
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return JsonResponse({"detail": str(error)}, status=400)
        except Http404 as error:
            return JsonResponse({"detail": str(error) or "Not found."}, status=404)

    return wrapper


def number(value):
    """Return a Decimal as an int when whole, else a float; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def summary(*, programme: Programme, unit: Unit, as_of: date) -> dict:
    """Return the summary of the design's API: verified figures, and the reported view beside them."""
    reader = getattr(dashboard.readers, "programme_summary", None)
    if reader is not None:
        result = reader(programme=programme, unit=unit, as_of=as_of)
    else:
        from metrics.selectors import programme_summary

        result = programme_summary(programme=programme, unit=unit, as_of=as_of)
        result = {
            "programme": result["programme"],
            "unit": result["unit"],
            "as_of": result["as_of"],
            "computed_at": timezone.now().isoformat(),
            **{k: result[k] for k in ("goals", "tasks", "assignments", "reported")},
        }
    computed_at = result.get("computed_at")
    if hasattr(computed_at, "isoformat"):
        result["computed_at"] = computed_at.isoformat()
    if hasattr(result.get("as_of"), "isoformat"):
        result["as_of"] = result["as_of"].isoformat()
    return result


def _unit(code: str | None, *, as_of: date) -> Unit:
    """Return the unit a code names on the day asked for (an ended unit for a later day: unit_for_code)."""
    if not code:
        return get_object_or_404(Unit, parent__isnull=True, kind=UnitKind.NATION)
    unit = project_selectors.unit_for_code(code, on=as_of)
    if unit is None:
        raise Http404("No such unit.")
    return unit


@api_view
def programme_list(request):
    programmes = Programme.objects.select_related("lead_unit").order_by("start", "code")
    return JsonResponse(
        {
            "results": [
                {
                    "code": p.code,
                    "name": p.name,
                    "short_name": p.short_name,
                    "name_en": p.name_en,
                    "decision": p.decision,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat() if p.end else None,
                    "lead_unit": p.lead_unit.code,
                    "summary": request.build_absolute_uri(
                        reverse("metrics:api_programme_summary", args=[p.code])
                    ),
                }
                for p in programmes
            ]
        }
    )


@api_view
def programme_summary(request, code):
    programme = get_object_or_404(Programme, code=code)
    as_of = as_of_from_request(request)
    return JsonResponse(
        summary(programme=programme, unit=_unit(request.GET.get("unit"), as_of=as_of), as_of=as_of)
    )


@api_view
def unit_summary(request, code):
    unit = _unit(code, as_of=as_of_from_request(request))
    programme_code = request.GET.get("programme")
    if not programme_code:
        programme = Programme.objects.order_by("start", "code").first()
        if programme is None:
            raise Http404("No programme.")
    else:
        programme = get_object_or_404(Programme, code=programme_code)
    as_of = as_of_from_request(request)
    return JsonResponse(summary(programme=programme, unit=unit, as_of=as_of))


@api_view
def assignment_list(request):
    as_of = as_of_from_request(request)
    programme = get_object_or_404(Programme, code=request.GET.get("programme") or "DA06")
    unit = _unit(request.GET.get("unit"), as_of=as_of) if request.GET.get("unit") else None
    queryset = dashboard.programme_assignments(programme=programme, as_of=as_of, unit=unit)
    if status := request.GET.get("status"):
        if status not in AssignmentStatus.values:
            raise BadRequest(f"Unknown status {status!r}; one of {', '.join(AssignmentStatus.values)}.")
        queryset = queryset.filter(status=status)
    # Ordered by the (task, unit) unique index, and counted by the rollups: a page of 500,000 rows
    # stops at its hundredth match and no query counts them all.
    from metrics.views import KnownCountPaginator

    count = dashboard.assignment_count(programme=programme, as_of=as_of, params=request.GET)
    paginator = KnownCountPaginator(queryset.order_by("task_id", "unit_id"), PAGE_SIZE, count=count)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, ValueError):
        raise Http404("No such page.") from None
    return JsonResponse(
        {
            "programme": programme.code,
            "unit": unit.code if unit else None,
            "as_of": as_of.isoformat(),
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [
                {
                    "id": a.pk,
                    "task": a.task.code,
                    "task_title": a.task.title,
                    "unit": a.unit.code,
                    "unit_name": a.unit.name,
                    "deadline": a.deadline.isoformat() if a.deadline else None,
                    "status": a.status,
                    "reported_status": a.reported_status,
                    "percent": a.percent,
                    "verified_on": a.verified_on.isoformat() if a.verified_on else None,
                }
                for a in page.object_list
            ],
        }
    )


@api_view
def indicator_values(request, code):
    indicator = get_object_or_404(Indicator, code=code)
    as_of = as_of_from_request(request)
    unit = _unit(request.GET.get("unit"), as_of=as_of)
    if unit.parent_id is None:  # the nation: read from the rollups
        value = dashboard.indicator_values([indicator], as_of=as_of)[indicator.pk]
    else:
        value = indicator_value(indicator=indicator, unit=unit, as_of=as_of)
    series = dashboard.indicator_series(indicator=indicator, unit=unit, as_of=as_of)
    return JsonResponse(
        {
            "indicator": indicator.code,
            "unit": unit.code,
            "as_of": as_of.isoformat(),
            "value": number(value.value),
            "denominator": number(value.denominator),
            "percent": number(value.percent),
            "period": value.period.isoformat() if value.period else None,
            "target": number(indicator.target_value),
            "target_date": indicator.target_date.isoformat() if indicator.target_date else None,
            "reached": target_reached(indicator, value),
            **staleness.indicator_age(indicator, value, as_of).as_dict(),
            "series": [
                {
                    "period": row["period"].isoformat(),
                    "value": number(row["value"]),
                    "denominator": number(row["denominator"]),
                }
                for row in series
            ],
        }
    )


@api_view
def indicator_ranking(request, code):
    from metrics.views import period_from_request, ranking_kinds

    indicator = get_object_or_404(Indicator, code=code)
    as_of = as_of_from_request(request)
    kind, kinds = ranking_kinds(request)
    period = period_from_request(request)
    rows = dashboard.indicator_ranking(indicator=indicator, as_of=as_of, kinds=kinds, period=period)
    return JsonResponse(
        {
            "indicator": indicator.code,
            "kind": kind,
            "period": period.isoformat() if period else None,
            "as_of": as_of.isoformat(),
            "direction": indicator.direction,
            "results": [
                {
                    "rank": row["rank"],
                    "unit": row["code"],
                    "name": row["name"],
                    "value": number(row["value"]),
                    "denominator": number(row["denominator"]),
                    "percent": number(row["percent"]),
                    "period": row["period"].isoformat(),
                }
                for row in rows
            ],
        }
    )


# The OpenAPI description ---------------------------------------------------------------------------------

_DATE = {"type": "string", "format": "date", "example": "2022-12-25"}
_AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "schema": _DATE,
    "description": "Figures as of this date (default: today).",
}
_COUNTS = {
    "type": "object",
    "properties": {key: {"type": "integer"} for key in ["total", *AssignmentStatus.values]},
}
_FIGURES = {
    "type": "object",
    "properties": {
        "goals": {
            "type": "object",
            "properties": {"achieved": {"type": "integer"}, "total": {"type": "integer"}},
        },
        "tasks": {
            "type": "object",
            "properties": {
                key: {"type": "integer"} for key in ("total", "done", "overdue", "in_progress", "not_started")
            },
        },
        "assignments": _COUNTS,
    },
}
_SUMMARY = {
    "type": "object",
    "properties": {
        "programme": {"type": "string"},
        "unit": {"type": "string"},
        "as_of": _DATE,
        "computed_at": {"type": "string", "format": "date-time", "nullable": True},
        **_FIGURES["properties"],
        "reported": {**_FIGURES, "description": "The same figures, counting reports still awaiting review."},
    },
}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": {"description": "A malformed parameter (such as as_of)."},
    "401": {"description": "Sign-in required (when the site is not public)."},
    "404": {"description": "Unknown code."},
}


def openapi_description() -> dict:
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tiến độ API",
            "version": "1.0",
            "description": (
                "Read-only figures of the national digital-transformation programmes. Verified figures count "
                "accepted reports only; 'reported' also counts reports awaiting review."
            ),
        },
        "paths": {
            "/api/programmes/": {
                "get": {
                    "summary": "List the programmes",
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "properties": {"results": {"type": "array", "items": {"type": "object"}}},
                            }
                        )
                    },
                }
            },
            "/api/programmes/{code}/summary": {
                "get": {
                    "summary": "A programme's figures for a unit's subtree (default: the nation)",
                    "parameters": [
                        {**code, "example": "DA06"},
                        {
                            "name": "unit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "example": "VN",
                        },
                        _AS_OF,
                    ],
                    "responses": {"200": _ok(_SUMMARY), **_ERRORS},
                }
            },
            "/api/units/{code}/summary": {
                "get": {
                    "summary": "A unit's subtree figures in a programme",
                    "parameters": [
                        {**code, "example": "01"},
                        {
                            "name": "programme",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "example": "DA06",
                        },
                        _AS_OF,
                    ],
                    "responses": {"200": _ok(_SUMMARY), **_ERRORS},
                }
            },
            "/api/assignments": {
                "get": {
                    "summary": "Assignments with their status, 100 a page",
                    "parameters": [
                        {"name": "programme", "in": "query", "schema": {"type": "string"}, "example": "DA06"},
                        {
                            "name": "unit",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "A unit code; its whole subtree.",
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": AssignmentStatus.values},
                        },
                        _AS_OF,
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    ],
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "properties": {
                                    "count": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "pages": {"type": "integer"},
                                    "results": {"type": "array", "items": {"type": "object"}},
                                },
                            }
                        ),
                        **_ERRORS,
                    },
                }
            },
            "/api/indicators/{code}/values": {
                "get": {
                    "summary": "An indicator's value for a unit (default: the nation), with its series",
                    "parameters": [
                        {**code, "example": "CCCD_CHIP"},
                        {"name": "unit", "in": "query", "schema": {"type": "string"}},
                        _AS_OF,
                    ],
                    "responses": {"200": _ok({"type": "object"}), **_ERRORS},
                }
            },
            "/api/indicators/{code}/ranking": {
                "get": {
                    "summary": "Units ranked by their latest value in the indicator's direction; ties share a rank (1, 2, 2, 4)",
                    "parameters": [
                        {**code, "example": "CCCD_CHIP"},
                        {
                            "name": "kind",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["province", "central", "enterprise", "district", "commune"],
                            },
                        },
                        {"name": "period", "in": "query", "schema": _DATE},
                        _AS_OF,
                    ],
                    "responses": {"200": _ok({"type": "object"}), **_ERRORS},
                }
            },
        },
    }


@api_view
def openapi(request):
    return JsonResponse(openapi_description(), json_dumps_params={"ensure_ascii": False})


@api_view
def docs(request):
    if request.GET.get("format") == "json":
        return openapi(request)
    return TemplateResponse(request, "metrics/api_docs.html", {"spec": openapi_description()})
