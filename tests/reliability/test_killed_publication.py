"""A publication killed half-way (issue 16), on a small build published by a process of its own
that the test-only kill points SIGKILL (no pipeline run): between the renames of the restricted
and analyst publications, or with both complete before either rename. What it leaves is found
and handled: readers of personal data see the pair is out of step, the next run rebuilds, and
the temporary files it left are removed by the next `touchpoint run` or publication, never
while a publication holds its lock."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.landing import landing_status
from privacy.access import clear_profile
from tests.helpers import run_touchpoint
from tests.reliability.small_publication import published_path, published_version, small_build
from warehouse.publication import (
    PublicationsOutOfStep,
    parquet_dir,
    publications_out_of_step,
    publish,
    remove_leftovers,
    restricted_publication_path,
    version_of,
)
from warehouse.settings import REPO_ROOT

HERE = Path(__file__).parent


def published_once(folder: Path) -> Path:
    """Version 1 of the small build, published in this process."""
    build_db, manifest = small_build(folder, rows=1000)
    warehouse = published_path(folder)
    publish(build_db, warehouse, "run-1", folder, manifest)
    return warehouse


def killed_publication(folder: Path, kill_at: str) -> None:
    """Publish again in a process of its own, SIGKILLed at `kill_at` (kill_points)."""
    result = subprocess.run(
        [sys.executable, str(HERE / "small_publication.py"), str(folder), "run-killed"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINT_")},
            "PYTHONPATH": os.pathsep.join([str(HERE / "kill_points"), str(REPO_ROOT)]),
            "TOUCHPOINT_TEST_KILL_AT": kill_at,
        },
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # the kill takes its process group, not pytest
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr


def leftovers(warehouse: Path) -> set[str]:
    return {path.name for path in warehouse.parent.iterdir() if ".partial" in path.name}


def test_a_kill_between_the_renames_leaves_a_pair_out_of_step_that_readers_see(
    tmp_path: Path,
) -> None:
    warehouse = published_once(tmp_path)
    restricted = restricted_publication_path(warehouse)
    killed_publication(tmp_path, "publish-rename:2")  # restricted renamed, analyst not yet

    # Analysts keep version 1, complete; the restricted publication is version 2 and says so.
    assert published_version(warehouse) == 1
    assert version_of(restricted) == 2
    out_of_step = publications_out_of_step(warehouse)
    assert out_of_step is not None and "is version 2" in out_of_step
    assert "version 1" in out_of_step

    # Customer 360 shows no personal data of another version than the page's
    with pytest.raises(PublicationsOutOfStep, match="stopped between replacing the two"):
        clear_profile(restricted, "any-customer", version=1)

    # The next run (CLI, schedule, sensor) rebuilds even with nothing new to load.
    landing = tmp_path / "landing"
    landing.mkdir()
    assert landing_status(landing, warehouse).damaged == out_of_step

    # The analyst file the kill left is removed; the next publication puts the pair in step.
    assert len(leftovers(warehouse)) == 1
    build_db, manifest = small_build(tmp_path, rows=1000)
    publish(build_db, warehouse, "run-3", tmp_path, manifest)
    assert publications_out_of_step(warehouse) is None
    assert version_of(restricted) == published_version(warehouse) == 3
    assert not leftovers(warehouse)
    assert landing_status(landing, warehouse).damaged is None


def test_the_next_touchpoint_run_removes_what_a_killed_publication_left(tmp_path: Path) -> None:
    warehouse = published_once(tmp_path)
    parquet_before = parquet_dir(warehouse).resolve()
    killed_publication(tmp_path, "publish-rename:1")  # both complete, neither renamed
    left = {path.name for path in warehouse.parent.iterdir()} - {
        warehouse.name,
        restricted_publication_path(warehouse).name,
        parquet_before.name,
        "parquet",
        f".{warehouse.name}.publications.json",
    }
    assert len([name for name in left if name.endswith(".partial")]) == 2, left
    assert [name for name in left if name.startswith(".parquet.")], left  # not switched to
    assert parquet_dir(warehouse).resolve() == parquet_before  # Parquet stays with version 1
    # Files of other owners beside the warehouse, named much like ours
    others = [
        ".touchpoint.duckdb.not-a-publication.partial",
        ".touchpoint.suppression.0123abcd.partial",
        "notes.duckdb",
        ".parquet.my-export",
    ]
    for name in others:
        (warehouse.parent / name).write_text("not Touchpoint's")

    landing = tmp_path / "landing"
    landing.mkdir()
    result = run_touchpoint(
        "run", "--landing", str(landing), "--warehouse", str(warehouse), cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing new" in result.stdout
    remaining = {path.name for path in warehouse.parent.iterdir()}
    assert not remaining & left, remaining & left
    assert set(others) <= remaining
    assert "left by a publication that did not finish" in result.stderr
    assert (
        published_version(warehouse) == 1
        and version_of(restricted_publication_path(warehouse)) == 1
    )
    assert parquet_dir(warehouse).resolve() == parquet_before


def test_nothing_is_removed_while_a_publication_holds_the_lock(tmp_path: Path) -> None:
    warehouse = published_once(tmp_path)
    killed_publication(tmp_path, "publish-rename:1")
    before = leftovers(warehouse)
    assert before
    held = os.open(warehouse.parent, os.O_RDONLY)  # as a publication in another process does
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert remove_leftovers(warehouse) == []
        assert leftovers(warehouse) == before
    finally:
        os.close(held)
    assert {path.name for path in remove_leftovers(warehouse)} >= before
    assert not leftovers(warehouse)
