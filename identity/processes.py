"""Python work split over processes: one core runs Python at a time per process, and the
machine identity resolution is sized for has two (docs/identity.md, section 8)."""

from __future__ import annotations

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


_FORKED_TASKS: list[Callable[[], Any]] = []


def _run_forked_task(n: int) -> Any:
    return _FORKED_TASKS[n]()


def in_processes(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Each task's result; the first in this process, the others in forked processes at the
    same time. Only the other tasks' results are pickled; their inputs are inherited."""
    if len(tasks) == 1:
        return [tasks[0]()]
    _FORKED_TASKS[:] = tasks
    try:
        with ProcessPoolExecutor(
            len(tasks) - 1, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            others = [pool.submit(_run_forked_task, n) for n in range(1, len(tasks))]
            first = tasks[0]()
            return [first, *(f.result() for f in others)]
    finally:
        _FORKED_TASKS.clear()
