"""Celery tasks of the write side: thin interfaces that take ids and call the code that does the work."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def import_job_run(job_id: int) -> None:
    """Check and import one uploaded file (an ImportJob): all rows or none."""
    from projects.imports import run_import_job

    run_import_job(job_id)


@shared_task(acks_late=True, time_limit=30 * 60)
def report_reminders_send() -> int:
    """Email each reporter about their assignments due within 7 days and those overdue."""
    from projects.reminders import reminders_send

    return reminders_send()
