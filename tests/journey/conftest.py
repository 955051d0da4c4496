"""Session fixtures: the journey marts built once from a landing folder.

The build is the pipeline's own sequence without Dagster: the ingestion helper's loader
(`ingest_all`) writes the raw layer into a fresh `touchpoint.duckdb`; dbt builds the models
identity resolution reads (`+int_identity_records`); the identity package resolves customers
(`identity.resolved_records`, read by `customer_identity_map`); dbt builds what the CLV step
reads (`+fct_order`); the clv package writes `clv.customer_predictions` (read by `dim_customer`);
then one `dbt build` builds and tests everything (unit tests, generic and singular data tests
included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from clv import predict_clv_in_warehouse
from identity import resolve_in_warehouse
from ingestion import ingest_all
from tests.helpers import HANDMADE_LANDING, REPO_ROOT

DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class JourneyBuild:
    database: Path
    returncode: int
    output: str
    run_results: dict[str, Any]

    def problems(self) -> list[tuple[str, str, str]]:
        """Nodes that did not pass (warnings are allowed: they flag defects in the input)."""
        return [
            (r["unique_id"], r["status"], (r.get("message") or "")[:300])
            for r in self.run_results.get("results", [])
            if r["status"] not in ("pass", "success", "warn")
        ]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.database), read_only=True)


def _dbt(workdir: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DBT), *args, "--target", "build",
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")],
        cwd=DBT_PROJECT,
        env={**os.environ, "TOUCHPOINT_BUILD_DB": str(database), "DO_NOT_TRACK": "1"},
        capture_output=True, text=True, timeout=1800, check=False,
    )


def build_journey(landing: Path, workdir: Path) -> JourneyBuild:
    """Landing folder -> raw layer -> identity -> every dbt model and test, in workdir."""
    database = workdir / "touchpoint.duckdb"  # the catalog must be named touchpoint
    con = duckdb.connect(str(database))
    try:
        ingest_all(con, landing)
    finally:
        con.close()
    first = _dbt(workdir, database, "run", "--select", "+int_identity_records")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    con = duckdb.connect(str(database))
    try:
        resolve_in_warehouse(con)
    finally:
        con.close()
    orders = _dbt(workdir, database, "run", "--select", "+fct_order")
    assert orders.returncode == 0, orders.stdout[-4000:] + orders.stderr[-2000:]
    con = duckdb.connect(str(database))
    try:
        predict_clv_in_warehouse(con)  # dim_customer reads its predictions
    finally:
        con.close()
    build = _dbt(workdir, database, "build")
    results_file = workdir / "target" / "run_results.json"
    run_results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return JourneyBuild(database, build.returncode, build.stdout + build.stderr, run_results)


@pytest.fixture(scope="session")
def handmade_journey(tmp_path_factory: pytest.TempPathFactory) -> JourneyBuild:
    return build_journey(HANDMADE_LANDING, tmp_path_factory.mktemp("journey_handmade"))


@pytest.fixture()
def journey_con(handmade_journey: JourneyBuild) -> Iterator[duckdb.DuckDBPyConnection]:
    con = handmade_journey.connect()
    yield con
    con.close()
