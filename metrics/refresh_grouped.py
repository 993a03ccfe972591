"""The status rows of a refresh, each given to the changed unit that it counts under.

A refresh after a bulk review recomputes a thousand communes and every district and province above them
(metrics.rollups.refresh_paths). Each assignment of the provinces read counts under the deepest changed unit
above it (or its own unit, when that changed). The rows are grouped by unit id (an integer, cheaper to group
than the unit's path) and each unit's changed unit is looked up in a map built once from the unit tree,
instead of walking each row's path prefixes.
"""

from __future__ import annotations

from datetime import date

from metrics import rollups


def targets_of_units(deep: list[tuple[int, str, int]]) -> dict[int, int]:
    """Map every unit below the changed units to the deepest changed unit above it (or to itself)."""
    tree = rollups.unit_tree()
    changed = {pk for pk, _path, _depth in deep}
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in tree.parent.items():
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    target: dict[int, int] = {}
    # From the topmost changed units down, each unit taking its parent's target unless it changed itself.
    stack = [pk for pk in changed if tree.parent.get(pk) not in changed]
    while stack:
        unit_id = stack.pop()
        parent_id = tree.parent.get(unit_id)
        target[unit_id] = unit_id if unit_id in changed else target[parent_id]
        stack.extend(children.get(unit_id, ()))
    return target


def status_rows(programme_id: int, day: date, deep: list[tuple[int, str, int]]):
    """Yield (changed unit, task, central, verified status, reported status, count) for the subtrees of the
    changed units, each assignment counted under the deepest changed unit that holds it."""
    target = targets_of_units(deep)
    top_depth = min(depth for _pk, _path, depth in deep)
    tops = [path for _pk, path, depth in deep if depth == top_depth]
    # The subtrees by path prefix: a list of ten thousand unit ids instead misleads the planner into a
    # nested loop over every assignment (20 s at scale 1 instead of a few). Grouping in the database by
    # the changed unit (an unnest join) cost more than it saved: the rows are mapped here.
    sql, params = rollups._status_query(
        programme_id=programme_id,
        day=day,
        group="a.unit_id",
        group_params=[],
        where="AND (" + " OR ".join(["u.path LIKE %s"] * len(tops)) + ")",
        where_params=[path + "%" for path in tops],
    )
    return ((target[row[0]], *row[1:]) for row in rollups._fetch(sql, params) if row[0] in target)
