"""Set-based recompute of every rollup: status counts, goals achieved and indicator values.

One grouped query per programme reads every assignment's status as of a day in both views, using the
report chains (``effective_date <= D AND (until IS NULL OR until > D)``, kept by projects.services);
the tree is rolled up in memory along ``Unit.parent``, one merge per unit, deepest level first; the
rows are written in one transaction under a per-programme lock. So a run is idempotent, two runs at
once serialise and give the same rows as one, and a worker killed mid-run leaves the previous rows.

A refresh after a change recomputes only the units on the changed paths to the nation: the same
query, grouped by the deepest changed unit that holds each assignment, rolls up a tree of a few rows.
"""

from __future__ import annotations

from metrics.rollups.any_day import (  # noqa: F401
    TopFigures,
    base_day,
    indicator_base_day,
    stored_indicator_values,
    task_totals,
    top_figures,
)
from metrics.rollups.bases import (  # noqa: F401
    days_without_base,
    first_task_row,
    stored_day_rows,
)
from metrics.rollups.children import children_counts  # noqa: F401
from metrics.rollups.indicators import (  # noqa: F401
    compute_goals,
    compute_indicators,
    indicator_periods,
    indicator_value_of,
    latest_observations,
    nation_of,
)
from metrics.rollups.refresh import (  # noqa: F401
    _path_prefixes,
    _refresh_figures,
    _refresh_goals,
    _root_figures,
    _target_tree,
    computed_at_of,
    flush_pending,
    mark_history_stale,
    mark_pending,
    recompute_stale,
    refresh_paths,
    stale_after,
)
from metrics.rollups.status_sql import (  # noqa: F401
    BATCH_SIZE,
    DONE_LATE,
    DONE_ON_TIME,
    IN_PROGRESS,
    LOCK_NAMESPACE,
    NOT_STARTED,
    OVERDUE,
    SNAPSHOT_DEPTH,
    STATUS_FIELDS,
    STATUSES,
    VIEWS,
    _counting_join,
    _fetch,
    _status_case,
    _status_query,
    today,
)
from metrics.rollups.tree import (  # noqa: F401
    Tree,
    _figures,
    _task_status_counts,
    _unit_tree,
    compute_status,
    roll_up,
    unit_tree,
)
from metrics.rollups.verify import (  # noqa: F401
    TASK_FIELDS,
    _aggregate,
    _fresh_status,
    _verify_indicators,
    _verify_tasks,
    verify,
    verify_programme,
)
from metrics.rollups.write import (  # noqa: F401
    BASE_STEP_DAYS,
    _bulk_insert,
    _lock,
    _pause_for_tests,
    _Run,
    _status_objects,
    _write_status,
    _write_tasks,
    analyze_rollups,
    fill_history,
    history_days,
    prune,
    recompute_all,
    recompute_history,
    recompute_programme,
)
