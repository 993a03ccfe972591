"""The committed demo for tests that need it (worker processes, live servers), loaded once and then restored.

Django empties every table after each ``transactional_db`` test. Loading the demo again takes ``loaddemo``'s
7–9 s on a CI machine, some forty times a run. On PostgreSQL the first load is kept instead as the tables'
rows (COPY, in memory) and written back in one transaction: well under a second, the same rows and ids.
Other databases load the demo each time.
"""

from __future__ import annotations

import io

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

_rows: dict[str, bytes] | None = None


def _tables() -> list[str]:
    """Every table Django flushes (those of the installed models), in a stable order."""
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _snapshot() -> dict[str, bytes]:
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            buffer = io.BytesIO()
            cursor.cursor.copy_expert(f'COPY "{table}" TO STDOUT (FORMAT binary)', buffer)
            rows[table] = buffer.getvalue()
    return rows


def _restore(rows: dict[str, bytes]) -> None:
    tables = ", ".join(f'"{table}"' for table in rows)
    with transaction.atomic(), connection.cursor() as cursor:
        # The flush's post_migrate signal wrote content types and permissions with new ids: the demo's go back.
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, data in rows.items():
            cursor.cursor.copy_expert(f'COPY "{table}" FROM STDIN (FORMAT binary)', io.BytesIO(data))
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    ContentType.objects.clear_cache()


def load_committed_demo() -> None:
    """Commit the demo to the test database, as ``loaddemo --force`` leaves it."""
    global _rows
    if connection.vendor != "postgresql":
        call_command("loaddemo", "--force", verbosity=0)
        return
    if _rows is None:
        call_command("loaddemo", "--force", verbosity=0)
        _rows = _snapshot()
    else:
        _restore(_rows)
