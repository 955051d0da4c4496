"""The builds the tests of this folder share, once per test session (tests/builds.py):

- `spark_run`: the whole pipeline on the hand-made landing folder with TOUCHPOINT_ENGINE=spark,
  compared with the suite's DuckDB run of it (`handmade_run`);
- `small_company`: a small simulated company (`touchpoint generate`), the smallest that gives
  every source rows and every contract mart rows, and its two builds, `small_company_run` on
  DuckDB and `small_company_spark_run` on Spark. The suite's demo company (3,000 customers x
  180 days) would take Spark most of an hour on two shared cores.

dbt's data and unit tests are left out of the Spark runs and of the small company's DuckDB run
with dbt's own setting (DBT_EXCLUDE_RESOURCE_TYPES): each is a Spark job of one to two seconds on
two shared cores (about 280 of them: minutes of CI), and the tests here compare every mart and
metric with the DuckDB run. On the hand-made folder that DuckDB run is the suite's own, where all
of them ran; a full run with them on Spark is measured in docs/scale-out.md."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.lib.engine import ENV_ENGINE, Engine
from tests.builds import generated_company_once, pipeline_run_once
from tests.helpers import HANDMADE_LANDING, PipelineRun

WITHOUT_DBT_TESTS = {"DBT_EXCLUDE_RESOURCE_TYPES": "test unit_test"}
ON_SPARK = {ENV_ENGINE: Engine.SPARK.value, **WITHOUT_DBT_TESTS}
# 6 min at load average 5-9 on 2 shared cores (docs/scale-out.md), three times that at the loads
# CI has seen: more than the DuckDB runs' 15-minute limit.
SPARK_RUN_TIMEOUT = 2400

# The small simulated company: every source system delivers, every contract mart has rows.
SMALL_CUSTOMERS, SMALL_DAYS, SMALL_SEED = 200, 45, 42


def _needs_java() -> None:
    if shutil.which("java") is None:
        pytest.skip("java is missing (make test installs openjdk-17-jre-headless as root)")


@pytest.fixture(scope="session")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    _needs_java()
    return pipeline_run_once(
        tmp_path_factory,
        "handmade_spark",
        lambda _folder: HANDMADE_LANDING,
        env=ON_SPARK,
        timeout=SPARK_RUN_TIMEOUT,
    )


@pytest.fixture(scope="session")
def small_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small simulated company's landing folder, generated once per session."""
    company = generated_company_once(
        tmp_path_factory, "small_company", SMALL_CUSTOMERS, SMALL_DAYS, SMALL_SEED
    )
    return company / "landing"


@pytest.fixture(scope="session")
def small_company_run(tmp_path_factory: pytest.TempPathFactory, small_company: Path) -> PipelineRun:
    run = pipeline_run_once(
        tmp_path_factory, "small_company_duckdb", lambda _f: small_company, env=WITHOUT_DBT_TESTS
    )
    assert run.returncode == 0, run.output[-5000:]
    return run


@pytest.fixture(scope="session")
def small_company_spark_run(
    tmp_path_factory: pytest.TempPathFactory, small_company: Path
) -> PipelineRun:
    _needs_java()
    return pipeline_run_once(
        tmp_path_factory,
        "small_company_spark",
        lambda _f: small_company,
        env=ON_SPARK,
        timeout=SPARK_RUN_TIMEOUT,
    )


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A local Spark session (2 cores, UTC) for a module whose tests call Spark directly."""
    _needs_java()
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        # not a spark-warehouse/ folder in the working directory
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark_warehouse")))
        .getOrCreate()
    )
    yield session
    # A later module's session (dbt-spark's, with its own catalog and warehouse) must start
    # afresh: static settings of a session that is still running would silently win.
    session.stop()
