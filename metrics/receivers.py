"""Receivers that keep the rollups fresh: every change marks what it affected, then one flush follows.

projects.services sends ``assignments_changed`` inside the writing transaction (a report accepted,
returned or withdrawn, an assignment created or its deadline changed, a unit moved). The receiver
records the programme and the unit paths as pending in that same transaction, so a saved change is
never without its pending refresh, and enqueues a flush on commit. A burst of changes lands in the
same pending rows and the first flush to run refreshes them all, the others find nothing to do.

The write never depends on the broker: when the flush cannot be enqueued (broker down), the pending
rows wait for the beat's flush (every minute), and the person who made the change is told so.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from projects import notices
from projects.signals import assignments_changed

logger = logging.getLogger(__name__)


@receiver(assignments_changed, dispatch_uid="metrics.rollups_refresh")
def rollups_refresh_on_change(sender, *, programme_ids=(), unit_paths=(), **kwargs):
    from metrics import generation, rollups

    if not programme_ids:
        return
    rollups.mark_pending(programme_ids=programme_ids, unit_paths=unit_paths)
    generation.bump(programme_ids)
    transaction.on_commit(_enqueue_flush)


def _enqueue_flush() -> None:
    from metrics import tasks

    try:
        tasks.rollups_flush_pending.apply_async(countdown=settings.TIENDO_ROLLUP_COALESCE_SECONDS)
    except Exception:
        # The change and its pending rows are committed; the beat's flush picks them up.
        logger.exception("could not enqueue the rollup flush; the beat's flush will do it")
        notices.tell(_("Saved. The figures will include this change within a few minutes."))
