"""Helpers shared by the test modules: run the real `touchpoint` command, read what it published."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
HANDMADE_LANDING = FIXTURES / "landing_handmade"
TOUCHPOINT = Path(sys.executable).with_name("touchpoint")
SHARED_DIR = REPO_ROOT.parent / "shared"


@dataclass(frozen=True)
class PipelineRun:
    landing: Path
    warehouse: Path
    result: subprocess.CompletedProcess[str]

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


def run_touchpoint(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The installed console script, from an arbitrary working directory, as a user would."""
    return subprocess.run(
        [str(TOUCHPOINT), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


def run_pipeline(landing: Path, warehouse: Path, cwd: Path) -> PipelineRun:
    result = run_touchpoint(
        "run", "--landing", str(landing), "--warehouse", str(warehouse), cwd=cwd
    )
    return PipelineRun(landing=landing, warehouse=warehouse, result=result)


def copy_landing(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
