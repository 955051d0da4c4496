"""Failures that stop a load, named by their cause: a full disk, DuckDB's memory limit.

Ingestion writes in a few places (scratch copies of a batch, DuckDB's spill files, the database
itself). When one of them runs out of room, the caller gets an :class:`IngestionError` whose
message says what ran out, where, and what the run left behind, instead of a driver traceback.
Nothing is half-written: a batch is published in one transaction, so raw holds every batch
committed before the failure (each recorded in the ledger) and none of the failing one; the
next run loads what is left.
"""

from __future__ import annotations

import errno

import duckdb

from ingestion.contract import EntitySpec

_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DISK_FULL_TEXT = ("no space left on device", "disk quota exceeded", "file too large")
_AFTERMATH = (
    "raw holds the batches committed before the failure (in the ledger) and nothing of the "
    "failing batch; the next run loads the rest"
)


class IngestionError(RuntimeError):
    """A load stopped for a reason outside the data; the message names the cause."""


def explain(
    exc: BaseException, spec: EntitySpec, memory_limit: str | None
) -> IngestionError | None:
    """An :class:`IngestionError` for a full disk or exhausted memory; None for anything else
    (which the caller re-raises unchanged)."""
    what = f"{spec.system}/{spec.entity}"
    if _is_disk_full(exc):
        where = getattr(exc, "filename", None)
        place = f" while writing {where}" if where else ""
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else _first_line(exc)
        return IngestionError(
            f"{what}: the disk is full ({cause}){place}. {_AFTERMATH}. "
            "Free space on that disk (scratch copies go to /dev/shm or the temp folder, "
            "DuckDB's spill files to its temp_directory) and run again."
        )
    if isinstance(exc, (duckdb.OutOfMemoryException, MemoryError)):
        limit = f" (memory_limit = {memory_limit})" if memory_limit else ""
        return IngestionError(
            f"{what}: out of memory{limit}: {_first_line(exc)}. {_AFTERMATH}. Raise DuckDB's "
            "memory_limit or lower batch_bytes (files read per transaction) and run again."
        )
    return None


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        return True
    return isinstance(exc, duckdb.Error) and any(t in str(exc).lower() for t in _DISK_FULL_TEXT)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
