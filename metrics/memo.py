"""Reads shared within one request, so that a page pays for each of them once.

A page asks the same things of the readers several times over: the unit tree, the nation, a programme's
stored day and, on a day whose rollups are not stored, the figures counted on demand. A GET request
writes none of them, so within it each is read once and shared (``RequestMemoMiddleware``). Outside a
request (commands, the worker, a test calling a reader directly) nothing is kept: every call reads
afresh, as a write may have happened in between.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("tiendo_request_memo", default=None)

# Requests that may write: a POST that files a report must not be answered from figures read before it.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed at most once per key within the current request."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def known(key: Hashable) -> bool:
    """Whether the current request has computed ``key`` already (never outside a request)."""
    memo = _memo.get()
    return memo is not None and key in memo


class RequestMemoMiddleware:
    """Give each GET or HEAD request an empty memo, dropped when the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
