"""Marts built on Spark into the DuckDB database the analyst publication is copied from.

Dashboards and `mf query` read one DuckDB file (DECISIONLOG D001); MetricFlow's DuckDB dialect and
the read-only attach pattern stay as they are whichever engine built the marts. Spark writes each
mart as Parquet (dbt-spark `file_format: parquet`); DuckDB reads those files directly, so no row
passes through Python. Spark stores instants (TIMESTAMP, UTC-adjusted in Parquet); the warehouse
contract's timestamps are naive UTC, so they are converted back on the way in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb


def spark_table_folder(spark_warehouse: Path, schema: str, table: str) -> Path:
    """Where Spark's session catalog keeps a managed table's files."""
    return spark_warehouse / f"{schema}.db" / table


def write_spark_views(out_dir: Path, views: dict[str, list[str]]) -> None:
    """Write the rows of each Spark view (schema -> names) as Parquet under `out_dir`, where
    `load_spark_marts(con, out_dir, names, schema)` finds them. Uses the SparkSession of this
    process (dbt-spark's `session` method ran the build here)."""
    if not views:
        return
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    for schema, names in views.items():
        for name in names:
            folder = spark_table_folder(out_dir, schema, name)
            spark.table(f"{schema}.{name}").write.mode("overwrite").parquet(str(folder))


def load_spark_marts(
    con: duckdb.DuckDBPyConnection,
    spark_warehouse: Path,
    tables: Iterable[str],
    schema: str = "marts",
) -> None:
    """Replace each `<schema>.<table>` of the DuckDB database `con` writes with Spark's build of
    it, in one transaction (a failure leaves DuckDB's tables as they were)."""
    con.execute("begin transaction")
    try:
        for table in tables:
            files = spark_table_folder(spark_warehouse, schema, table) / "*.parquet"
            source = f"read_parquet('{_literal(files)}')"
            described = con.execute(f"describe select * from {source}").fetchall()
            columns = ", ".join(
                f"timezone('UTC', {_quoted(name)}) as {_quoted(name)}"
                if kind == "TIMESTAMP WITH TIME ZONE"
                else _quoted(name)
                for name, kind, *_ in described
            )
            con.execute(
                f"create or replace table {schema}.{_quoted(table)} as select {columns} from {source}"
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
