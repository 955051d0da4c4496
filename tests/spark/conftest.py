"""The Spark build the tests of this folder share: the whole pipeline on the hand-made landing
folder with TOUCHPOINT_ENGINE=spark, once per test session (tests/builds.py).

dbt's data and unit tests are left out of this run with dbt's own setting
(DBT_EXCLUDE_RESOURCE_TYPES): each is a Spark job of one to two seconds on two shared cores
(about 280 of them: minutes of CI), and the tests here compare every mart and metric with the
DuckDB run, where all of them ran. A full run with them on Spark is measured in
docs/scale-out.md."""

from __future__ import annotations

import shutil

import pytest

from orchestration.lib.engine import ENV_ENGINE, Engine
from tests.builds import pipeline_run_once
from tests.helpers import HANDMADE_LANDING, PipelineRun


@pytest.fixture(scope="session")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    if shutil.which("java") is None:
        pytest.skip("java is missing (make test installs openjdk-17-jre-headless as root)")
    return pipeline_run_once(
        tmp_path_factory,
        "handmade_spark",
        lambda _folder: HANDMADE_LANDING,
        env={ENV_ENGINE: Engine.SPARK.value, "DBT_EXCLUDE_RESOURCE_TYPES": "test unit_test"},
        # 6 min at load average 5-9 on 2 shared cores (docs/scale-out.md), three times that at
        # the loads CI has seen: more than the DuckDB runs' 15-minute limit.
        timeout=2400,
    )
