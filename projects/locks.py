"""Session-level advisory locks: "this job is running" held by the connection that runs it.

A lock of this kind ends with its holder's connection, so a worker killed mid-job (SIGKILL, a killed
database backend) leaves no lock behind; a second delivery of the same job finds the lock held while
the first still runs, and leaves. On SQLite (one process) there is nothing to lock against.
"""

import contextlib
from collections.abc import Iterator

from django.db import InterfaceError, OperationalError, connection


def _try_lock(namespace: int, key: int) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key])
        return cursor.fetchone()[0]


def _unlock(namespace: int, key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


@contextlib.contextmanager
def running(namespace: int, key: int) -> Iterator[bool]:
    """Hold the lock (namespace, key) for the block if no one else does; yield whether it is held."""
    acquired = _try_lock(namespace, key)
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(OperationalError, InterfaceError):
                _unlock(namespace, key)  # else the connection is gone, and its lock with it


def is_running(namespace: int, key: int) -> bool:
    """Whether someone holds the lock (namespace, key) now."""
    with running(namespace, key) as acquired:
        return not acquired
