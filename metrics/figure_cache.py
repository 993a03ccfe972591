"""Figures counted on demand, counted once: kept in Django's cache under the data's generation.

A day whose rollups are not stored (a date picked in the past, or today before the nightly run) is
counted from the report chains; what was counted serves every page and reader that asks for the same
programme and day until the programme's data changes (its generation, ``metrics.generation``, is part
of the key, read before the count as a page's is). Today is also queued to be stored, once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from datetime import date
from typing import TypeVar

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache

from metrics import generation, memo

T = TypeVar("T")

SECONDS = 60 * 60 * 24


def _cache():
    from django.conf import settings

    return caches[settings.TIENDO_FIGURE_CACHE]


def remember(programme, day: date, what: Hashable, compute: Callable[[], T]) -> T:
    """Return ``compute()`` for a programme and day, from the cache when counted since the last change."""
    cache = _cache()
    if isinstance(cache, DummyCache):
        return compute()
    current = generation.read()
    generations = f"{current.get('', 0)}.{current.get(programme.code, 0)}"
    what = hashlib.sha256(repr(what).encode()).hexdigest()[:24]
    key = f"tiendo:figures:{programme.pk}:{day.isoformat()}:{what}:{generations}"

    def read():
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, SECONDS)
        return found

    # Read (and unpickle: every unit's figures, at scale 1 some 70 ms) once per request.
    return memo.once(key, read)


def store_today_once(programme, day: date) -> None:
    """Queue today's full recompute of a programme, once a day and generation, when a reader finds it
    missing (before the nightly run, or when that run failed): later readers then read stored rows."""
    from metrics import rollups, tasks

    if day != rollups.today():
        return
    current = generation.read()
    key = f"tiendo:store-today:{programme.code}:{day.isoformat()}:{current.get(programme.code, 0)}"
    cache = _cache()
    if isinstance(cache, DummyCache) or not cache.add(key, True, SECONDS):
        return
    tasks.rollups_recompute_programme.delay(programme.pk, day.isoformat())
