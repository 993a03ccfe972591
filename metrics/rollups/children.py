"""A unit's children's assignments by status in both views, counted from the report chains.

A table of a unit's children (dashboard.unit_rows: a province's districts or communes, a district's
communes) shows each child's assignments by status, never its per-task figures. On a day whose stored
rows do not reach the children's depth (a day not stored, or a history day, which keeps the nation and
the units right below it), they are counted here: grouped by unit and status only, a province's subtree
gives a row per unit and status pair instead of one per unit and task, and nothing is rolled up per
task. At scale 1, Hà Nội on 24/03/2025 (8,902 assignments below it): 47 ms against 85 for counting
every figure of its subtree (tree.compute_status, which a deeper unit's own figures still come from).
"""

from __future__ import annotations

from datetime import date

from metrics.rollups.status_sql import STATUS_FIELDS, VIEWS, _fetch, _status_query
from projects.models import Programme, Unit


def children_counts(*, programme: Programme, day: date, parent: Unit) -> dict[int, dict[str, dict[str, int]]]:
    """Return child id → view → ``assignments`` and the count of each status (STATUS_FIELDS) of the
    assignments in each child's subtree that count on ``day``; a child with none is left out."""
    units = list(
        Unit.objects.subtree(parent).filter(depth__gt=parent.depth).values_list("pk", "path", "depth")
    )
    if not units:
        return {}
    child_of_path = {path: pk for pk, path, depth in units if depth == parent.depth + 1}
    start = len(parent.path)
    # A unit's child-of-parent ancestor is named by the first part of its path below the parent's.
    child_of = {pk: child_of_path[path[: path.index("/", start) + 1]] for pk, path, _depth in units}
    # By unit ids, not ``u.path LIKE``: see tree.compute_status.
    sql, params = _status_query(
        programme_id=programme.pk,
        day=day,
        group="a.unit_id",
        group_params=[],
        where=f"AND a.unit_id IN ({', '.join(['%s'] * len(child_of))})",
        where_params=list(child_of),
        per_task=False,
    )
    counts: dict[int, list[list[int]]] = {}
    for unit_id, verified, reported, n in _fetch(sql, params):
        by_view = counts.setdefault(child_of[unit_id], [[0] * len(STATUS_FIELDS) for _ in VIEWS])
        by_view[0][verified] += n
        by_view[1][reported] += n
    return {
        child: {
            view: {"assignments": sum(statuses), **dict(zip(STATUS_FIELDS, statuses, strict=True))}
            for view, statuses in zip(VIEWS, by_view, strict=True)
        }
        for child, by_view in counts.items()
    }
