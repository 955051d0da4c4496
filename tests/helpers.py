"""Helpers shared by the test modules: run the real `touchpoint` command, read what it published."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
HANDMADE_LANDING = FIXTURES / "landing_handmade"
TOUCHPOINT = Path(sys.executable).with_name("touchpoint")
DOCS = REPO_ROOT / "docs"  # the contracts (extracts.md, warehouse.md) the code must keep
CONTRACT_CHECKER = REPO_ROOT / "tests" / "tools" / "contract_check.py"  # validates docs/extracts.md


def run_touchpoint(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """The installed console script, from an arbitrary working directory, as a user would.

    Touchpoint's own settings and DAGSTER_HOME come only from `env`: in-process tests export
    TOUCHPOINT_BUILD_DIR and friends (Definitions do), and `make` exports the repository's
    DAGSTER_HOME; a test run must neither build into another test's folder nor record its runs in
    (or be refused by runs of) the developer's Dagster instance. Without DAGSTER_HOME a run
    records itself in a private instance in its build folder."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOUCHPOINT_") and k != "DAGSTER_HOME"
    }
    return subprocess.run(
        [str(TOUCHPOINT), *args],
        cwd=cwd,
        env={**inherited, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass(frozen=True)
class PipelineRun:
    """One `touchpoint run` on a landing folder: what it published and what it printed.

    `dbt_target` holds the artifacts (run_results.json, ...) of each dbt step of the run."""

    landing: Path
    warehouse: Path
    dbt_target: Path
    returncode: int
    output: str

    @property
    def build_db(self) -> Path:
        """The private build database beside the published file (the CLI's default)."""
        return self.warehouse.parent / f".{self.warehouse.stem}.build" / "touchpoint.duckdb"

    def dbt_results(self) -> list[dict[str, Any]]:
        """Every node result of every dbt step of the run (models, data and unit tests)."""
        return [
            result
            for results in sorted(self.dbt_target.glob("*/run_results.json"))
            for result in json.loads(results.read_text())["results"]
        ]

    def dbt_problems(self) -> list[tuple[str, str, str]]:
        """dbt nodes that did not pass (warnings are allowed: they flag defects in the input)."""
        return [
            (result["unique_id"], result["status"], (result.get("message") or "")[:300])
            for result in self.dbt_results()
            if result["status"] not in ("pass", "success", "warn")
        ]


def run_pipeline(
    landing: Path,
    warehouse: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> PipelineRun:
    """The README's command, `touchpoint run --landing ... --warehouse ...`, in a subprocess
    (with Touchpoint settings such as TOUCHPOINT_ENGINE from `env`)."""
    dbt_target = warehouse.parent / "dbt_target"
    # dagster-dbt writes each dbt step's artifacts to $DBT_TARGET_PATH/<step>-<run>-<id>/.
    result = run_touchpoint(
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        cwd=cwd,
        env={**(env or {}), "DBT_TARGET_PATH": str(dbt_target)},
        timeout=timeout,
    )
    return PipelineRun(
        landing, warehouse, dbt_target, result.returncode, result.stdout + result.stderr
    )


def copy_landing(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
