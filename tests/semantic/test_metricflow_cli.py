"""Analysts' path: `mf validate-configs` and `mf query` against the published warehouse."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

MF = Path(sys.executable).with_name("mf")


def run_mf(*args: str, warehouse: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "TOUCHPOINT_DBT_TARGET": "published",
        "TOUCHPOINT_WAREHOUSE": str(warehouse),
    }
    return subprocess.run(
        [str(MF), *args], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_validate_configs_against_the_published_warehouse(handmade_warehouse: Path) -> None:
    result = run_mf("validate-configs", warehouse=handmade_warehouse)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERRORS: 0" in output
    assert not re.search(r"ERRORS: [1-9]", output)


def test_nps_by_month_from_the_command_line(handmade_warehouse: Path) -> None:
    result = run_mf(
        "query",
        "--metrics",
        "nps",
        "--group-by",
        "metric_time__month",
        "--order",
        "metric_time__month",
        warehouse=handmade_warehouse,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^(2026-\d\d)-01\S*\s+(-?[\d.]+)\s*$", result.stdout, flags=re.MULTILINE)
    assert [(month, round(float(nps), 2)) for month, nps in rows] == [
        ("2026-03", 33.33),
        ("2026-04", 0.0),
    ]


def test_mf_holds_no_lock_that_blocks_readers(handmade_warehouse: Path) -> None:
    # The published target attaches the file READ_ONLY: a reader can open it while mf runs.
    from warehouse.connections import connect_published

    process = subprocess.Popen(
        [str(MF), "query", "--metrics", "nps"],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "DO_NOT_TRACK": "1",
            "TOUCHPOINT_DBT_TARGET": "published",
            "TOUCHPOINT_WAREHOUSE": str(handmade_warehouse),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(20):
            con = connect_published(handmade_warehouse)
            assert con.execute("select count(*) from marts.fct_survey_response").fetchone()[0] == 10
            con.close()
    finally:
        output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
