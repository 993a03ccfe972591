"""Error pages: a refused request is answered in the site's look, saying why."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def bad_request(request, exception):
    """Answer 400 with the page bad_request.html and the reason the request was refused."""
    message = str(exception) if exception and str(exception) else _("This request cannot be answered.")
    response = TemplateResponse(request, "bad_request.html", {"message": message}, status=400)
    return response.render()
