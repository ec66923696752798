"""Run one function over many items across processes (fork), results in the items' order; one job runs in-process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_task: Callable[[Any], Any] | None = None  # what a forked worker runs: set before the pool forks
MIN_ITEMS = 64  # below this, starting processes costs more than it saves


def default_jobs() -> int:
    """All the machine's cores (the ones this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(task: Callable[[Any], Any], items: Sequence[Any], jobs: int) -> list[Any]:
    """`[task(item) for item in items]`, spread over `jobs` processes when there are enough items.

    Workers are forked, so `task` may be a closure over the caller's state (nothing of it is
    pickled); items and results are, so keep both small and plain. The order of the results is
    the order of `items` whatever the number of jobs, so the output never depends on it.
    """
    if jobs <= 1 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        return [task(item) for item in items]
    global _task
    _task = task
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_call, items, chunksize=max(1, len(items) // (jobs * 4))))
    finally:
        _task = None


def _call(item: Any) -> Any:
    assert _task is not None
    return _task(item)
