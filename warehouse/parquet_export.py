"""The tables dbt reads as sources, exported from the DuckDB build to Parquet for another engine.

Ingestion (ledger, quarantine with reasons, reconciliation) stays in DuckDB: it is one file at a
time and the contract's guarantees are proven there. Spark reads what ingestion accepted, one
Parquet folder per source table, `<out>/<schema>/<table>/`, partitioned by `_delivery_date`
where the table has it (the raw layer), so a cluster prunes deliveries and an incremental export
adds folders instead of rewriting history (docs/scale-out.md, DECISIONLOG).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

# The schemas dbt declares sources in: ingestion's raw layer, identity resolution's and CLV's
# outputs (Python steps that run between dbt steps).
SOURCE_SCHEMAS = ("raw", "identity", "clv")
PARTITION_COLUMN = "_delivery_date"


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    table: str
    rows: int
    folder: Path


def export_sources(
    con: duckdb.DuckDBPyConnection, out_dir: Path, schemas: tuple[str, ...] = SOURCE_SCHEMAS
) -> list[ExportedTable]:
    """Write every table of `schemas` to `<out_dir>/<schema>/<table>/` as Parquet, replacing what
    an earlier export left there (a table's folder is written beside it and renamed into place)."""
    exported = []
    for schema, table in source_tables(con, schemas):
        folder = out_dir / schema / table
        staging = folder.with_name(f".{table}.writing")
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        columns = _columns(con, schema, table)
        relation = f'"{schema}"."{table}"'
        rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
        if PARTITION_COLUMN in columns and rows > 0:
            options = (
                f"format parquet, partition_by ({PARTITION_COLUMN}), write_partition_columns false"
            )
            con.execute(f"copy {relation} to '{_literal(staging)}' ({options})")
        else:
            # An empty table still needs a file: Spark infers a table's schema from its files.
            staging.mkdir()
            con.execute(
                f"copy {relation} to '{_literal(staging / 'data.parquet')}' (format parquet)"
            )
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        exported.append(ExportedTable(schema, table, rows, folder))
    return exported


def source_tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = SOURCE_SCHEMAS
) -> list[tuple[str, str]]:
    """(schema, table) of every table of `schemas` in the database `con` opens."""
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) and table_type = 'BASE TABLE' "
        "and table_catalog = current_database() order by 1, 2",
        list(schemas),
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? and table_catalog = current_database()",
            [schema, table],
        ).fetchall()
    ]


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
