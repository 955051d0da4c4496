"""Two copies of a build database changed alike, for an incremental dbt build in one and a
`--full-refresh` build in the other (tests/incremental), and dbt run against such a copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from warehouse.settings import DBT_PROJECT_DIR

DBT = Path(sys.executable).with_name("dbt")
Changed = TypeVar("Changed")


def changed_copies(
    database: Path, folder: Path, change: Callable[[duckdb.DuckDBPyConnection], Changed]
) -> tuple[Path, Path, Changed]:
    """(incremental copy, full copy, what `change` returned): `database` copied, changed by
    `change`, and copied again. Each copy is `touchpoint.duckdb` (the catalog name) in its own
    folder under `folder`."""
    incremental = folder / "incremental" / "touchpoint.duckdb"
    incremental.parent.mkdir(parents=True)
    shutil.copy2(database, incremental)
    con = duckdb.connect(str(incremental))
    try:
        changed = change(con)
    finally:
        con.close()
    full = folder / "full" / "touchpoint.duckdb"
    full.parent.mkdir()
    shutil.copy2(incremental, full)
    return incremental, full, changed


def dbt_on(database: Path, *args: str) -> dict[str, Any]:
    """`dbt <args>` on `database` (target `build`), its artifacts beside the database; dbt's run
    results."""
    workdir = database.parent
    result = subprocess.run(
        [str(DBT), *args, "--target", "build", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(workdir / "target"),
         "--log-path", str(workdir / "logs")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "TOUCHPOINT_BUILD_DB": str(database), "DO_NOT_TRACK": "1"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((workdir / "target" / "run_results.json").read_text())
