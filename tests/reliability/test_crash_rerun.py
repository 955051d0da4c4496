"""Crash anywhere, re-run: `touchpoint run` killed with SIGKILL (its whole process group, dbt
included) at points through the pipeline. After each kill the published warehouse is the
previous version and opens cleanly; the next run is not blocked (the killed run's Dagster record
is marked failed, the kernel dropped its build lock) and finishes with a warehouse equal to a run
that was never interrupted (the shared hand-made build): rows per table and every metric; the
ingestion ledger holds each file exactly once. The last run also finds the publication damaged
(cut in half) with nothing new to load, and rebuilds and publishes it anyway.

One chain of runs on one build keeps this affordable: each run resumes from what the killed one
left. Kills that no log line or file marks are placed by tests/reliability/kill_points (a
test-only `sitecustomize` on PYTHONPATH); the others are watched from outside.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.helpers import HANDMADE_LANDING, TOUCHPOINT, PipelineRun
from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer

pytestmark = pytest.mark.slow

KILL_POINTS = Path(__file__).with_name("kill_points")
# Run metadata that differs between any two runs by design (times, run ids, one audit row per
# entity and run, check evaluations, one row per identity resolution): left out of "equal to an
# uninterrupted run".
RUN_SPECIFIC_TABLES = {"publications", "load_audit", "check_results", "resolution_runs"}


class Chain:
    """`touchpoint run` again and again on one landing folder, build and published warehouse."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.warehouse = folder / "out" / "touchpoint.duckdb"
        self.build_db = folder / "out" / ".touchpoint.build" / "touchpoint.duckdb"
        self.outputs: list[str] = []

    def run(
        self,
        *args: str,
        kill_at: str | None = None,
        kill_when: Callable[[str], bool] | None = None,
        kill_on_file: str | None = None,
    ) -> tuple[int, str]:
        """One run; killed (process group, SIGKILL) at a kill point, when a line of its output
        satisfies `kill_when`, or when a file matching `kill_on_file` appears beside the
        warehouse. Returns (exit status, output)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TOUCHPOINT_") and k != "DAGSTER_HOME"
        }
        env["DBT_TARGET_PATH"] = str(self.folder / "dbt_target")
        env["PYTHONUNBUFFERED"] = "1"  # each line as it is written: the kill lands mid-step
        if kill_at:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(KILL_POINTS), env.get("PYTHONPATH")])
            )
            env["TOUCHPOINT_TEST_KILL_AT"] = kill_at
        process = subprocess.Popen(
            [
                str(TOUCHPOINT),
                "run",
                "--landing",
                str(HANDMADE_LANDING),
                "--warehouse",
                str(self.warehouse),
                *args,
            ],
            cwd=self.folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the kill takes dbt with it
        )
        killed = threading.Event()

        def kill() -> None:
            if not killed.is_set():
                killed.set()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)

        watcher = None
        if kill_on_file:
            watcher = threading.Thread(
                target=_kill_when_file_appears,
                args=(self.warehouse.parent, kill_on_file, kill, process),
                daemon=True,
            )
            watcher.start()
        lines = []
        deadline = time.monotonic() + 1200
        for line in process.stdout:
            lines.append(line)
            if kill_when is not None and kill_when(line):
                kill()
            if time.monotonic() > deadline:
                kill()
                raise AssertionError("the run took more than 20 minutes")
        returncode = process.wait()
        if watcher is not None:
            watcher.join(timeout=5)
        output = "".join(lines)
        self.outputs.append(output)
        return returncode, output

    def killed_run(self, *args: str, **kill) -> str:
        returncode, output = self.run(*args, **kill)
        assert returncode == -signal.SIGKILL, (returncode, output[-3000:])
        return output

    def published_version(self) -> int | None:
        """The published version, after reading every published table in full (None: none)."""
        if not self.warehouse.exists():
            return None
        con = connect_published(self.warehouse)
        try:
            for schema, table in _tables(con):
                con.execute(f'select * from "{schema}"."{table}"').fetchall()
            return con.execute("select max(version) from ops.publications").fetchone()[0]
        finally:
            con.close()


def _kill_when_file_appears(folder: Path, pattern: str, kill, process) -> None:
    while process.poll() is None:
        if any(folder.glob(pattern)):
            kill()
            return
        time.sleep(0.005)


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() order by all"
    ).fetchall()


def warehouse_state(warehouse: Path) -> dict[str, object]:
    """Rows per published table (run metadata left out) and every metric's overall value."""
    con = connect_published(warehouse)
    try:
        state: dict[str, object] = {
            f"{schema}.{table}": con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
            for schema, table in _tables(con)
            if table not in RUN_SPECIFIC_TABLES
        }
        layer = SemanticLayer.from_publication(con)
        for metric in layer.metrics:
            try:
                frame = layer.query([metric.name], []).round(9).astype(object)
                # a metric without data is null (NaN) in both, and NaN != NaN
                state[f"metric {metric.name}"] = frame.where(frame.notna(), None).to_dict("list")
            except Exception as error:
                state[f"metric {metric.name}"] = f"error: {type(error).__name__}"
        return state
    finally:
        con.close()


