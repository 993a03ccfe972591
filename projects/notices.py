"""Notices for the person whose request made a change, from code that has no request at hand.

A receiver that runs on commit (the read side refreshing its figures) may have something to say to
the user who made the change ("the figures will follow in a few minutes"). NoticesMiddleware keeps
the current request in a context variable; tell() adds a message to it, and does nothing outside a
request (a command, a worker).
"""

from contextvars import ContextVar

from django.contrib import messages

_request: ContextVar = ContextVar("tiendo_current_request", default=None)


def tell(message: str) -> None:
    """Add an informational message for the user of the current request, if there is one."""
    request = _request.get()
    if request is not None:
        messages.info(request, message)


class NoticesMiddleware:
    """Make the current request known to tell() while it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
