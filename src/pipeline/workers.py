"""Run one function over many items across processes (fork), results in the items' order; one job runs in-process.

Each worker takes the items of its own stretch of the sequence, in order, and only then helps another with the end of
its stretch: a worker touches the data of neighbouring items only, and a forked worker copies every page of the
command's memory it touches (reference counts are written even by reading), so items that share data belong together.
The command is one of the workers (the last stretch is its own): a page that it and one forked worker both touch is
copied once, where two forked workers would each copy it, and one process fewer holds its own memory.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

_work: tuple[Callable[[Any], Any], Sequence[Any], Any] | None = None  # what forked workers run, and their stretches: set before the fork
MIN_ITEMS = 64  # below this, starting processes costs more than it saves
MAX_CHUNK = 32  # calls sent to a worker at a time: small enough that the workers finish close together


def default_jobs() -> int:
    """All the machine's cores (the ones this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(task: Callable[[Any], Any], items: Sequence[Any], jobs: int, starts: Sequence[int] = ()) -> list[Any]:
    """`[task(item) for item in items]`, spread over `jobs` processes when there are enough items: this one and `jobs - 1` forked.

    Workers are forked, so they already hold `task` and `items` (nothing of them is pickled): only
    calls go out and results come back, so keep results small and plain. The results are in
    the order of `items` whatever the number of jobs, so the output never depends on it.
    Worker k takes items from `starts[k]` on (by default the items are split evenly): a caller puts
    items that use the same data next to each other, and the longest where a worker starts.
    """
    if jobs <= 1 or len(items) < MIN_ITEMS:
        return [task(item) for item in items]
    import multiprocessing  # here: a build that makes a few outputs (one edit) runs them in-process, without loading it
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [task(item) for item in items]
    global _work
    context = multiprocessing.get_context("fork")
    stretches = _stretches(context, len(items), jobs, starts)
    _work = (task, items, stretches)
    gc.freeze()  # what the workers inherit is left out of their garbage collections: touching it would copy its pages
    release_free_memory()
    try:
        with ProcessPoolExecutor(jobs - 1, mp_context=context, initializer=_start, initargs=(os.getpid(),)) as pool:
            results: list[Any] = [None] * len(items)
            calls = pool.map(_call, range(len(items)), chunksize=max(1, min(len(items) // (jobs * 8), MAX_CHUNK)))
            try:
                while (number := _next_item(jobs - 1, stretches)) >= 0:  # this process takes the last stretch
                    results[number] = task(items[number])
            except BaseException:
                _take_all(stretches)  # the workers' calls left find nothing to do
                raise
            for number, result in calls:
                if number >= 0:
                    results[number] = result
            return results
    finally:
        gc.unfreeze()
        _work = None


def _stretches(context: Any, count: int, jobs: int, starts: Sequence[int]) -> Any:
    """Shared by the workers: how many have started, then each worker's stretch of item numbers as [next, end)."""
    bounds = sorted({0, *(n for n in starts if 0 < n < count)}) if starts else [count * k // jobs for k in range(jobs)]
    bounds = (bounds + [count] * jobs)[:jobs] + [count]
    return context.Array("q", [0, *(value for k in range(jobs) for value in (bounds[k], bounds[k + 1]))])


def _next_item(lane: int, stretches: Any) -> int:
    """The next item of this worker's stretch; when it is done, the last item of the stretch with the most left; -1 when none is left."""
    with stretches.get_lock():
        shared = stretches.get_obj()
        lanes = (len(shared) - 1) // 2
        own = 1 + 2 * (lane % lanes)
        if shared[own] < shared[own + 1]:
            shared[own] += 1
            return int(shared[own] - 1)
        other = max(range(1, len(shared), 2), key=lambda at: shared[at + 1] - shared[at])
        if shared[other] >= shared[other + 1]:
            return -1  # every item is taken
        shared[other + 1] -= 1
        return int(shared[other + 1])


def _take_all(stretches: Any) -> None:
    """Leave no item to take (a failure: what is left is not wanted)."""
    with stretches.get_lock():
        shared = stretches.get_obj()
        for at in range(1, len(shared), 2):
            shared[at] = shared[at + 1]


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


_lane = 0  # in a worker: which stretch of the items is its own


def _start(parent: int) -> None:
    """In a worker, first: take the next stretch of the items as its own, and die with the command (_die_with)."""
    global _lane
    assert _work is not None
    stretches = _work[2]
    with stretches.get_lock():
        _lane = int(stretches[0])
        stretches[0] += 1
    _die_with(parent)


def _die_with(parent: int) -> None:
    """In a worker: be killed when the command that forked it dies (even by SIGKILL), so no worker outlives it.

    Linux delivers SIGKILL when the parent goes; elsewhere (or if prctl is missing) the worker checks the
    parent before each item. A parent gone before the signal was asked for is caught by the first check.
    """
    global _parent
    _parent = parent
    die_with_parent()
    _check_parent()


_parent: int | None = None  # the command's process, in a worker


def die_with_parent() -> None:
    """For subprocess's preexec_fn: the child (ssh, rsync) is killed when the command that started it dies.

    Only a call through a function pointer found beforehand, in the parent: nothing is loaded or locked after the fork.
    """
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _libc(name: str) -> Any:
    """The C library's function `name`, or None where it has none (malloc_trim is glibc's, prctl Linux's)."""
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)  # the C library is loaded in every process: no search for it
    except (OSError, AttributeError):
        return None


_prctl = _libc("prctl")
_malloc_trim = _libc("malloc_trim")


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim; a few ms): what the command freed (a build lets its
    validation go before it writes) would otherwise still count as its memory, and be copied into each worker that allocates there."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _check_parent() -> None:
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)  # orphaned: the command is gone and nobody will read the result


def _call(_: int) -> tuple[int, Any]:
    """One call: the next item of this worker's (_next_item), and its result; (-1, None) when the items are all taken
    (there is a call for every item, and the command makes some of them itself)."""
    _check_parent()
    assert _work is not None
    task, items, stretches = _work
    number = _next_item(_lane, stretches)
    return number, task(items[number]) if number >= 0 else None
