"""One writer at a time, whichever way a run starts (CLI, Dagster UI, schedule, sensor).

DuckDB lets one process write the build database; two pipelines on it fail with a raw
"Could not set lock on file" error halfway through. Every run therefore goes through one Dagster
instance: the UI, the schedule and the sensor queue their runs there (dagster.yaml allows one
run at a time), and `touchpoint run` records its run in the same instance (so it appears in the
UI's run history and holds back queued runs) after checking that no other run is in progress.
A file lock beside the build database closes the gap between two `touchpoint run`s that check
at the same moment.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

from orchestration.lib.dagster_storage import instance_settings
from warehouse.settings import TouchpointPaths

TAG_STARTED_BY = "touchpoint/started_by"
TAG_BUILD_DB = "touchpoint/build_db"
TAG_PID = "touchpoint/pid"
TAG_HOST = "touchpoint/host"
STARTED_BY_CLI = "touchpoint run"


class RunInProgressError(RuntimeError):
    """Another pipeline run is writing the same build database."""


def pipeline_instance(paths: TouchpointPaths) -> dg.DagsterInstance:
    """The Dagster instance that records runs: $DAGSTER_HOME (set by `make`, shared with the UI),
    else a private one in the build folder, so `touchpoint run`s still exclude each other."""
    shared = os.environ.get("DAGSTER_HOME")
    home = Path(shared) if shared else paths.build_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)  # Dagster refuses a DAGSTER_HOME that is missing
    settings = home / "dagster.yaml"
    if not shared and not settings.exists():
        # Dagster's default files and layout, with the event log that does not flush per event.
        settings.write_text(yaml.safe_dump(instance_settings(home)))
    return dg.DagsterInstance.from_config(str(home))


def cli_run_tags(paths: TouchpointPaths) -> dict[str, str]:
    return {
        TAG_STARTED_BY: STARTED_BY_CLI,
        TAG_BUILD_DB: str(paths.build_db),
        TAG_PID: str(os.getpid()),
        TAG_HOST: socket.gethostname(),
    }


def runs_in_progress(instance: dg.DagsterInstance, job_name: str) -> list[dg.DagsterRun]:
    """Runs of the pipeline job that are starting, running or being cancelled."""
    return list(
        instance.get_runs(dg.RunsFilter(job_name=job_name, statuses=list(IN_PROGRESS_RUN_STATUSES)))
    )


def ensure_no_run_in_progress(
    instance: dg.DagsterInstance, job_name: str, paths: TouchpointPaths
) -> None:
    """Raise RunInProgressError naming the run that writes this build database, if any.

    Runs the UI, schedule or sensor started carry no build tag: the instance serves one
    deployment, so they count as writing it. A `touchpoint run` whose process is gone (killed
    before it could record its end) is marked failed instead of blocking every later run.
    """
    for run in runs_in_progress(instance, job_name):
        build_db = run.tags.get(TAG_BUILD_DB)
        if build_db is not None and build_db != str(paths.build_db):
            continue
        if _abandoned(run):
            instance.report_run_failed(
                run, f"The `touchpoint run` process (pid {run.tags[TAG_PID]}) is gone."
            )
            continue
        raise RunInProgressError(
            f"Another pipeline run is writing {paths.build_db}: run {run.run_id} "
            f"({describe_origin(run)}, {run.status.value.lower()}). Nothing was started; "
            "run `touchpoint run` again when it has finished (its progress is in the Dagster "
            f"UI under Runs, {run.run_id[:8]})."
        )


def describe_origin(run: dg.DagsterRun) -> str:
    """Who started a run, in words: the CLI, the schedule, the sensor or the Dagster UI."""
    tags = run.tags
    if tags.get(TAG_STARTED_BY) == STARTED_BY_CLI:
        return f"started by `touchpoint run`, pid {tags.get(TAG_PID)} on {tags.get(TAG_HOST)}"
    if "dagster/schedule_name" in tags:
        return f"started by the schedule {tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"started by the sensor {tags['dagster/sensor_name']}"
    return "started from the Dagster UI"


def _abandoned(run: dg.DagsterRun) -> bool:
    tags = run.tags
    if tags.get(TAG_STARTED_BY) != STARTED_BY_CLI or tags.get(TAG_HOST) != socket.gethostname():
        return False
    try:
        os.kill(int(tags[TAG_PID]), 0)
    except ProcessLookupError:
        return True
    except (KeyError, ValueError, PermissionError):
        return False
    return False


@contextmanager
def build_lock(paths: TouchpointPaths, run_id: str) -> Iterator[None]:
    """Hold an exclusive lock on the build folder for one `touchpoint run`.

    The kernel releases the lock when the process ends, however it ends, so a crash never leaves
    a stale lock behind. The file names the holder for the refusal message.
    """
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    lock_path = paths.build_dir / "run.lock"
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise RunInProgressError(
                f"Another `touchpoint run` is writing {paths.build_db}: {_holder(handle.read())}. "
                "Nothing was started; try again when it has finished."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "run_id": run_id,
                    "pid": os.getpid(),
                    "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"run {holder['run_id']} (pid {holder['pid']}, started {holder['started_at']})"
    except (ValueError, KeyError, TypeError):
        return "a run that has not recorded its id yet"
