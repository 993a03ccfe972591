"""Celery tasks of the write side: thin interfaces that take ids and call the code that does the work."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)

# An import not finished and not running this long after it was queued was lost (a broker restart, a
# worker killed beyond the broker's redelivery): the beat queues it again.
STRANDED_AFTER = timedelta(minutes=10)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
    # The database briefly away (a restart, a killed connection): the job is run again from the start.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=6,
)
def import_job_run(job_id: int) -> None:
    """Check and import one uploaded file (an ImportJob): all rows or none."""
    from projects.import_jobs import run_import_job

    run_import_job(job_id)


def import_job_enqueue(job_id: int) -> bool:
    """Hand an import to the broker and note when; when the broker is down, leave it for the beat."""
    from projects.models import ImportJob

    try:
        import_job_run.delay(job_id)
    except Exception:
        logger.exception("could not queue import job %s; the beat will queue it again", job_id)
        return False
    ImportJob.objects.filter(pk=job_id, finished_at__isnull=True).update(enqueued_at=timezone.now())
    return True


@shared_task(acks_late=True, time_limit=5 * 60)
def import_jobs_requeue(min_age_seconds: float = 30) -> int:
    """Queue again the imports that never reached the broker, or were lost on the way; return how many.

    An import that could not be queued (no ``enqueued_at``) is queued once it is ``min_age_seconds``
    old (its own on-commit enqueue has had its chance); one queued but neither finished nor running
    STRANDED_AFTER later is queued again. A job that is running holds its lock and is left alone.
    """
    from django.db.models import Q

    from projects.import_jobs import job_is_running
    from projects.models import ImportJob

    now = timezone.now()
    candidates = ImportJob.objects.filter(finished_at__isnull=True).filter(
        Q(enqueued_at__isnull=True, created_at__lte=now - timedelta(seconds=min_age_seconds))
        | Q(enqueued_at__lte=now - STRANDED_AFTER)
    )
    queued = 0
    for job_id in candidates.order_by("pk").values_list("pk", flat=True)[:100]:
        if not job_is_running(job_id) and import_job_enqueue(job_id):
            queued += 1
    return queued


@shared_task(acks_late=True, time_limit=10 * 60)
def pending_evidence_expire() -> int:
    """Delete evidence files kept for a form that was never submitted again; return how many."""
    from projects.storage import pending_evidence_expire as expire

    return expire()


@shared_task(acks_late=True, time_limit=30 * 60)
def report_reminders_send() -> int:
    """Email each reporter about their assignments due within 7 days and those overdue."""
    from projects.reminders import reminders_send

    return reminders_send()
