"""Reading records from and writing resolutions to the DuckDB build database.

State lives in schema `identity`: `resolved_records` (this run's output, read back by the next
run so that customer ids stay stable) and `customer_id_aliases` (every id retired by a merge,
pointing at the id that absorbed it, kept across runs).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from identity.resolve import Resolution, ResolutionConfig, resolve
from identity.schema import INPUT_COLUMNS, OUTPUT_COLUMNS, RECORD_KEY

SCHEMA = "identity"
RESOLVED_RECORDS = f"{SCHEMA}.resolved_records"
ALIASES = f"{SCHEMA}.customer_id_aliases"
DEFAULT_SOURCE = "intermediate.int_identity_records"

_RESOLVED_DDL = f"""
create table {RESOLVED_RECORDS} (
    source_system varchar not null,
    source_entity varchar not null,
    source_record_id varchar not null,
    customer_id varchar not null,
    match_method varchar not null,
    match_probability double,
    email_key varchar,
    phone_e164 varchar,
    postal_code5 varchar,
    primary key (source_system, source_entity, source_record_id)
)"""
_ALIASES_DDL = f"""
create table if not exists {ALIASES} (
    retired_customer_id varchar primary key,
    customer_id varchar not null,
    retired_at timestamp not null
)"""


def read_records(con: duckdb.DuckDBPyConnection, relation: str = DEFAULT_SOURCE) -> pd.DataFrame:
    """The records, sorted by record key, with Arrow-backed strings (no Python object per
    value: three times faster for millions of rows)."""
    columns = ", ".join(INPUT_COLUMNS)
    keys = ", ".join(RECORD_KEY)
    table = con.sql(f"select {columns} from {relation} order by {keys}").to_arrow_table()
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def read_previous(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not _table_exists(con, "resolved_records"):
        return None
    keys = ", ".join(RECORD_KEY)
    return con.execute(f"select {keys}, customer_id from {RESOLVED_RECORDS}").df()


def write_resolution(con: duckdb.DuckDBPyConnection, resolution: Resolution) -> None:
    """Replace `resolved_records` and extend the aliases, in one transaction."""
    out = resolution.records.loc[:, list(OUTPUT_COLUMNS)]
    aliases = resolution.aliases
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute("begin transaction")
    try:
        con.execute(f"drop table if exists {RESOLVED_RECORDS}")
        con.execute(_RESOLVED_DDL)
        con.register("_identity_out", out)
        con.execute(f"insert into {RESOLVED_RECORDS} select * from _identity_out")
        con.execute(_ALIASES_DDL)
        con.register("_identity_aliases", aliases)
        # an id that absorbed others earlier and is now retired itself hands its aliases on
        con.execute(f"""
            update {ALIASES} set customer_id = new.customer_id
            from _identity_aliases as new
            where {ALIASES}.customer_id = new.retired_customer_id""")
        con.execute(f"""
            insert or replace into {ALIASES}
            select retired_customer_id, customer_id, current_timestamp::timestamp
            from _identity_aliases""")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_identity_out")
        con.unregister("_identity_aliases")


def resolve_in_warehouse(
    con: duckdb.DuckDBPyConnection,
    source: str = DEFAULT_SOURCE,
    config: ResolutionConfig | None = None,
) -> Resolution:
    """Read the records, resolve them against the previous run, write the result."""
    resolution = resolve(read_records(con, source), read_previous(con), config)
    write_resolution(con, resolution)
    return resolution


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, table],
    ).fetchone()
    return bool(row and row[0])
