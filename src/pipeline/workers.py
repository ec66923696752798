"""Run one function over many items across processes (fork), results in the items' order; one job runs in-process."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

_work: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # what forked workers run, set before the pool forks
MIN_ITEMS = 64  # below this, starting processes costs more than it saves
MAX_CHUNK = 32  # items sent to a worker at a time: small enough that the workers finish close together


def default_jobs() -> int:
    """All the machine's cores (the ones this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(task: Callable[[Any], Any], items: Sequence[Any], jobs: int) -> list[Any]:
    """`[task(item) for item in items]`, spread over `jobs` processes when there are enough items.

    Workers are forked, so they already hold `task` and `items` (nothing of them is pickled): only
    item numbers go out and results come back, so keep results small and plain. The results are in
    the order of `items` whatever the number of jobs, so the output never depends on it.
    """
    if jobs <= 1 or len(items) < MIN_ITEMS:
        return [task(item) for item in items]
    import multiprocessing  # here: a build that makes a few outputs (one edit) runs them in-process, without loading it
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [task(item) for item in items]
    global _work
    _work = (task, items)
    gc.freeze()  # what the workers inherit is left out of their garbage collections: touching it would copy its pages
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)) as pool:
            return list(pool.map(_call, range(len(items)), chunksize=max(1, min(len(items) // (jobs * 8), MAX_CHUNK))))
    finally:
        gc.unfreeze()
        _work = None


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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


def _find_prctl() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_prctl = _find_prctl()


def _check_parent() -> None:
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)  # orphaned: the command is gone and nobody will read the result


def _call(number: int) -> Any:
    _check_parent()
    assert _work is not None
    task, items = _work
    return task(items[number])
