"""The read-only JSON API (django-ninja): its description at /api/openapi.json and /api/docs is its code."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

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
    urls_namespace="metrics:api",
    auth=errors.site_is_open,
    docs=DocsPage(),
    docs_decorator=errors.docs_visibility,
)
errors.install(api)
api.add_router("", router)
