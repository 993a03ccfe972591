"""Cached pages and API answers: a crowd reading the same figures costs one render.

A dashboard page (or API answer) is the same for every reader who may see it, except the site header:
the reader's name, the sign-out form with its CSRF token, the reporting links their rules allow. So a
page is stored without its header (between the ``<!--tiendo:header-->`` markers of base.html) and the
header is rendered afresh for each reader around the stored body. Nothing about a reader is stored.

A page's key holds everything that decides the rest of it:
- its address, query included (as_of, filters, sort, page, export format) and language prefix;
- the active language (numbers and dates are formatted per language);
- today's date, since a page without ``as_of`` shows today and says how old its figures are;
- the generations of the data it shows (``metrics.generation``): the programme's for a programme's
  pages, all of them for the others. A write bumps them on commit, so a changed page is a miss at once.

The read pages show the same figures to every reader allowed to read them (visibility is all or
nothing, ``TIENDO_PUBLIC``); when that is off, anonymous readers are never answered from the cache.
With Django's dummy cache (the test settings' default) nothing here runs at all.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from metrics import generation

HEADER_START = b"<!--tiendo:header-->"
HEADER_END = b"<!--/tiendo:header-->"
HEADER_TEMPLATE = "partials/site_header.html"

# Pages whose every figure is one programme's, named by the ``code`` in their address.
PROGRAMME_PAGES = frozenset(
    {"programme_detail", "goal_list", "task_list", "task_detail", "assignment_list", "api_programme_summary"}
)
# Pages whose figures are those of the programme in ``?programme=`` (when given).
PROGRAMME_PARAMETER_PAGES = frozenset({"unit_list", "unit_detail", "api_unit_summary"})
CACHED_TYPES = ("text/html", "application/json", "text/csv", "application/vnd.openxmlformats")
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def cache():
    return caches[settings.TIENDO_PAGE_CACHE]


def is_read_page(request) -> bool:
    """Whether a request reads a dashboard page or the JSON API."""
    match = request.resolver_match
    if match is None or request.method not in ("GET", "HEAD"):
        return False
    return "metrics" in match.app_names or match.route.startswith("api/")


def generations_of(request) -> str:
    """The generations of the data a page shows, as part of its key."""
    current = generation.read()
    match = request.resolver_match
    code = None
    if match.url_name in PROGRAMME_PAGES:
        code = match.kwargs.get("code")
    elif match.url_name in PROGRAMME_PARAMETER_PAGES:
        code = request.GET.get("programme") or None
    if code:
        return f"{current.get('', 0)}.{code}:{current.get(code, 0)}"
    return ".".join(f"{key}:{value}" for key, value in sorted(current.items()))


def page_key(request) -> str:
    parts = [
        request.get_full_path(),
        get_language() or "",
        timezone.localdate().isoformat(),
        generations_of(request),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"tiendo:page:{digest}"


def header_for(request) -> bytes:
    return render_to_string(HEADER_TEMPLATE, request=request).encode()


def strip_header(content: bytes) -> tuple[bytes, bytes] | None:
    """Split a page around its header: (before, after) with the markers kept, or None without them."""
    start = content.find(HEADER_START)
    end = content.find(HEADER_END, start)
    if start < 0 or end < 0:
        return None
    return content[: start + len(HEADER_START)], content[end:]


class PageCacheMiddleware:
    """Answer a read page from the cache when its key is there; store it when it is not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if key is not None and self._storable(response):
            stored = {"headers": {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}}
            parts = (
                strip_header(response.content) if response["Content-Type"].startswith("text/html") else None
            )
            if parts is None:
                stored["content"] = response.content
            else:
                stored["before"], stored["after"] = parts
            cache().set(key, stored, settings.TIENDO_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if isinstance(cache(), DummyCache) or not is_read_page(request):
            return None
        if not settings.TIENDO_PUBLIC and not request.user.is_authenticated:
            return None
        key = page_key(request)
        stored = cache().get(key)
        if stored is None:
            request._page_cache_key = key
            return None
        if "content" in stored:
            content = stored["content"]
        else:
            content = stored["before"] + header_for(request) + stored["after"]
        response = HttpResponse(content)
        for header, value in stored["headers"].items():
            response[header] = value
        response["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def _storable(response) -> bool:
        if response.status_code != 200 or response.streaming:
            return False
        if "no-store" in response.get("Cache-Control", "") or "private" in response.get("Cache-Control", ""):
            return False
        return response.get("Content-Type", "").startswith(CACHED_TYPES)
