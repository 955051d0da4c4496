"""One dbt project, two engines (issue 17): the hand-made landing folder built on local Apache
Spark gives the same rows as the DuckDB build the suite already makes (`handmade_run`), table for
table: keys and values equal, floats within 1e-9 relative.

Spark reads the sources the DuckDB run's ingestion, identity resolution and CLV wrote, exported to
Parquet (warehouse/parquet_export.py); every model from staging to the marts is built by Spark.
Contract marts that do not build on Spark yet are listed in NOT_YET_ON_SPARK with the reason, and
their test is a strict xfail: it fails the day the mart builds and matches, so the list stays true.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.helpers import DOCS, PipelineRun
from tests.semantic.test_metric_coverage import CONTRACT_METRICS
from tests.spark.frames import Table, differences
from warehouse.semantic_layer import SemanticLayer
from warehouse.settings import CATALOG

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")

pytestmark = [pytest.mark.spark, pytest.mark.slow]

# Contract marts whose SQL does not run on Spark yet, and why (docs/scale-out.md).
# Measured on 2026-12-06 (docs/scale-out.md); the first two are contract marts whose SQL is
# DuckDB-only, dim_customer fails at run time on Spark, the two marts built from it are not built.
NOT_YET_ON_SPARK = {
    "fct_journey_step_reached": "ASOF join (Spark SQL has none); needs a window rewrite",
    "mart_journey_conformance": "DuckDB list of struct literals and format() with {} placeholders",
    "dim_customer": "a runtime error on Spark, not yet diagnosed",
    "mart_customer_value": "built from dim_customer",
    "mart_email_audience": "built from dim_customer",
    # Not contract marts: Spark's int where the contract says bigint; cast in the macros since
    # (unnest_array's position, date_diff in months), not yet re-run.
    "fct_order_line": "contract: line_number int on Spark, bigint declared",
    "fct_customer_retention_month": "contract: months_since_first_order int on Spark, bigint declared",
}


def contract_marts() -> list[str]:
    """The marts of docs/warehouse.md's mart table (first column, in backticks)."""
    section = (DOCS / "warehouse.md").read_text().split("## Marts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`([a-z0-9_]+)`\s*\|", section, flags=re.MULTILINE)


CONTRACT_MARTS = contract_marts()


@dataclass(frozen=True)
class SparkBuild:
    built: set[str]  # models Spark built: "<schema>.<name>"
    failed: list[str]
    seconds: float
    duckdb_build: Path
    spark_warehouse: Path


