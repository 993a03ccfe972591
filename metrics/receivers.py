"""Receivers that keep the rollups fresh: every change marks what it affected, then one flush follows.

projects.services sends ``assignments_changed`` on commit (a report accepted, returned or withdrawn,
an assignment created or its deadline changed, a unit moved). The receiver records the programme and
the unit paths as pending and enqueues a flush a moment later; a burst of changes lands in the same
pending rows and the first flush to run refreshes them all, the others find nothing to do.
"""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from projects.signals import assignments_changed


@receiver(assignments_changed, dispatch_uid="metrics.rollups_refresh")
def rollups_refresh_on_change(sender, *, programme_ids=(), unit_paths=(), **kwargs):
    from metrics import generation, rollups, tasks

    if not programme_ids:
        return
    rollups.mark_pending(programme_ids=programme_ids, unit_paths=unit_paths)
    generation.bump(programme_ids)
    countdown = settings.TIENDO_ROLLUP_COALESCE_SECONDS
    transaction.on_commit(lambda: tasks.rollups_flush_pending.apply_async(countdown=countdown))
