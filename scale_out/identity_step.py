"""The pipeline's identity step on Spark (TOUCHPOINT_ENGINE=spark): int_identity_records where
Spark built it -> scale_out.resolve_on_spark -> Parquet -> the DuckDB build database's
`identity.*` tables, which the next dbt step's export hands back to Spark and which the asset
checks, the explain tool and the publication read.

Rows cross between the engines as Parquet files only: the previous run's customer ids leave
DuckDB with COPY, the resolution leaves Spark with its writer, and DuckDB reads the files
(identity.store.write_resolution_files).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from identity.overrides import Override
from identity.resolve import ResolutionConfig
from identity.schema import RECORD_KEY
from identity.store import (
    DEFAULT_SOURCE,
    RESOLVED_RECORDS,
    ResolutionSummary,
    has_previous,
    write_resolution_files,
)
from scale_out.publish import spark_table_folder
from scale_out.resolve_on_spark import resolve_on_spark
from scale_out.settings import SparkPaths

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame, SparkSession


def resolve_into_warehouse_on_spark(
    spark: SparkSession,
    con: duckdb.DuckDBPyConnection,
    paths: SparkPaths,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
) -> ResolutionSummary:
    """identity.store.resolve_in_warehouse with the resolution on Spark (see the module)."""
    work = paths.root / "identity"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    schema, table = DEFAULT_SOURCE.split(".")
    records = spark.read.parquet(str(spark_table_folder(paths.warehouse_dir, schema, table)))
    previous = None
    if has_previous(con):
        target = work / "previous.parquet"
        keys = ", ".join(RECORD_KEY)
        con.execute(
            f"copy (select {keys}, customer_id from {RESOLVED_RECORDS}) to '{target}' "
            "(format parquet)"
        )
        previous = spark.read.parquet(str(target))
    resolution = resolve_on_spark(spark, records, previous, config, overrides)
    written = {}
    for name in ("records", "edges", "aliases"):
        folder = work / name
        getattr(resolution, name).write.mode("overwrite").parquet(str(folder))
        written[name] = str(folder / "*.parquet")
    write_resolution_files(con, written["records"], written["edges"], written["aliases"])
    return ResolutionSummary(
        records=resolution.records.count(),
        records_by_match_method=_counts(resolution.records, "match_method"),
        aliases=resolution.aliases.count(),
        edges=resolution.edges.count(),
        edges_by_rule=_counts(resolution.edges, "rule"),
        stats=resolution.stats,
    )


def _counts(frame: DataFrame, column: str) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in frame.groupBy(column).count().collect()}