@pytest.fixture(scope="module")
def spark_build(handmade_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> SparkBuild:
    if shutil.which("java") is None:
        pytest.skip("java is missing (make test installs openjdk-17-jre-headless as root)")
    from scale_out.dbt_build import dbt_build_on_spark
    from scale_out.settings import SparkPaths
    from warehouse.parquet_export import export_sources

    paths = SparkPaths(tmp_path_factory.mktemp("spark"))
    with duckdb.connect(str(handmade_run.build_db), read_only=True) as con:
        export_sources(con, paths.raw_dir)
    started = time.monotonic()
    # Models only: the equality below is stronger than dbt's tests, which each cost a Spark job.
    result = dbt_build_on_spark(paths, ["--resource-type", "model"])
    seconds = time.monotonic() - started
    results = json.loads((paths.root / "dbt_target" / "run_results.json").read_text())
    manifest = json.loads((paths.root / "dbt_target" / "manifest.json").read_text())
    built = {
        f"{manifest['nodes'][r['unique_id']]['schema']}.{manifest['nodes'][r['unique_id']]['alias']}"
        for r in results["results"]
        if r["status"] == "success"
    }
    return SparkBuild(built, result.failed, seconds, handmade_run.build_db, paths.warehouse_dir)


def _duckdb_table(build_db: Path, relation: str) -> Table:
    with duckdb.connect(str(build_db), read_only=True) as con:
        cursor = con.execute(f"select * from {relation}")
        return Table([d[0] for d in cursor.description], cursor.fetchall())


def _spark_table(relation: str) -> Table:
    from scale_out.dbt_build import read_spark_table

    return Table(*read_spark_table(relation))


def test_the_contract_lists_the_marts_we_expect() -> None:
    assert {"dim_customer", "fct_order", "fct_contact", "mart_cx_ops_drivers"} <= set(
        CONTRACT_MARTS
    )


def test_only_the_listed_models_fail_on_spark(spark_build: SparkBuild) -> None:
    failed_models = {f.split(":")[0].rsplit(".", 1)[-1] for f in spark_build.failed}
    assert failed_models <= set(NOT_YET_ON_SPARK), spark_build.failed


@pytest.mark.parametrize(
    "mart",
    [
        pytest.param(
            mart,
            marks=pytest.mark.xfail(strict=True, reason=NOT_YET_ON_SPARK[mart])
            if mart in NOT_YET_ON_SPARK
            else (),
        )
        for mart in CONTRACT_MARTS
    ],
)
def test_contract_mart_is_the_same_on_spark(mart: str, spark_build: SparkBuild) -> None:
    relation = f"marts.{mart}"
    assert relation in spark_build.built, f"{relation} was not built on Spark"
    expected = _duckdb_table(spark_build.duckdb_build, relation)
    assert expected.rows, f"{relation} is empty on DuckDB: the comparison would prove nothing"
    assert differences(expected, _spark_table(relation)) == []


@pytest.fixture(scope="module")
def spark_published(spark_build: SparkBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the DuckDB build with every mart table Spark built loaded in its place: what the
    publish step hands the analyst publication when the marts were built on Spark."""
    from scale_out.publish import load_spark_marts, spark_table_folder

    copy = tmp_path_factory.mktemp("spark_published") / "touchpoint.duckdb"
    shutil.copyfile(spark_build.duckdb_build, copy)
    with duckdb.connect(str(copy)) as con:
        duckdb_tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        }
        spark_tables = sorted(
            t
            for t in duckdb_tables
            if f"marts.{t}" in spark_build.built
            and spark_table_folder(spark_build.spark_warehouse, "marts", t).is_dir()
        )
        load_spark_marts(con, spark_build.spark_warehouse, spark_tables)
    return copy


def _semantic_layer(database: Path) -> tuple[duckdb.DuckDBPyConnection, SemanticLayer]:
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{database}' as {CATALOG} (read_only)")
    con.execute(f"use {CATALOG}")
    return con, SemanticLayer.from_publication(con)


@pytest.mark.xfail(
    strict=True, reason="metrics read dim_customer and the marts built from it (NOT_YET_ON_SPARK)"
)
def test_every_contract_metric_is_the_same_from_the_spark_marts(
    spark_build: SparkBuild, spark_published: Path
) -> None:
    duckdb_con, built_on_duckdb = _semantic_layer(spark_build.duckdb_build)
    spark_con, built_on_spark = _semantic_layer(spark_published)
    try:
        # Every table a metric reads came from Spark, so equal values are Spark's doing.
        metric_tables = {m.node_relation.alias for m in built_on_spark.manifest.semantic_models}
        assert {f"marts.{t}" for t in metric_tables} <= spark_build.built
        different = {}
        for metric in CONTRACT_METRICS:
            expected = built_on_duckdb.query([metric], ["metric_time__month"])
            actual = built_on_spark.query([metric], ["metric_time__month"])
            found = differences(_table(expected), _table(actual))
            if found:
                different[metric] = found
        assert different == {}
    finally:
        duckdb_con.close()
        spark_con.close()


def _table(frame) -> Table:
    return Table(list(frame.columns), list(frame.itertuples(index=False, name=None)))


def test_every_staging_model_is_the_same_on_spark(spark_build: SparkBuild) -> None:
    staging = sorted(r for r in spark_build.built if r.startswith("staging."))
    assert len(staging) == 18
    different = {}
    for relation in staging:
        found = differences(
            _duckdb_table(spark_build.duckdb_build, relation), _spark_table(relation)
        )
        if found:
            different[relation] = found
    assert different == {}
