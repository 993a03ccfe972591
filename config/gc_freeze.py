"""Keep what a process builds to serve its first request out of the garbage collector's full passes.

A worker's first request compiles templates, resolves URLs and loads translation catalogues: some 175,000
objects that live as long as the process. CPython's full collection walks every tracked object, and a
later request that keeps many new ones (the figures of a day not stored: ten thousand per-task rows) sets
one off: 100–120 ms in that request at scale 1. Frozen (gc.freeze, as the gc documentation advises for
long-lived servers), the same pass takes 3 ms. It is done once, after the first response has been sent.
"""

from __future__ import annotations

import gc
import threading

from django.core.signals import request_finished

_lock = threading.Lock()
_done = False


def freeze_after_first_request(**_kwargs) -> None:
    global _done
    with _lock:
        if _done:
            return
        _done = True
    request_finished.disconnect(freeze_after_first_request)
    # Collect first, so that the first request's garbage is freed rather than frozen with the rest.
    gc.collect()
    gc.freeze()


def connect() -> None:
    request_finished.connect(freeze_after_first_request, dispatch_uid="gc_freeze_after_first_request")
