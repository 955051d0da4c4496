"""DDL of the raw layer: one table per entity plus the ledger, quarantine and audit tables."""

from __future__ import annotations

import duckdb

from ingestion.contract import EntitySpec, quote_ident

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}.load_ledger"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"
AUDIT = f"{RAW_SCHEMA}.load_audit"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA};

-- One row per delivered file version (path + content hash) each time ingestion processed it.
CREATE TABLE IF NOT EXISTS {LEDGER} (
    source_file      VARCHAR NOT NULL,   -- relative to the landing folder
    system           VARCHAR NOT NULL,
    entity           VARCHAR NOT NULL,
    delivery_date    DATE NOT NULL,
    part             INTEGER,
    content_hash     VARCHAR NOT NULL,   -- sha256 of the bytes as delivered
    bytes            BIGINT NOT NULL,
    mtime_ns         BIGINT NOT NULL,    -- lets unchanged files be skipped without hashing
    gzip             BOOLEAN NOT NULL,
    load_id          VARCHAR NOT NULL,
    loaded_at        TIMESTAMPTZ NOT NULL,
    status           VARCHAR NOT NULL,   -- loaded | empty | rejected
    is_current       BOOLEAN NOT NULL,   -- this version's rows are the ones raw holds for the path
    rows_read        BIGINT NOT NULL,    -- records in the file (blank lines and header rows excluded)
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_duplicate   BIGINT NOT NULL,    -- exact repeats of an earlier record in the same file
    message          VARCHAR,
    PRIMARY KEY (source_file, load_id)
);

-- Records that could not be loaded: malformed CSV, invalid JSON, values that fail their type.
CREATE TABLE IF NOT EXISTS {QUARANTINE} (
    system        VARCHAR NOT NULL,
    entity        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    delivery_date DATE NOT NULL,
    row_number    BIGINT,               -- same numbering as raw _row_number
    raw_text      VARCHAR,              -- the line(s) as delivered; parsed CSV rows as a JSON object
    reason        VARCHAR NOT NULL,     -- malformed_csv | invalid_json | not_a_json_object | type_cast
    detail        VARCHAR,
    load_id       VARCHAR NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL
);

-- Rows and quarantined lines of erased people, per file version: dropped on read (the
-- suppression list) or deleted by `touchpoint erase`. They count in reconciliation.
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.suppressed_rows (
    system          VARCHAR NOT NULL,
    entity          VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    load_id         VARCHAR NOT NULL,   -- the file version (ledger) the rows belonged to
    rows_suppressed BIGINT NOT NULL,
    reason          VARCHAR NOT NULL,   -- suppressed_on_read | erased
    recorded_at     TIMESTAMPTZ NOT NULL
);

-- One row per ingestion of one entity (an asset materialization).
CREATE TABLE IF NOT EXISTS {AUDIT} (
    load_id          VARCHAR NOT NULL,
    run_id           VARCHAR,
    system           VARCHAR NOT NULL,
    entity           VARCHAR NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    folder_exists    BOOLEAN NOT NULL,
    files_seen       INTEGER NOT NULL,
    files_new        INTEGER NOT NULL,
    files_changed    INTEGER NOT NULL,
    files_skipped    INTEGER NOT NULL,
    files_rejected   INTEGER NOT NULL,
    files_empty      INTEGER NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_duplicate   BIGINT NOT NULL,
    table_rows       BIGINT NOT NULL,
    warnings         VARCHAR[],
    PRIMARY KEY (load_id, system, entity)
);
"""


def ensure_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def ensure_raw_table(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Create the entity's table with the full contract schema (also when no file exists yet)."""
    cols = ",\n    ".join(f"{quote_ident(n)} {t}" for n, t in spec.columns())
    con.execute(f"CREATE TABLE IF NOT EXISTS {spec.qualified_table} (\n    {cols}\n)")
    # A spec that gained a column since the table was created: add it (raw only ever grows).
    add_columns(con, spec, [(n, t) for n, t in spec.columns()])


def table_columns(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database() ORDER BY column_index",
        [RAW_SCHEMA, spec.table],
    ).fetchall()
    return [r[0] for r in rows]


def add_columns(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, columns: list[tuple[str, str]]
) -> list[str]:
    """Add the columns the table lacks (additive schema drift); returns the names added."""
    # DuckDB compares column names ignoring case: "Flow ID" and "flow id" are one column.
    have = {c.casefold() for c in table_columns(con, spec)}
    added = []
    for name, dtype in columns:
        if name.casefold() not in have:
            con.execute(
                f"ALTER TABLE {spec.qualified_table} ADD COLUMN {quote_ident(name)} {dtype}"
            )
            added.append(name)
            have.add(name.casefold())  # several files of a batch may bring the same new column
    return added
