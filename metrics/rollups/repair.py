"""A stale history day recomputed from a fresh stored day near it, not counted afresh.

A backdated report, a bulk review or an imported value flags every later stored day stale
(refresh.mark_history_stale), and until each is recomputed a page of a day near it is counted from the
report chains: seconds at scale 1. Counting a history day in full reads every assignment of the programme
(3.3 s of the 5.2 s a history day took at scale 1). Its status figures and per-task rows are exactly what
a day not stored is given by metrics.rollups.any_day, from a stored, not stale day and the reports
between the two, so the stale days are recomputed latest first, each from the fresh day after it (the
day just recomputed, a week later on the weekly grid). Indicator values and goals are counted afresh as
before: an imported value can have changed them. At scale 1 (NAT, 04/12/2026) a day so recomputed took
2.2–3.3 s, one counted in full 3.8–7.2 s.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext

from metrics.models import RollupDay
from metrics.rollups.any_day import base_day, top_figures
from metrics.rollups.bases import base_days
from metrics.rollups.status_sql import SNAPSHOT_DEPTH
from metrics.rollups.tree import Tree, compute_status
from metrics.rollups.write import recompute_programme
from projects.models import Programme

# Further than this from a fresh stored day, a history day is counted in full: the reports between grow
# with the distance, and at scale 1 some sixty days of them cost as much as counting the day afresh.
REPAIR_WITHIN_DAYS = 31


def recompute_day(stored: RollupDay) -> int:
    """Recompute a stored day as it was stored (complete, or the top of the tree), from a fresh stored day
    near it when it is a history day and there is one; return the rows written."""
    programme, day = stored.programme, stored.day
    base = _fresh_base(programme, day) if stored.max_depth == SNAPSHOT_DEPTH else None
    if base is None:
        return recompute_programme(programme, day=day, max_depth=stored.max_depth)

    def counted(tree: Tree) -> tuple[dict, dict, str]:
        # Under the programme's lock: since it was chosen, the base may have been flagged stale, or pruned
        # of its per-task rows (a nightly day off the weekly grid).
        if base_days(programme).filter(day=base).exists():
            top = top_figures(programme, day, bases=[base])
            if top is not None:
                detail = gettext("Counted from the stored day %(day)s and the reports between the two.")
                return top.status, dict(top.tasks), detail % {"day": base.isoformat()}
        accumulators: dict = {}
        figures = compute_status(programme=programme, day=day, tree=tree, accumulators=accumulators)
        return figures, accumulators, ""

    return recompute_programme(programme, day=day, max_depth=SNAPSHOT_DEPTH, counted=counted)


def _fresh_base(programme: Programme, day: date) -> date | None:
    """The fresh stored day with per-task rows nearest to ``day`` on its map, if within the window."""
    bases = base_days(programme).exclude(day=day).values_list("day", flat=True)
    base = base_day(programme, day, list(bases))
    if base is None or abs((base - day).days) > REPAIR_WITHIN_DAYS:
        return None
    return base
