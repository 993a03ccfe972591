"""Celery tasks of the read side: thin interfaces that take ids and call metrics.rollups.

Every task is idempotent (a rerun rewrites the same rows), acknowledged only once done so that a
worker killed mid-run has its task redelivered, time-limited, and retried with back-off when the
database is unavailable for a moment.

The broker redelivers a task not acknowledged within its visibility timeout (a few minutes, so that
a killed worker's task is soon run again), even one still running: the nightly recompute therefore
runs single-flight (a second delivery of a run in progress leaves at once), as each import does; the
other tasks are short, or serialised per programme by the rollups' own lock.
"""

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from projects import locks

# Namespace of the locks that make the nightly recompute single-flight (the key: the day's ordinal).
RECOMPUTE_LOCK_NAMESPACE = 7_002

ROLLUP_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A database that is briefly away (restart, failover, too many connections); not bad data.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(soft_time_limit=25 * 60, time_limit=30 * 60, **ROLLUP_TASK)
def rollups_recompute_all(day: str | None = None) -> int:
    """Recompute every programme's rollups for a day (today by default) and trim earlier days."""
    from metrics import rollups

    as_of = date.fromisoformat(day) if day else rollups.today()
    with locks.running(RECOMPUTE_LOCK_NAMESPACE, as_of.toordinal()) as acquired:
        if not acquired:
            return 0  # a delivery of the same run (the same day) is in progress
        rows = rollups.recompute_all(day=as_of)
        rollups.prune(before=as_of)
        # Earlier days that a later change reached back to (a backdated report, a deadline moved).
        rows += rollups.recompute_stale()
        return rows


# At scale 1 a stored history day takes 4 to 7 s. A backdated report flags every stored day after its
# effective date stale, some 250 days of a weekly history since 2022: a run recomputes as many as three
# minutes allow (about 40), the latest first, rather than a fixed six (seven hours for 250).
STALE_DAYS_PER_RUN = 100
STALE_SECONDS_PER_RUN = 3 * 60
# The history's filling is not urgent: six days a run.
FILL_DAYS_PER_RUN = 6


@shared_task(soft_time_limit=10 * 60, time_limit=12 * 60, **ROLLUP_TASK)
def rollups_recompute_stale(limit: int = STALE_DAYS_PER_RUN, seconds: float = STALE_SECONDS_PER_RUN) -> int:
    """Recompute the latest stored days that a backdated change flagged stale, for at most ``seconds``,
    so that the history is fresh within minutes rather than at the next nightly run: until then a day
    not stored cannot start from those days, and its first read reaches back to a stored day further
    away."""
    from metrics import rollups

    with locks.running(RECOMPUTE_LOCK_NAMESPACE, 0) as acquired:  # 0: no day's ordinal, this task's own
        if not acquired:
            return 0
        return rollups.recompute_stale(limit=limit, seconds=seconds)


# Of the lock namespace above, the key of the history's filling (0 is the stale days').
FILL_HISTORY_LOCK_KEY = 1


@shared_task(soft_time_limit=10 * 60, time_limit=12 * 60, **ROLLUP_TASK)
def rollups_fill_history(limit: int = FILL_DAYS_PER_RUN) -> int:
    """Store a few more of the weekly history's days that no stored day stands for yet, the latest first.

    A day not stored is read from the nearest stored day with per-task rows, at a cost that grows with
    the reports between them (seconds at 43 days at scale 1, a fraction of one at three): a deployment
    converges to a base every week without anyone running ``recompute_rollups --history``.
    """
    from metrics import rollups

    with locks.running(RECOMPUTE_LOCK_NAMESPACE, FILL_HISTORY_LOCK_KEY) as acquired:
        if not acquired:
            return 0
        return rollups.fill_history(until=rollups.today(), limit=limit)


@shared_task(soft_time_limit=10 * 60, time_limit=12 * 60, **ROLLUP_TASK)
def rollups_recompute_programme(programme_id: int, day: str | None = None) -> int:
    """Recompute one programme's rollups for a day (today by default)."""
    from metrics import rollups
    from projects.models import Programme

    programme = Programme.objects.get(pk=programme_id)
    # Not single-flight: a run in progress may have read the data before the change that queued this
    # one; the two are serialised by the programme's lock (metrics.rollups._lock) instead.
    return rollups.recompute_programme(programme, day=date.fromisoformat(day) if day else None)


@shared_task(soft_time_limit=2 * 60, time_limit=3 * 60, **ROLLUP_TASK)
def rollups_flush_pending() -> int:
    """Refresh every unit path that changes have marked pending, coalesced per programme."""
    from metrics import rollups

    return rollups.flush_pending()


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60, **ROLLUP_TASK)
def digests_send_weekly() -> int:
    """Send the weekly digest to every user who opted in and has not had this week's."""
    from metrics import digest

    return digest.digests_send()
