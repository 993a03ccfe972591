"""The ?as_of=YYYY-MM-DD parameter that every page takes."""

from datetime import date

from django.core.exceptions import BadRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)


def as_of_from_request(request) -> date:
    """Return the date asked for, today when none is; refuse a malformed or out-of-range date."""
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return timezone.localdate()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD, for example 2022-12-25.") % {"value": raw}
        ) from None
    if day < EARLIEST or day > timezone.localdate():
        raise BadRequest(
            _("Choose a date between %(first)s and today.") % {"first": EARLIEST.strftime("%d/%m/%Y")}
        )
    return day


class AsOfMixin:
    """Read ?as_of= once; a malformed date is answered with 400 and a clear message in the page's language."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.as_of = as_of_from_request(request)
        except BadRequest as error:
            return TemplateResponse(request, "bad_request.html", {"message": str(error)}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(as_of=self.as_of, **kwargs)
