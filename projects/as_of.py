"""The ?as_of=YYYY-MM-DD parameter that every page takes."""

from datetime import date, datetime

from django.core.exceptions import BadRequest
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
# What a person types in the pages' date field (as the page writes dates); links always carry ISO 8601.
DAY_FIRST = "%d/%m/%Y"


def as_of_from_request(request, *, day_first: bool = False) -> date:
    """Return the date asked for, today when none is; refuse a malformed or out-of-range date.

    With ``day_first``, 25/12/2022 is understood as well as 2022-12-25 (the pages' date field).
    """
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return timezone.localdate()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = _day_first(raw) if day_first else None
        if day is None:
            raise BadRequest(
                _("“%(value)s” is not a date: write it as YYYY-MM-DD, for example 2022-12-25.") % {"value": raw}
            ) from None
    if day < EARLIEST or day > timezone.localdate():
        raise BadRequest(
            _("Choose a date between %(first)s and today.") % {"first": EARLIEST.strftime("%d/%m/%Y")}
        )
    return day


def _day_first(raw: str) -> date | None:
    try:
        return datetime.strptime(raw, DAY_FIRST).date()  # noqa: DTZ007 (a calendar day, no time)
    except ValueError:
        return None


class AsOfMixin:
    """Read ?as_of= once; a malformed date is answered with 400 and a clear message in the page's language.

    A day typed as 25/12/2022 in the page's date field is sent on to the same page at ?as_of=2022-12-25,
    so that addresses (and the links built from them) stay in one form.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            self.as_of = as_of_from_request(request, day_first=True)
        except BadRequest as error:
            return TemplateResponse(request, "bad_request.html", {"message": str(error)}, status=400)
        raw = request.GET.get("as_of", "").strip()
        if raw and raw != self.as_of.isoformat():
            query = request.GET.copy()
            query["as_of"] = self.as_of.isoformat()
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(as_of=self.as_of, **kwargs)
