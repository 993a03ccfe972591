"""Middleware of the site: refuse query strings that no view could use."""

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _


class RefuseNulInQueryMiddleware:
    """Answer 400 to an address holding a NUL character: in its path, or in a parameter's name or value.

    PostgreSQL cannot store or compare a string holding NUL (psycopg raises ValueError), and no
    form, filter or code of the site means one; Django's forms refuse it the same way
    (ProhibitNullCharactersValidator), this covers the parameters that views read directly too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest(_("The address holds a NUL character, which no page accepts."))
        return self.get_response(request)
