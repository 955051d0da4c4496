"""Dagster's SQLite storage, without a disk flush for every event of a run.

Dagster's SQLite event log commits each event on its own connection, and SQLite's default
(`synchronous = FULL`) makes every commit wait for the disk. A pipeline run records about 2,500
events (every dbt model and test, asset check, planned materialization), so on the project's VM
disk (about 20 ms per flush, more when other jobs write) a run spent 45-55 s waiting for flushes
(py-spy profile of `touchpoint run` on the hand-made landing; DECISIONLOG D044).

`synchronous = OFF` hands each commit to the operating system without waiting. A killed or
crashed Touchpoint process loses nothing (the data is in the kernel's page cache); only an
operating-system crash or a power cut during a run can lose or damage the run history - never
the warehouse, whose build and publications are DuckDB files with their own guarantees. WAL mode
would keep even that safe, but Dagster opens a connection per event (closing the last one
checkpoints, i.e. flushes again) and its UI watches the `.db` file, not the WAL, for live events.
A deployment that needs a durable run history uses Dagster's Postgres storage.

Configured in `.dagster_home/dagster.yaml` (the UI's instance) and in the private instance that
`touchpoint run` keeps in its build folder (`orchestration/lib/run_guard.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy.engine import Connection


def instance_settings(home: Path) -> dict[str, Any]:
    """A dagster.yaml's settings for an instance in `home` that uses `TouchpointSqliteStorage`."""
    return {
        "storage": {
            "custom": {
                "module": __name__,
                "class": TouchpointSqliteStorage.__name__,
                "config": {"base_dir": str(home)},
            }
        }
    }


class UnflushedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run SQLite event log; each connection commits without waiting for the disk."""

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with super()._connect(shard) as connection:
            # Before the first statement, so outside any transaction SQLite has begun.
            connection.exec_driver_sql("PRAGMA synchronous = OFF")
            yield connection


class TouchpointSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (same files, same layout), with the unflushed event log."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = UnflushedSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> TouchpointSqliteStorage:  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)
