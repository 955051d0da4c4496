"""Readers never see a half-built or failed build, never block the pipeline, and keep the last
good version when a build fails its quality gate."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import HANDMADE_LANDING, copy_landing, run_pipeline
from warehouse.connections import connect_published

pytestmark = pytest.mark.slow

READER = Path(__file__).with_name("reader_loop.py")


def add_survey_delivery(landing: Path, day: str, nps_answers: list[int]) -> None:
    """Deliver one more Qualtrics file: the fixture's three header rows, then one response per answer."""
    template = next((landing / "surveys" / "responses").glob("*.csv")).read_text().splitlines(True)
    header = "".join(template[:3])
    rows = [
        f"{day} 10:00:00,{day} 10:03:00,IP Address,100,180,True,{day} 10:03:00,"
        f"R_{day.replace('-', '')}{i:07d},,,email,EN,{answer},5,7,,relationship,,\r\n"
        for i, answer in enumerate(nps_answers)
    ]
    (landing / "surveys" / "responses" / f"{day}.csv").write_text(header + "".join(rows))


def published_state(warehouse: Path) -> tuple[int, int]:
    con = connect_published(warehouse)
    try:
        version, rows = con.execute(
            "select (select max(version) from ops.publications), "
            "(select count(*) from marts.fct_survey_response)"
        ).fetchone()
        return version, rows
    finally:
        con.close()


def test_concurrent_reader_and_failed_quality_gate(tmp_path: Path) -> None:
    landing = copy_landing(HANDMADE_LANDING, tmp_path / "landing")
    warehouse = tmp_path / "published" / "touchpoint.duckdb"

    first = run_pipeline(landing, warehouse, cwd=tmp_path)
    assert first.returncode == 0, first.output
    assert published_state(warehouse) == (1, 10)

    # A reader process queries in a loop while a second delivery is built and published.
    out, stop, ready = tmp_path / "reader.json", tmp_path / "stop", tmp_path / "ready"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(warehouse), str(out), str(stop), str(ready)]
    )
    try:
        _wait_for(ready)
        add_survey_delivery(landing, "2026-05-04", [10, 10, 10])
        second = run_pipeline(landing, warehouse, cwd=tmp_path)
        assert second.returncode == 0, second.output
        time.sleep(0.5)  # let the reader see the new version
    finally:
        stop.touch()
        reader.wait(timeout=60)
    seen = json.loads(out.read_text())
    assert seen["errors"] == []
    fresh = {tuple(row) for row in seen["fresh"]}
    assert fresh <= {(1, 10), (2, 13)}, "a reader saw an incomplete version"
    assert (2, 13) in fresh
    # A reader that kept its connection open keeps reading the version it opened.
    assert {tuple(row) for row in seen["long_lived"]} == {(1, 10)}
    assert published_state(warehouse) == (2, 13)

    # A systematic break (every NPS answer out of its 0-10 scale) fails the quality gate.
    add_survey_delivery(landing, "2026-05-05", [11] * 40)
    failed = run_pipeline(landing, warehouse, cwd=tmp_path)
    assert failed.returncode == 1, failed.output
    assert "FAILED" in failed.output
    assert "failed check: surveys/responses" in failed.output
    assert published_state(warehouse) == (2, 13), "the last good version must stay published"


def _wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.05)
