"""`dbt build --target spark` in this process, and Spark's tables read back.

dbt-spark's `session` method runs a SparkSession inside the dbt process (local[2], profiles.yml).
Running dbt here (dbtRunner) keeps that session alive afterwards, so the built tables are read
from the same session without starting a second JVM or sharing the Derby metastore.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from scale_out.settings import SPARK_TARGET, SparkPaths
from warehouse.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class SparkDbtResult:
    success: bool
    failed: list[str]  # "<node>: <message>" for every model or test that errored or failed


def dbt_build_on_spark(paths: SparkPaths, args: Sequence[str] = ()) -> SparkDbtResult:
    """Run `dbt build --target spark <args>` over `paths` (whose raw/ holds the export)."""
    from dbt.cli.main import dbtRunner

    os.environ.update(paths.export_env())
    os.environ.setdefault("DO_NOT_TRACK", "1")
    previous = os.getcwd()
    os.chdir(DBT_PROJECT_DIR)  # profiles.yml resolves its defaults relative to the project
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--target",
                SPARK_TARGET,
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(paths.root / "dbt_target"),
                "--quiet",
                *args,
            ]
        )
    finally:
        os.chdir(previous)
    failed = []
    if result.result is not None and hasattr(result.result, "results"):
        failed = [
            f"{r.node.unique_id}: {(r.message or '').splitlines()[0] if r.message else r.status}"
            for r in result.result.results
            if str(r.status) in ("error", "fail")
        ]
    elif result.exception is not None:
        failed = [f"dbt: {result.exception}"]
    return SparkDbtResult(success=result.success, failed=failed)


def read_spark_table(relation: str) -> tuple[list[str], list[tuple]]:
    """A table of the Spark build (e.g. `marts.fct_order`): its column names and rows, collected
    into this process. Only for small results (tests); the marts leave Spark as Parquet."""
    from pyspark.sql import SparkSession

    # dbt ran its queries in worker threads (getActiveSession is per thread); getOrCreate
    # returns their session, as long as dbt_build_on_spark ran in this process first.
    frame = SparkSession.builder.getOrCreate().table(relation)
    return frame.columns, [tuple(row) for row in frame.collect()]
