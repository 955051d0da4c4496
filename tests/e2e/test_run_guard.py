"""One writer at a time, and no work without new files: what `touchpoint run`, the schedule and
the sensor do when another run is writing or nothing has arrived since the last publication."""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME, new_landing_files
from orchestration.lib.resources import WarehouseResource
from tests.helpers import PipelineRun, run_touchpoint
from warehouse.connections import connect_published

pytestmark = pytest.mark.slow


def _published_versions(warehouse: Path) -> list[int]:
    con = connect_published(warehouse)
    try:
        return [row[0] for row in con.execute("select version from ops.publications").fetchall()]
    finally:
        con.close()


def _build_dir(handmade_run: PipelineRun) -> Path:
    # Explicit: other tests may leave TOUCHPOINT_BUILD_DIR in this process's environment.
    warehouse = handmade_run.warehouse
    return warehouse.parent / f".{warehouse.stem}.build"


def _run(handmade_run: PipelineRun, tmp_path: Path, *extra: str, home: Path):
    return run_touchpoint(
        "run",
        "--landing",
        str(handmade_run.landing),
        "--warehouse",
        str(handmade_run.warehouse),
        "--build-dir",
        str(_build_dir(handmade_run)),
        *extra,
        cwd=tmp_path,
        env={"DAGSTER_HOME": str(home)},
    )


def test_a_run_with_nothing_new_publishes_nothing(
    handmade_run: PipelineRun, tmp_path: Path
) -> None:
    before = handmade_run.warehouse.stat()
    result = _run(handmade_run, tmp_path, home=tmp_path / "dagster_home")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing new" in result.stdout
    assert "Nothing was rebuilt or published" in result.stdout
    after = handmade_run.warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _published_versions(handmade_run.warehouse) == [1]


def test_a_run_while_a_dagster_run_writes_is_refused_by_name(
    handmade_run: PipelineRun, tmp_path: Path
) -> None:
    # A run the Dagster UI started on the same instance is still in progress.
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.from_config(str(home))
    ui_run = instance.add_run(
        dg.DagsterRun(job_name=PIPELINE_JOB_NAME, status=dg.DagsterRunStatus.STARTED)
    )
    result = _run(handmade_run, tmp_path, "--force", home=home)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"run {ui_run.run_id}" in result.stderr
    assert "started from the Dagster UI" in result.stderr
    assert "Could not set lock" not in result.stdout + result.stderr
    assert _published_versions(handmade_run.warehouse) == [1]


def test_two_touchpoint_runs_on_one_build_refuse_the_second(
    handmade_run: PipelineRun, tmp_path: Path
) -> None:
    with (_build_dir(handmade_run) / "run.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.seek(0)
        held.truncate()
        held.write(json.dumps({"run_id": "first-run", "pid": 1, "started_at": "now"}))
        held.flush()
        result = _run(handmade_run, tmp_path, "--force", home=tmp_path / "dagster_home")
        held.truncate(0)
        fcntl.flock(held, fcntl.LOCK_UN)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "run first-run" in result.stderr
    assert _published_versions(handmade_run.warehouse) == [1]


def _sensor_decision(landing: Path, warehouse: Path, cursor: str | None = None):
    resource = WarehouseResource(
        landing_dir=str(landing), warehouse=str(warehouse), build_dir=str(warehouse.parent / "b")
    )
    context = dg.build_sensor_context(cursor=cursor, resources={"warehouse": resource})
    return new_landing_files.evaluate_tick(context)


def test_sensor_ignores_published_files_and_fires_on_unseen_ones(
    handmade_run: PipelineRun, tmp_path: Path
) -> None:
    published = _sensor_decision(handmade_run.landing, handmade_run.warehouse)
    assert not published.run_requests
    assert "Nothing new" in published.skip_message

    landing = tmp_path / "landing"
    shutil.copytree(handmade_run.landing, landing)  # copy2 keeps sizes and mtimes
    assert not _sensor_decision(landing, handmade_run.warehouse).run_requests
    template = next((landing / "surveys" / "responses").glob("*.csv"))
    shutil.copy(template, landing / "surveys" / "responses" / "2026-05-09.csv")
    fired = _sensor_decision(landing, handmade_run.warehouse)
    assert len(fired.run_requests) == 1
    assert fired.run_requests[0].tags["touchpoint/unseen_files"] == "1"
    assert not _sensor_decision(landing, handmade_run.warehouse, fired.cursor).run_requests
