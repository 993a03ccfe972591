"""The brief as an A4 PDF, rendered on the server by WeasyPrint with no network access.

The page is the brief's HTML (templates/metrics/brief.html, in its PDF form) with static/css/brief.css;
the charts are inline SVG. Text is set in DejaVu Sans, which covers Vietnamese, found through fontconfig
(the `fonts-dejavu-core` package) and embedded, subset, in the PDF. Anything the page would fetch goes
through LocalOnlyFetcher: files under the static directory and data: URLs, nothing else, so rendering
never reaches the network and gives the same PDF on every machine with the same fonts.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetchingError

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "brief.css"


class LocalOnlyFetcher(URLFetcher):
    """Fetch data: URLs and files under the allowed directories; refuse (and record) everything else."""

    def __init__(self, roots=None, **kwargs):
        super().__init__(allowed_protocols={"file", "data"}, **kwargs)
        self.roots = [Path(root).resolve() for root in (roots or [Path(settings.BASE_DIR) / "static"])]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        self.refused.append(url)
        raise URLFetchingError(f"refused (no network in rendering): {url}")


@functools.cache
def _stylesheet() -> tuple[CSS, FontConfiguration]:
    """The brief's stylesheet, parsed once per process with its font configuration (fontconfig's set-up
    and the cascade's parsing are a third of a render otherwise)."""
    fonts = FontConfiguration()
    return CSS(filename=str(STYLESHEET), font_config=fonts, url_fetcher=LocalOnlyFetcher()), fonts


def render_document(context: dict, *, request=None, fetcher: LocalOnlyFetcher | None = None):
    """Lay the brief out on A4 pages (a WeasyPrint Document: ``.pages``, ``.write_pdf()``)."""
    html = render_to_string("metrics/brief.html", {**context, "pdf": True}, request=request)
    stylesheet, fonts = _stylesheet()
    return HTML(
        string=html, base_url=str(STYLESHEET.parent) + "/", url_fetcher=fetcher or LocalOnlyFetcher()
    ).render(stylesheets=[stylesheet], font_config=fonts)


def render_pdf(context: dict, *, request=None, fetcher: LocalOnlyFetcher | None = None) -> bytes:
    """Render the brief's context to PDF bytes (one A4 page, portrait)."""
    return render_document(context, request=request, fetcher=fetcher).write_pdf()
