"""Middleware of the site: refuse query strings that no view could use."""

import contextlib

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _

NUL = "\x00"


def _is_api(path: str) -> bool:
    """Whether the path is the JSON API's: /api/… for Vietnamese, /<language>/api/… otherwise."""
    language = get_language_from_path(path)
    if language and path.startswith(f"/{language}/"):
        path = path[len(language) + 1 :]
    return path.startswith("/api/")


def _api_refusal(request, in_path: bool, in_query: list[str]) -> JsonResponse:
    """Answer as the API answers a refused parameter (metrics.api.errors): JSON naming each one."""
    # projects never imports metrics: the API's wording of a refused parameter is named in settings.
    message_of = import_string(settings.TIENDO_API_PARAMETER_MESSAGE)
    kwargs = {}
    if in_path:
        with contextlib.suppress(Resolver404):
            kwargs = resolve(request.path_info).kwargs
    parameters = [name for name, value in kwargs.items() if NUL in str(value)] + in_query
    refused = {}
    for parameter in parameters:
        value = kwargs[parameter] if parameter in kwargs else request.GET.get(parameter)
        refused.setdefault(parameter, message_of(parameter, value))
    errors = [{"parameter": p, "message": m} for p, m in refused.items()]
    detail = " ".join(dict.fromkeys(e["message"] for e in errors)) or _(
        "The address holds a NUL character, which no page accepts."
    )
    return JsonResponse({"detail": detail, "errors": errors}, status=400)


class RefuseNulInQueryMiddleware:
    """Answer 400 to an address holding a NUL character: in its path, or in a parameter's name or value.

    PostgreSQL cannot store or compare a string holding NUL (psycopg raises ValueError), and no
    form, filter or code of the site means one; Django's forms refuse it the same way
    (ProhibitNullCharactersValidator), this covers the parameters that views read directly too.
    The pages answer with their HTML 400 page; the API (/api/, /en/api/) in its own JSON error shape,
    naming each refused parameter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        in_path = NUL in request.path_info
        in_query = [
            key for key, values in request.GET.lists() if NUL in key or any(NUL in value for value in values)
        ]
        if not in_path and not in_query:
            return self.get_response(request)
        if _is_api(request.path_info):
            return _api_refusal(request, in_path, in_query)
        raise BadRequest(_("The address holds a NUL character, which no page accepts."))
