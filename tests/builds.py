"""The builds the suite shares: each fixture landing folder goes through `touchpoint run` once
per test session, and the demo company is generated once.

Under pytest-xdist every worker is its own process with its own session fixtures, so a build is
made by whichever worker asks first, under a file lock in the folder all workers of the session
share (the parent of each worker's base temp folder); the others wait for the lock and read the
record it left (`build.json`). A failed build is recorded too, so it fails every test that needs
it once, instead of being retried by every worker.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PipelineRun, run_pipeline, run_touchpoint


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this test session, the same for every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, Any]]
) -> dict[str, Any]:
    """`build(folder)` once per session for `name`; its JSON record for every caller."""
    root = session_folder(tmp_path_factory)
    folder, record = root / name, root / name / "build.json"
    with _exclusive(root / f"{name}.lock"):
        if not record.exists():
            folder.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(build(folder), default=str))
    return json.loads(record.read_text())


def pipeline_run_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    landing: Callable[[Path], Path],
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> PipelineRun:
    """`touchpoint run` on the landing folder `landing(folder)` provides, once per session
    (with Touchpoint settings from `env`, e.g. TOUCHPOINT_ENGINE)."""

    def build(folder: Path) -> dict[str, Any]:
        run = run_pipeline(
            landing(folder),
            folder / "out" / "touchpoint.duckdb",
            cwd=folder,
            env=env,
            timeout=timeout,
        )
        return asdict(run)

    record = build_once(tmp_path_factory, name, build)
    return PipelineRun(
        landing=Path(record["landing"]),
        warehouse=Path(record["warehouse"]),
        dbt_target=Path(record["dbt_target"]),
        returncode=record["returncode"],
        output=record["output"],
    )


def generated_company_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, customers: int, days: int, seed: int
) -> Path:
    """`touchpoint generate` once per session for `name`: the company folder (`landing/`,
    `truth/`)."""

    def generate(folder: Path) -> dict[str, Any]:
        generated = run_touchpoint(
            "generate",
            "--out",
            str(folder / "company"),
            "--customers",
            str(customers),
            "--days",
            str(days),
            "--seed",
            str(seed),
            "--quiet",
            cwd=folder,
        )
        return {
            "company": str(folder / "company"),
            "returncode": generated.returncode,
            "output": generated.stdout + generated.stderr,
        }

    record = build_once(tmp_path_factory, name, generate)
    assert record["returncode"] == 0, record["output"]
    return Path(record["company"])
