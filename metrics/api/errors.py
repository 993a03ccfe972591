"""How the API refuses: every error is JSON with a ``detail`` in the language of the address, and each
status it can answer (400, 401, 404, 405) is declared on every operation that can answer it."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError, ValidationError

from metrics.api import params
from metrics.api.schemas import Error

ERROR_DESCRIPTIONS = {
    200: gettext_lazy("Answered, as JSON of the shape described."),
    400: gettext_lazy("A parameter breaks its declaration above (a malformed date, an unknown status…)."),
    401: gettext_lazy("Sign-in required: the site is not public (TIENDO_PUBLIC=False)."),
    404: gettext_lazy("No programme, unit or indicator has this code, or the page is past the last."),
}


def responses(ok, *errors: int) -> dict:
    """Return an operation's ``response`` declaration: its answer, and the errors it can give."""
    return {200: ok, **dict.fromkeys(errors, Error)}


def error_descriptions(*errors: int) -> dict:
    """Return an operation's ``openapi_extra``: what its answer and each of its error statuses mean."""
    return {"responses": {status: {"description": ERROR_DESCRIPTIONS[status]} for status in (200, *errors)}}


def site_is_open(request):
    """Authenticate an API request as the pages do: anyone while the site is public, else a signed-in user."""
    if settings.TIENDO_PUBLIC or request.user.is_authenticated:
        return request.user
    return None


def docs_visibility(view):
    """Close the description and its page to anonymous visitors when the site is not public."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if site_is_open(request) is None:
            return JsonResponse({"detail": str(ERROR_DESCRIPTIONS[401]), "errors": []}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


def _message(parameter: str, value: str | None) -> str:
    message = params.MESSAGES.get(parameter)
    if message is None:
        return _("“%(value)s” is not a valid %(parameter)s.") % {"value": value, "parameter": parameter}
    return str(message) % {
        "value": value,
        "choices": ", ".join(params.CHOICES.get(parameter, ())),
        "last": params.LAST_PAGE,
    }


# The same wording for callers outside the API (projects.middleware refuses a NUL before the API sees it).
parameter_message = _message


def refused_parameters(request, exc: ValidationError, api):
    """Answer 400 naming each refused parameter, with what it should be."""
    refused = {}
    for error in exc.errors:
        # loc is (source, parameter[, union member]): one message per parameter.
        source, parameter = [*error.get("loc", ()), "", ""][:2]
        value = (
            request.resolver_match.kwargs.get(parameter) if source == "path" else request.GET.get(parameter)
        )
        refused.setdefault(str(parameter), _message(str(parameter), value))
    errors = [{"parameter": p, "message": m} for p, m in refused.items()]
    detail = " ".join(dict.fromkeys(e["message"] for e in errors))
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


def install(api) -> None:
    """Answer each refusal as the description says."""

    def bad_request(request, exc):
        return api.create_response(request, {"detail": str(exc), "errors": []}, status=400)

    def not_found(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("Not found."), "errors": []}, status=404)

    def unauthenticated(request, exc):
        return api.create_response(
            request, {"detail": str(ERROR_DESCRIPTIONS[401]), "errors": []}, status=401
        )

    def http_error(request, exc):
        return api.create_response(request, {"detail": str(exc), "errors": []}, status=exc.status_code)

    def validation(request, exc):
        return refused_parameters(request, exc, api)

    api.add_exception_handler(BadRequest, bad_request)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(ValidationError, validation)
