"""What a reader hands the loader: staged rows and quarantined records in temp tables, per-file counts.

Readers never touch the raw layer. For a batch of files they provide, with ``_src`` = the
file's index in the batch (an integer: cheaper to join on than the path):

- ``_stage_rows`` (a temp table or view the reader creates): ``_src``, ``_row_number``,
  ``_record_hash``, the contract columns (typed), and drift columns (CSV) or ``_extra`` (JSONL);
- ``_stage_quarantine`` (created by ``reset_stage``): ``_src``, ``row_number``, ``raw_text``,
  ``reason``, ``detail``;

and return a :class:`FileStage` per file. The loader adds the lineage constants and moves both
into the raw layer in one transaction, so a failed load leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

STAGE_ROWS = "_stage_rows"
STAGE_QUARANTINE = "_stage_quarantine"

# Reasons in raw.quarantine
MALFORMED_CSV = "malformed_csv"
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_a_json_object"
TYPE_CAST = "type_cast"


@dataclass
class FileStage:
    """What reading one file produced. Loaded/quarantined counts are taken from the temp tables."""

    rel: str
    rows_read: int = 0
    rows_duplicate: int = 0
    #: set when the file is rejected as a whole (e.g. a required column is missing)
    rejected: str | None = None
    #: columns not in the contract (additive drift), as (name, DuckDB type)
    new_columns: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: Name prefixes of ingestion's scratch temp tables (readers and loader name theirs so).
SCRATCH_PREFIXES = ("_stage_", "_csv_", "_jl_", "_batch_", "_ledger_")


def reset_stage(con: duckdb.DuckDBPyConnection) -> None:
    drop_stage(con)
    con.execute(
        f"CREATE TEMP TABLE {STAGE_QUARANTINE} (_src BIGINT, "
        "row_number BIGINT, raw_text VARCHAR, reason VARCHAR, detail VARCHAR)"
    )


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every scratch temp table and view of ingestion (views first: they use the tables),
    so that a batch's memory is given back before the next one is read."""
    temp = con.execute(
        "SELECT table_name, table_type = 'VIEW' AS is_view FROM information_schema.tables "
        "WHERE table_catalog = 'temp' ORDER BY is_view DESC"
    ).fetchall()
    for name, is_view in temp:
        if name.startswith(SCRATCH_PREFIXES):
            con.execute(f"DROP {'VIEW' if is_view else 'TABLE'} {name}")


def temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """(Re)create a temp table from Arrow data: one statement, however many rows (a row-by-row
    ``executemany`` costs a statement per row)."""
    view = f"{name}__arrow"
    con.register(view, table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_list(items: list[str]) -> str:
    """A SQL list literal of strings, e.g. a file list for ``read_csv``."""
    return "[" + ", ".join(sql_str(i) for i in items) + "]"