def dbt_step_started(nth: int) -> Callable[[str], bool]:
    """True on the first model a dbt step creates, in the nth dbt step of the run."""
    seen = {"steps": 0}

    def check(line: str) -> bool:
        if "Running dbt command: `dbt build" in line:
            seen["steps"] += 1
        return seen["steps"] == nth and bool(re.search(r"OK created", line))

    return check


def ledger_counts(build_db: Path) -> dict[str, int]:
    """Rows per delivered file in a build's ingestion ledger."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        return dict(
            con.execute("select source_file, count(*) from raw.load_ledger group by all").fetchall()
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(handmade_run: PipelineRun) -> tuple[dict[str, object], dict[str, int]]:
    """The uninterrupted run's warehouse state and ledger (every file once)."""
    ledger = ledger_counts(handmade_run.build_db)
    assert ledger and set(ledger.values()) == {1}
    return warehouse_state(handmade_run.warehouse), ledger


def test_a_run_killed_anywhere_reruns_to_the_uninterrupted_warehouse(tmp_path, reference):
    reference_state, reference_ledger = reference
    chain = Chain(tmp_path)

    # Nothing published yet: every kill must leave no published file behind.
    chain.killed_run(kill_at="ingest-staged:4")  # three entities committed, the fourth staged
    assert chain.published_version() is None
    chain.killed_run(kill_at="ingest-before-ledger:2")  # rows inserted, ledger not written
    assert chain.published_version() is None
    chain.killed_run(kill_when=dbt_step_started(2))  # mid-way through the staging models
    assert chain.published_version() is None

    returncode, output = chain.run()
    assert returncode == 0, output[-3000:]
    assert chain.published_version() == 1
    assert warehouse_state(chain.warehouse) == reference_state
    assert ledger_counts(chain.build_db) == reference_ledger  # each file exactly once

    # Version 1 published: every kill must leave it in place, readable in full.
    chain.killed_run("--force", kill_at="identity-before-write:1")
    assert chain.published_version() == 1
    chain.killed_run("--force", kill_when=dbt_step_started(3))  # the marts after identity
    assert chain.published_version() == 1
    chain.killed_run("--force", kill_on_file=".touchpoint*.partial")  # writing the publication
    assert chain.published_version() == 1
    chain.killed_run("--force", kill_at="publish-rename:1")  # complete, before the rename
    assert chain.published_version() == 1

    # Then the published file is damaged (cut in half). Nothing in the landing folder is new, yet
    # the next run notices the damage, rebuilds from the build and publishes again.
    os.truncate(chain.warehouse, chain.warehouse.stat().st_size // 2)
    returncode, output = chain.run()
    assert returncode == 0, output[-3000:]
    assert "is damaged" in output and "Nothing new" not in output
    assert chain.published_version() > 1
    assert warehouse_state(chain.warehouse) == reference_state
    assert ledger_counts(chain.build_db) == reference_ledger
