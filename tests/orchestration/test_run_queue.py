"""A run started in the Dagster UI (or by the schedule or sensor) while `touchpoint run` writes
waits in the instance's queue and starts when the CLI run has ended: never a DuckDB lock error.

The other direction (a CLI run while a UI run writes is refused, naming that run) is in
tests/e2e/test_run_guard.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import PythonFileTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)

from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME
from orchestration.lib.run_guard import STARTED_BY_CLI, TAG_STARTED_BY
from tests.orchestration.queue_probe_job import pipeline_probe
from warehouse.settings import REPO_ROOT

PROBE = Path(__file__).with_name("queue_probe_job.py")


def _record(instance: dg.DagsterInstance, run_id: str, event: DagsterEventType) -> None:
    instance.run_storage.handle_run_event(
        run_id, DagsterEvent(event_type_value=event.value, job_name=PIPELINE_JOB_NAME)
    )


def test_a_ui_run_queues_behind_a_cli_run_and_starts_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The instance settings `make demo` / `make serve` use (one run at a time), in a home of its
    # own: the settings name their storage folder by $DAGSTER_HOME.
    shutil.copy(REPO_ROOT / ".dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    target = PythonFileTarget(
        str(PROBE), attribute=None, working_directory=str(REPO_ROOT), location_name="probe"
    )
    with create_test_daemon_workspace_context(target, instance) as workspace:
        request = workspace.create_request_context()
        location = next(iter(request.get_code_location_entries().values())).code_location
        remote_job = location.get_repository("__repository__").get_full_job(PIPELINE_JOB_NAME)
        # `touchpoint run` records its in-process run in the same instance, as started.
        cli = instance.create_run_for_job(pipeline_probe, tags={TAG_STARTED_BY: STARTED_BY_CLI})
        _record(instance, cli.run_id, DagsterEventType.RUN_START)

        ui = instance.create_run_for_job(
            pipeline_probe,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            status=dg.DagsterRunStatus.NOT_STARTED,
        )
        instance.submit_run(ui.run_id, request)
        daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)
        list(daemon.run_iteration(workspace))
        assert instance.get_run_by_id(ui.run_id).status == dg.DagsterRunStatus.QUEUED

        _record(instance, cli.run_id, DagsterEventType.RUN_SUCCESS)
        list(daemon.run_iteration(workspace))
        assert instance.get_run_by_id(ui.run_id).status != dg.DagsterRunStatus.QUEUED
