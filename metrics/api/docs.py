"""The API's page: the OpenAPI description that ninja generates, rendered in the site's own template
(no CDN, no inline script, so the content security policy stays strict) in the language of the address."""

from django.template.response import TemplateResponse
from django.urls import reverse
from ninja.openapi.docs import DocsBase


def accepted(schema: dict, components: dict) -> dict:
    """Return what a parameter's schema accepts: its type and format, its choices, bounds and pattern."""
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return {
        "type": schema.get("format") or schema.get("type") or "",
        "enum": schema.get("enum", ()),
        "minimum": schema.get("minimum"),
        "maximum": schema.get("maximum"),
        "pattern": schema.get("pattern", ""),
        "default": schema.get("default"),
    }


def endpoints(spec: dict) -> list[dict]:
    """Return each operation of the description, flattened for the page."""
    components = spec.get("components", {}).get("schemas", {})
    rows = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {**p, "accepts": accepted(p.get("schema", {}), components)}
                        for p in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {}).items(), key=lambda r: str(r[0])),
                }
            )
    return rows


class DocsPage(DocsBase):
    def get_openapi_url(self, api, path_params):
        return reverse("metrics:api_openapi")

    def render_page(self, request, api, **kwargs):
        spec = api.get_openapi_schema(path_params=kwargs)
        return TemplateResponse(
            request,
            "metrics/api_docs.html",
            {"spec": spec, "endpoints": endpoints(spec), "openapi_url": self.get_openapi_url(api, kwargs)},
        )
