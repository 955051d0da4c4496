"""What a reader hands the loader: staged rows and quarantined records in temp tables, per-file counts.

Readers never touch the raw layer. They fill two temp tables for a batch of files:

- ``_stage_rows``: ``_source_file``, ``_row_number``, ``_record_hash``, the contract columns
  (typed), and drift columns (CSV) or ``_extra`` (JSONL);
- ``_stage_quarantine``: ``_source_file``, ``row_number``, ``raw_text``, ``reason``, ``detail``;

and return a :class:`FileStage` per file. The loader adds the lineage constants and moves both
into the raw layer in one transaction, so a failed load leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from orchestration.lib.ingest.contract import EXTRA_COLUMN, EntitySpec, quote_ident, render_type

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


def reset_stage(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    cols = [f"{quote_ident(f.name)} {render_type(f.type)}" for f in spec.fields]
    if spec.format == "jsonl":
        cols.append(f"{EXTRA_COLUMN} JSON")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {STAGE_ROWS} (_source_file VARCHAR, _row_number BIGINT, "
        f"_record_hash UBIGINT, {', '.join(cols)})"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {STAGE_QUARANTINE} (_source_file VARCHAR, "
        "row_number BIGINT, raw_text VARCHAR, reason VARCHAR, detail VARCHAR)"
    )


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {STAGE_ROWS}")
    con.execute(f"DROP TABLE IF EXISTS {STAGE_QUARANTINE}")


def sql_str(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
