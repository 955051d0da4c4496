"""Python work split over processes: one core runs Python at a time per process, and the
machine identity resolution is sized for has two (docs/identity.md, section 8)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: Below this many records, work stays in one process: a second one costs more than it saves.
PARALLEL_MIN_RECORDS = 100_000


def can_fork() -> bool:
    """A second core, and `fork` (the child inherits the data instead of unpickling it)."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def parallel(records: int) -> bool:
    """Is `records` records' work worth a second process (and can one be forked)?"""
    return records >= PARALLEL_MIN_RECORDS and can_fork()


#: The tasks of each running `in_processes` call, by call: a task run in this process may itself
#: split its work (the guarded pass inside the rules' first pass), and each fork copies the
#: tasks of the calls running when it happens.
_FORKED_TASKS: dict[int, list[Callable[[], Any]]] = {}
_CALLS = itertools.count()


def _run_forked_task(call: int, n: int) -> Any:
    return _FORKED_TASKS[call][n]()


def in_processes(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Each task's result; the first in this process, the others in forked processes at the
    same time. Only the other tasks' results are pickled; their inputs are inherited."""
    if len(tasks) == 1:
        return [tasks[0]()]
    call = next(_CALLS)
    _FORKED_TASKS[call] = tasks
    try:
        # with `fork`, the pool starts all its workers at the first submit, before this process
        # runs the first task
        with ProcessPoolExecutor(
            len(tasks) - 1, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            others = [pool.submit(_run_forked_task, call, n) for n in range(1, len(tasks))]
            first = tasks[0]()
            return [first, *(f.result() for f in others)]
    finally:
        del _FORKED_TASKS[call]
