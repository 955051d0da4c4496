"""One dbt project, two engines (issue 17): a landing folder run through the whole pipeline with
TOUCHPOINT_ENGINE=spark (every dbt model on local Apache Spark, the marts loaded back into the
DuckDB build and published as usual) gives the same rows as the same folder run on DuckDB, table
for table: keys and values equal, floats within 1e-9 relative; and every contract metric, read
from the two analyst publications through the semantic layer, has the same value.

Two deliveries: the hand-made landing folder (compared with the DuckDB run the suite already
makes, `handmade_run`) and a small simulated company (tests/spark/conftest.py). Each Spark run
is made once per test session; the comparisons read its files afterwards, so only the staging
comparison starts a SparkSession (staging models are Spark views).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.spark_dbt_step import spark_paths
from tests.helpers import DOCS, PipelineRun
from tests.semantic.test_metric_coverage import CONTRACT_METRICS
from tests.spark.frames import Table, differences
from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def contract_marts() -> list[str]:
    """The marts of docs/warehouse.md's mart table (first column, in backticks)."""
    section = (DOCS / "warehouse.md").read_text().split("## Marts", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`([a-z0-9_]+)`\s*\|", section, flags=re.MULTILINE)


CONTRACT_MARTS = contract_marts()


def _table(database: Path, relation: str) -> Table:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(f"select * from {relation}")
        return Table([d[0] for d in cursor.description], cursor.fetchall())


def test_the_contract_lists_the_marts_we_expect() -> None:
    assert {"dim_customer", "fct_order", "fct_contact", "mart_cx_ops_drivers"} <= set(
        CONTRACT_MARTS
    )


def _assert_ran_on_spark(run: PipelineRun) -> None:
    """Every dbt step ran on Spark, and every model of the project was built there."""
    assert run.returncode == 0, run.output[-5000:]
    manifests = sorted(run.dbt_target.glob("*/manifest.json"))
    assert len(manifests) >= 3, "the dbt steps around identity resolution and CLV"
    for manifest in manifests:
        assert json.loads(manifest.read_text())["metadata"]["adapter_type"] == "spark", manifest
    models = {r["unique_id"] for r in run.dbt_results() if r["unique_id"].startswith("model.")}
    project = json.loads(manifests[0].read_text())["nodes"]
    assert models == {uid for uid in project if uid.startswith("model.")}
    assert run.dbt_problems() == []


def test_the_pipeline_runs_on_spark(spark_run: PipelineRun) -> None:
    _assert_ran_on_spark(spark_run)


def test_a_simulated_company_runs_on_spark(small_company_spark_run: PipelineRun) -> None:
    _assert_ran_on_spark(small_company_spark_run)


def test_the_build_database_holds_the_marts_spark_wrote(spark_run: PipelineRun) -> None:
    """What the equality below reads from the Spark run's build database is Spark's output:
    each contract mart has Parquet files Spark wrote (a table in its warehouse, or the rows of
    a view it wrote out) with the same rows."""
    from scale_out.publish import spark_table_folder

    paths = spark_paths(spark_run.build_db.parent)
    with duckdb.connect(str(spark_run.build_db), read_only=True) as con:
        for mart in CONTRACT_MARTS:
            folders = [
                spark_table_folder(root, "marts", mart)
                for root in (paths.warehouse_dir, paths.view_copies_dir)
            ]
            [folder] = [f for f in folders if f.is_dir()]
            files = folder / "*.parquet"
            in_spark = con.execute(f"select count(*) from read_parquet('{files}')").fetchone()[0]
            in_build = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            assert (mart, in_build) == (mart, in_spark)


def _assert_same_mart(mart: str, on_duckdb: PipelineRun, on_spark: PipelineRun) -> None:
    relation = f"marts.{mart}"
    expected = _table(on_duckdb.build_db, relation)
    assert expected.rows, f"{relation} is empty on DuckDB: the comparison would prove nothing"
    assert differences(expected, _table(on_spark.build_db, relation)) == []


@pytest.mark.parametrize("mart", CONTRACT_MARTS)
def test_contract_mart_is_the_same_on_spark(
    mart: str, handmade_run: PipelineRun, spark_run: PipelineRun
) -> None:
    _assert_same_mart(mart, handmade_run, spark_run)


@pytest.mark.parametrize("mart", CONTRACT_MARTS)
def test_contract_mart_of_a_simulated_company_is_the_same_on_spark(
    mart: str, small_company_run: PipelineRun, small_company_spark_run: PipelineRun
) -> None:
    _assert_same_mart(mart, small_company_run, small_company_spark_run)


def _semantic_layer(publication: Path) -> tuple[duckdb.DuckDBPyConnection, SemanticLayer]:
    con = connect_published(publication)
    return con, SemanticLayer.from_publication(con)


def _frame_table(frame) -> Table:
    return Table(list(frame.columns), list(frame.itertuples(index=False, name=None)))


def _assert_same_metrics(on_duckdb: PipelineRun, on_spark: PipelineRun) -> None:
    """Through MetricFlow on the analyst publications, the readers' view of both runs."""
    duckdb_con, built_on_duckdb = _semantic_layer(on_duckdb.warehouse)
    spark_con, built_on_spark = _semantic_layer(on_spark.warehouse)
    try:
        different = {}
        for metric in CONTRACT_METRICS:
            expected = built_on_duckdb.query([metric], ["metric_time__month"])
            actual = built_on_spark.query([metric], ["metric_time__month"])
            assert len(expected), f"{metric} has no value on DuckDB: the comparison proves nothing"
            found = differences(_frame_table(expected), _frame_table(actual))
            if found:
                different[metric] = found
        assert different == {}
    finally:
        duckdb_con.close()
        spark_con.close()


def test_every_contract_metric_is_the_same_from_the_spark_marts(
    handmade_run: PipelineRun, spark_run: PipelineRun
) -> None:
    _assert_same_metrics(handmade_run, spark_run)


def test_every_contract_metric_of_a_simulated_company_is_the_same_on_spark(
    small_company_run: PipelineRun, small_company_spark_run: PipelineRun
) -> None:
    _assert_same_metrics(small_company_run, small_company_spark_run)


@pytest.fixture(scope="module")
def spark_catalog(spark_run: PipelineRun) -> Iterator:
    """A SparkSession on the Spark run's catalog (its Derby metastore is free once the run's
    process has ended), for the relations that live only in Spark."""
    from pyspark.sql import SparkSession

    paths = spark_paths(spark_run.build_db.parent)
    root = paths.root.resolve()
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=false",
        )
        .enableHiveSupport()
        .getOrCreate()
    )
    # Derby's log beside its metastore, not in the working directory: set before the catalog's
    # first use boots Derby (the JVM may already run, for an earlier test's session).
    session._jvm.java.lang.System.setProperty("derby.stream.error.file", str(root / "derby.log"))
    yield session
    session.stop()


# When the loader wrote each raw row: the clock of each run's ingestion, not data.
RUN_CLOCK_COLUMNS = {"_loaded_at"}


def _without_run_clock(table: Table) -> Table:
    keep = [i for i, c in enumerate(table.columns) if c.lower() not in RUN_CLOCK_COLUMNS]
    return Table(
        [table.columns[i] for i in keep], [tuple(row[i] for i in keep) for row in table.rows]
    )


def test_every_staging_model_is_the_same_on_spark(
    handmade_run: PipelineRun, spark_run: PipelineRun, spark_catalog
) -> None:
    with duckdb.connect(str(handmade_run.build_db), read_only=True) as con:
        staging = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        ]
    assert len(staging) >= 20
    different = {}
    for name in sorted(staging):
        frame = spark_catalog.table(f"staging.{name}")
        built = Table(frame.columns, [tuple(row) for row in frame.collect()])
        found = differences(
            _without_run_clock(_table(handmade_run.build_db, f"staging.{name}")),
            _without_run_clock(built),
        )
        if found:
            different[name] = found
    assert different == {}
