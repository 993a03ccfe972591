"""Running an uploaded import (ImportJob) on a worker: once at a time, its progress and outcome recorded."""

import logging
import os
import time

from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import locks
from projects.imports import RowError, importer_class

logger = logging.getLogger(__name__)

# A namespace for the advisory locks of running import jobs (the second key is the job's id).
IMPORT_LOCK_NAMESPACE = 7_001


def job_is_running(job_id: int) -> bool:
    """Whether a worker is running the job now: it holds the job's lock until it ends or its connection dies."""
    return locks.is_running(IMPORT_LOCK_NAMESPACE, job_id)


def run_import_job(job_id: int) -> None:
    """Run one uploaded import (ImportJob), recording its progress and its outcome on the job.

    The job's lock (held by the connection, so released when a killed worker's connection ends) keeps
    a second delivery of the same job from running it twice at once. A database that goes away
    mid-run raises to the task, which runs the job again: nothing was written, all rows or none.
    """
    with locks.running(IMPORT_LOCK_NAMESPACE, job_id) as acquired:
        if not acquired:
            logger.info("import job %s is already running elsewhere", job_id)
            return
        _run_import_job(job_id)


def _pause_for_tests() -> None:
    """Hold a run between its checks and its write, once, so that a test can kill it there.

    Off unless the test sets TIENDO_IMPORTS_PAUSE_FILE: the run writes its database backend's id
    there (for pg_terminate_backend) and sleeps; a rerun finds the file and goes straight on.
    """
    marker = os.environ.get("TIENDO_IMPORTS_PAUSE_FILE")
    if not marker or os.path.exists(marker):
        return
    backend = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = str(cursor.fetchone()[0])
    with open(marker, "w") as handle:
        handle.write(backend)
    time.sleep(float(os.environ.get("TIENDO_IMPORTS_PAUSE_SECONDS", "60")))


def _run_import_job(job_id: int) -> None:
    from projects.models import ImportJob

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.VALIDATING, rows_done=0)

    def progress(done, total):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    importer = importer_class(job.kind)(
        user=job.created_by,
        accept=job.accept,
        dry_run=job.dry_run,
        progress=progress,
        map_to_successors=job.map_to_successors,
    )

    def before_write():
        _pause_for_tests()
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.WRITING)

    importer.before_write = before_write
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        result = importer.run(data, job.original_name)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the task runs the job again
    except Exception:
        # Recorded on the job for the uploader; the traceback goes to the log, not to the page.
        logger.exception("import job %s failed", job.pk)
        reason = _("The import stopped on an unexpected error; nothing was written. Tell the administrator.")
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            result={"errors": [RowError(0, "", reason).as_dict()], "error_count": 1, "rows": 0},
            finished_at=timezone.now(),
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE if result.ok else ImportJob.State.FAILED,
        result=result.as_dict(),
        rows_total=result.rows,
        rows_done=result.rows,
        finished_at=timezone.now(),
    )
