"""The read-only JSON API (django-ninja): its description at /api/openapi.json and /api/docs is its code."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.openapi import views

from metrics.api import errors
from metrics.api.docs import DocsPage
from metrics.api.endpoints import router


class TiendoAPI(NinjaAPI):
    def get_content_type(self) -> str:
        # JSON is UTF-8 by definition (RFC 8259); the media type alone is what clients and tests expect.
        return self.renderer.media_type


api = TiendoAPI(
    title="Tiến độ API",
    version="1.0",
    description=_(
        "Read-only figures of the national digital-transformation programmes, with the same visibility as "
        "the pages. Verified figures count accepted reports only; 'reported' also counts reports awaiting "
        "review. Every endpoint answers GET only: any other method is answered 405."
    ),
    # The operations' URL names join the app's (metrics:api_programme_summary…), as before ninja;
    # the description and its page keep their names too (metrics:api_openapi, metrics:api_docs).
    urls_namespace="metrics",
    openapi_url=None,
    docs_url=None,
    auth=errors.site_is_open,
    docs=DocsPage(),
)
errors.install(api)
api.add_router("", router)


@errors.docs_visibility
def description(request):
    """Serve the OpenAPI description that ninja generates from the operations' declarations."""
    return views.openapi_json(request, api)


@errors.docs_visibility
def docs_page(request):
    """Render that description as a page of the site."""
    return views.openapi_view(request, api)
