"""A day's per-task figures survive the figure cache's pickling unchanged, however they are read back."""

import pickle

from metrics.rollups.any_day import PackedTasks, TopFigures, task_totals


def test_top_figures_round_trip_through_pickle_with_their_tasks_packed():
    tasks = {
        (10, "verified"): {1: [5, 2, 1, 3, 0, 0, 1], 2: [1, 1, 0, 1, 1, 1, 0]},
        (10, "reported"): {1: [5, 3, 1, 4, 0, 0, 1]},
        (11, "verified"): {2: [7, 0, 7, 0, 7, 0, 0]},
    }
    top = TopFigures(status={10: {"verified": {"assignments": 6}}}, tasks=tasks, nation_holds=True)
    top.task_totals = task_totals(tasks)
    read = pickle.loads(pickle.dumps(top))  # noqa: S301 (its own data, as the cache does)
    assert isinstance(read.tasks, PackedTasks)
    assert dict(read.tasks) == tasks  # every key, opened
    assert read.tasks.get((11, "verified")) == {2: [7, 0, 7, 0, 7, 0, 0]}
    assert read.tasks.get((12, "verified")) is None
    assert read.task_totals == top.task_totals and read.status == top.status and read.nation_holds
    # Packed twice (a cached copy cached again) reads the same.
    assert dict(pickle.loads(pickle.dumps(read)).tasks) == tasks  # noqa: S301
