"""The data's generation: a counter per programme that every write bumps on commit.

Cached pages carry the generations of what they show in their key (``metrics.page_cache``). A reader
reads the generations before the data, and a writer bumps them after its commit, so a page is never
stored under a generation newer than its data: at worst a fresh page is stored under the old key,
which no reader asks for once the bump has landed. The bump is its own short statement after the
commit, never a row lock held by a long transaction (a 12 s recompute must not block report accepts).

What bumps: the receiver of ``assignments_changed`` (reports submitted, accepted, returned, withdrawn,
assignments and units changed, imports), every writer of a programme's rollups (``rollups._lock``), an
observation import, and any save or delete of master data (units, programmes, goals, tasks, indicators,
observations), so that an edit in the admin shows at once too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

# The key of what every page shows (units, indicators, master data); programmes use their id.
EVERY_PAGE = 0

# Per thread, as the connection whose commit they wait for is.
_local = threading.local()


def _pending() -> set[int]:
    if not hasattr(_local, "keys"):
        _local.keys = set()
    return _local.keys


def bump(programme_ids: Iterable[int] | None = None) -> None:
    """Mark these programmes' figures changed (every page's when None) once the transaction commits."""
    keys = {EVERY_PAGE} if programme_ids is None else {int(pk) for pk in programme_ids}
    if not keys:
        return
    _pending().update(keys)
    # The first callback of a transaction bumps every key it gathered, the others find nothing left: one
    # statement per transaction however many writes it holds. A rolled-back transaction drops its
    # callbacks, and the keys it left are bumped with the next commit (harmless: a miss).
    transaction.on_commit(_flush)


def _flush() -> None:
    pending = _pending()
    keys = sorted(pending)
    pending.clear()
    if not keys:
        return
    from metrics.models import PageGeneration

    table = connection.ops.quote_name(PageGeneration._meta.db_table)
    key = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, value) VALUES "  # noqa: S608 (the table name is the model's)
            + ", ".join(["(%s, 1)"] * len(keys))
            + f" ON CONFLICT ({key}) DO UPDATE SET value = {table}.value + 1",
            keys,
        )


def current() -> dict[str, int]:
    """Return every generation by programme code ("" for every page's), in one query."""
    from metrics.models import PageGeneration
    from projects.models import Programme

    table = connection.ops.quote_name(PageGeneration._meta.db_table)
    programmes = connection.ops.quote_name(Programme._meta.db_table)
    key = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.code, g.value FROM {table} g LEFT JOIN {programmes} p ON p.id = g.{key}"  # noqa: S608
        )
        return {code or "": value for code, value in cursor.fetchall()}


def read() -> dict[str, int]:
    """Return current(), read once per request: before any figure the request reads."""
    from metrics import memo

    return memo.once(("generations",), current)


def _bump_every_page(sender, **kwargs) -> None:
    bump(None)


def connect_master_data() -> None:
    """Bump every page's generation when master data is saved or deleted (admin edits, commands)."""
    from metrics.models import Indicator, Observation
    from projects.models import Goal, Programme, Task, Unit

    for model in (Unit, Programme, Goal, Task, Indicator, Observation):
        uid = f"metrics.generation.{model._meta.label_lower}"
        post_save.connect(_bump_every_page, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_bump_every_page, sender=model, dispatch_uid=uid + ".delete")
