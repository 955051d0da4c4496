"""The Dagster instances Touchpoint configures record runs without a disk flush per event
(DECISIONLOG D044), in Dagster's own files and layout, and read back what they wrote."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.lib.dagster_storage import (
    UnflushedSqliteEventLogStorage,
)
from orchestration.lib.run_guard import pipeline_instance
from warehouse.settings import REPO_ROOT, TouchpointPaths


@dg.op
def say_hello() -> str:
    return "hello"


@dg.job
def hello_job() -> None:
    say_hello()


def _synchronous_setting(storage: UnflushedSqliteEventLogStorage, run_id: str) -> int:
    with storage.run_connection(run_id) as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_the_private_instance_of_touchpoint_run_writes_events_unflushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    paths = TouchpointPaths.resolve(
        landing_dir=tmp_path / "landing", warehouse=tmp_path / "out" / "touchpoint.duckdb"
    )
    instance = pipeline_instance(paths)
    events = instance.event_log_storage
    assert isinstance(events, UnflushedSqliteEventLogStorage)

    result = hello_job.execute_in_process(instance=instance)
    assert result.success
    assert _synchronous_setting(events, result.run_id) == 0  # OFF; SQLite's default is 2 (FULL)
    # Dagster's layout: one event database per run beside the cross-run index.
    runs_folder = paths.build_dir / "dagster_home" / "history" / "runs"
    assert (runs_folder / f"{result.run_id}.db").exists() and (runs_folder / "index.db").exists()
    # What was written reads back, also through a new instance on the same folder.
    again = pipeline_instance(paths)
    kinds = {e.dagster_event_type for e in again.all_logs(result.run_id) if e.is_dagster_event}
    assert dg.DagsterEventType.RUN_SUCCESS in kinds
    assert again.get_run_by_id(result.run_id).status == dg.DagsterRunStatus.SUCCESS


def test_the_ui_instance_settings_select_the_same_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dagster.yaml").write_text(
        (REPO_ROOT / ".dagster_home" / "dagster.yaml").read_text()
    )
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    assert isinstance(instance.event_log_storage, UnflushedSqliteEventLogStorage)
    result = hello_job.execute_in_process(instance=instance)
    assert _synchronous_setting(instance.event_log_storage, result.run_id) == 0
    assert (tmp_path / "history" / "runs" / f"{result.run_id}.db").exists()
