"""Reading records from and writing resolutions to the DuckDB build database.

State lives in schema `identity`: `resolved_records` (this run's output, read back by the next
run so that customer ids stay stable), `resolved_edges` (why each customer is one: the links
between its records, `identity.edges`), `customer_id_aliases` (every id retired by a merge,
pointing at the id that absorbed it, kept across runs) and `resolution_runs` (records and
customers per run, kept across runs: the asset check on the day-to-day change reads it).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from identity.deterministic import WholeDataFacts
from identity.edges import EDGE_COLUMNS
from identity.incremental import (
    ChangedRows,
    IncrementalResolution,
    IncrementalState,
    LastResolution,
    resolve_incrementally,
    settings_fingerprint,
)
from identity.overrides import Override, load_overrides
from identity.resolve import Resolution, ResolutionConfig, resolve
from identity.schema import INPUT_COLUMNS, OUTPUT_COLUMNS, RECORD_KEY
from warehouse.connections import fit_memory_limit

SCHEMA = "identity"
RESOLVED_RECORDS = f"{SCHEMA}.resolved_records"
RESOLVED_EDGES = f"{SCHEMA}.resolved_edges"
ALIASES = f"{SCHEMA}.customer_id_aliases"
RUNS = f"{SCHEMA}.resolution_runs"
#: The incremental state (identity.incremental): per record its input fingerprint and group,
#: Splink's rows, and one row of the model and the global facts.
STATE_INPUTS = f"{SCHEMA}.resolution_inputs"
STATE_SPLINK_ROWS = f"{SCHEMA}.resolution_splink_rows"
STATE = f"{SCHEMA}.resolution_state"
_STATE_TABLES = (STATE_INPUTS, STATE_SPLINK_ROWS, STATE)
_NULLABLE_INTEGERS = ("first_seen", "session_even", "session_odd")
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
_EDGES_DDL = f"""
create table {RESOLVED_EDGES} (
    customer_id varchar not null,
    left_source_system varchar not null,
    left_source_entity varchar not null,
    left_source_record_id varchar not null,
    right_source_system varchar not null,
    right_source_entity varchar not null,
    right_source_record_id varchar not null,
    rule varchar not null,
    linked boolean not null,
    evidence_bits double,
    match_probability double,
    reason varchar
)"""
_RUNS_DDL = f"""
create table if not exists {RUNS} (
    resolved_at timestamp not null,
    records bigint not null,
    customers bigint not null,
    largest_customer_records bigint not null
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


def has_previous(con: duckdb.DuckDBPyConnection) -> bool:
    """Has an earlier run written its resolution (whose customer ids this run carries over)?"""
    return _table_exists(con, "resolved_records")


def read_previous(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not has_previous(con):
        return None
    keys = ", ".join(RECORD_KEY)
    return con.execute(f"select {keys}, customer_id from {RESOLVED_RECORDS}").df()


def write_resolution(
    con: duckdb.DuckDBPyConnection,
    resolution: Resolution,
    state: IncrementalState | None = None,
    changed: ChangedRows | None = None,
) -> None:
    """Replace `resolved_records` and `resolved_edges`, extend the aliases and the run history,
    and replace the incremental `state` (dropped when not given: it would describe another
    resolution), in one transaction. With `changed` (an incremental run's) and a stored state
    to change, only the rows of the re-resolved and gone records and customers are replaced."""
    if changed is not None and state is not None and _has_state(con):
        _write_changed_rows(con, resolution, state, changed)
        return
    frames = {
        _OUT: resolution.records.loc[:, list(OUTPUT_COLUMNS)],
        _EDGES: resolution.edges.loc[:, list(EDGE_COLUMNS)],
        _ALIASES: resolution.aliases,
    }
    if state is not None:
        frames |= {
            _STATE_INPUTS: state.inputs,
            _STATE_ROWS: state.splink_rows,
            _STATE: pd.DataFrame([_state_row(state)]),
        }
    with _registered(con, frames):
        _write_registered(con, with_state=state is not None)


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> Iterator[None]:
    """The frames as views of their names, for the time of the block."""
    # (a statement first: it finishes any result the caller left open, which register refuses)
    con.execute(f"create schema if not exists {SCHEMA}")
    for view, frame in frames.items():
        con.register(view, frame)
    try:
        yield
    finally:
        for view in frames:
            con.unregister(view)


def _state_row(state: IncrementalState) -> dict[str, object]:
    return {
        "settings": state.settings,
        "model": json.dumps(state.model) if state.model is not None else None,
        "lambda_prior": state.lambda_prior,
        "overloaded": json.dumps(sorted(state.overloaded)),
        "name_vocabulary": json.dumps(sorted(state.whole_data.name_vocabulary)),
        "mass_hours": json.dumps(
            sorted([system, hour.isoformat()] for system, hour in state.whole_data.mass_hours)
        ),
    }


def _has_state(con: duckdb.DuckDBPyConnection) -> bool:
    return has_previous(con) and all(_table_exists(con, t.split(".")[1]) for t in _STATE_TABLES)


def _write_changed_rows(
    con: duckdb.DuckDBPyConnection,
    resolution: Resolution,
    state: IncrementalState,
    changed: ChangedRows,
) -> None:
    """`write_resolution` of an incremental run: DELETE and INSERT the rows it changed (a
    next day's delivery touches a few hundred of hundreds of thousands)."""
    frames = {
        _OUT: changed.records,
        _EDGES: changed.edges.loc[:, list(EDGE_COLUMNS)],
        _ALIASES: resolution.aliases,
        _GONE_KEYS: changed.keys.loc[:, list(RECORD_KEY)].astype(object),
        _GONE_CUSTOMERS: pd.DataFrame({"customer_id": changed.customers}, dtype=object),
        _STATE_INPUTS: changed.inputs,
        _STATE_ROWS: changed.splink_rows,
        _STATE: pd.DataFrame([_state_row(state)]),
    }
    with _registered(con, frames):
        _replace_changed_rows(con)


def _replace_changed_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The write itself, from the relations `_write_changed_rows` registers."""
    keys = ", ".join(RECORD_KEY)
    same_key = " and ".join(f"t.{c} = g.{c}" for c in RECORD_KEY)
    con.execute("begin transaction")
    try:
        for table in (RESOLVED_RECORDS, STATE_INPUTS, STATE_SPLINK_ROWS):
            con.execute(f"delete from {table} as t using {_GONE_KEYS} as g where {same_key}")
        con.execute(
            f"delete from {RESOLVED_EDGES} where customer_id in "
            f"(select customer_id from {_GONE_CUSTOMERS})"
        )
        con.execute(
            f"insert into {RESOLVED_RECORDS} select {', '.join(OUTPUT_COLUMNS)} from {_OUT}"
        )
        con.execute(f"insert into {RESOLVED_EDGES} select {', '.join(EDGE_COLUMNS)} from {_EDGES}")
        _record_run_and_aliases(con)
        for table, view in ((STATE_INPUTS, _STATE_INPUTS), (STATE_SPLINK_ROWS, _STATE_ROWS)):
            con.execute(f"""
                insert into {table} by name
                select state.*, out.customer_id
                from {view} as state join {_OUT} as out using ({keys})""")
        con.execute(f"create or replace table {STATE} as select * from {_STATE}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def drop_incremental_state(con: duckdb.DuckDBPyConnection) -> None:
    """Forget what an incremental resolution starts from (the next resolution resolves every
    record). `touchpoint erase` calls it: besides per-record rows (deleted by customer id) the
    state holds aggregates of everyone's values (the name vocabulary, overloaded contact
    values), which an erased person's name or e-mail may be part of."""
    for table in _STATE_TABLES:
        con.execute(f"drop table if exists {table}")


def read_last_resolution(
    con: duckdb.DuckDBPyConnection, rows: bool = True
) -> LastResolution | None:
    """The last run's resolution and incremental state (None: no run yet). `rows=False`: what a
    resolution of every record needs of it, the records' ids and the state's settings and
    model, without the edges and the state's per-record rows (3 GB at 1M, held beside the whole
    resolution when read: D080)."""
    if not has_previous(con):
        return None
    records = _frame(con, f"select {', '.join(OUTPUT_COLUMNS)} from {RESOLVED_RECORDS}")
    edges_query = f"select {', '.join(EDGE_COLUMNS)} from {RESOLVED_EDGES}"
    edges = _frame(con, edges_query if rows else f"{edges_query} limit 0")
    return LastResolution(records, edges, _read_state(con, rows))


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """The query's rows through Arrow: the same frame as `.df()` in a third of the time. (By
    `execute`, which a result the caller left open does not stop: DuckDB's warning that this
    copies the rows once more in Arrow is about a cost small beside the conversion saved.)"""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        return con.execute(query).to_arrow_table().to_pandas()


def stored_settings(con: duckdb.DuckDBPyConnection) -> str | None:
    """The settings fingerprint the stored state was made with (None: no state)."""
    if not all(_table_exists(con, t.split(".")[1]) for t in _STATE_TABLES):
        return None
    rows = con.execute(f"select settings from {STATE}").fetchall()
    return rows[0][0] if rows else None


def _read_state(con: duckdb.DuckDBPyConnection, rows_too: bool = True) -> IncrementalState | None:
    if not all(_table_exists(con, t.split(".")[1]) for t in _STATE_TABLES):
        return None
    row = con.execute(
        f"select settings, model, lambda_prior, overloaded, name_vocabulary, mass_hours "
        f"from {STATE}"
    ).fetchone()
    if row is None:
        return None
    settings, model, lambda_prior, overloaded, vocabulary, hours = row
    none = "" if rows_too else " limit 0"
    rows = _frame(con, f"select * exclude (customer_id) from {STATE_SPLINK_ROWS}{none}")
    for column in _NULLABLE_INTEGERS:
        if column in rows:
            rows[column] = rows[column].astype("Int64")
    return IncrementalState(
        settings=settings,
        model=json.loads(model) if model is not None else None,
        lambda_prior=float(lambda_prior),
        overloaded=frozenset(json.loads(overloaded)),
        whole_data=WholeDataFacts(
            frozenset(json.loads(vocabulary)),
            frozenset((system, pd.Timestamp(hour)) for system, hour in json.loads(hours)),
        ),
        inputs=_frame(con, f"select * exclude (customer_id) from {STATE_INPUTS}{none}"),
        splink_rows=rows,
    )


def write_resolution_files(
    con: duckdb.DuckDBPyConnection, records: str, edges: str, aliases: str
) -> None:
    """`write_resolution` from Parquet files (paths or globs) another engine wrote, in the same
    layouts: DuckDB reads them, no row passes through Python (scale_out/identity_step.py)."""
    sources = {_OUT: records, _EDGES: edges, _ALIASES: aliases}
    con.execute(f"create schema if not exists {SCHEMA}")
    for view, path in sources.items():
        literal = path.replace("'", "''")
        con.execute(
            f"create or replace temp view {view} as select * from read_parquet('{literal}')"
        )
    try:
        _write_registered(con)
    finally:
        for view in sources:
            con.execute(f"drop view if exists {view}")


_OUT, _EDGES, _ALIASES = "_identity_out", "_identity_edges", "_identity_aliases"
_STATE_INPUTS, _STATE_ROWS, _STATE = "_identity_inputs", "_identity_rows", "_identity_state"
_GONE_KEYS, _GONE_CUSTOMERS = "_identity_replaced_keys", "_identity_replaced_customers"


def _write_registered(con: duckdb.DuckDBPyConnection, with_state: bool = False) -> None:
    """The write itself, from the relations `_OUT`, `_EDGES` and `_ALIASES`."""
    records = ", ".join(OUTPUT_COLUMNS)
    edges = ", ".join(EDGE_COLUMNS)
    con.execute("begin transaction")
    try:
        con.execute(f"drop table if exists {RESOLVED_RECORDS}")
        con.execute(_RESOLVED_DDL)
        con.execute(f"insert into {RESOLVED_RECORDS} select {records} from {_OUT}")
        con.execute(f"drop table if exists {RESOLVED_EDGES}")
        con.execute(_EDGES_DDL)
        con.execute(f"insert into {RESOLVED_EDGES} select {edges} from {_EDGES}")
        _record_run_and_aliases(con)
        for table in _STATE_TABLES:
            con.execute(f"drop table if exists {table}")
        if with_state:
            # per record with its customer id: `touchpoint erase` deletes a person's rows of
            # every identity table by that column (privacy/erasure.py)
            for table, view in ((STATE_INPUTS, _STATE_INPUTS), (STATE_SPLINK_ROWS, _STATE_ROWS)):
                con.execute(f"""
                    create table {table} as
                    select state.*, out.customer_id
                    from {view} as state join {_OUT} as out using ({", ".join(RECORD_KEY)})""")
                _type_null_columns_as_text(con, table)
            con.execute(f"create table {STATE} as select * from {_STATE}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _type_null_columns_as_text(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A column of the state without a value in this run has DuckDB's type NULL, into which
    the next run's incremental insert of a value cannot go: text (every such column is)."""
    schema, name = table.split(".")
    untyped = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? and data_type = '\"NULL\"'",
        [schema, name],
    ).fetchall()
    for (column,) in untyped:
        con.execute(f'alter table {table} alter column "{column}" type varchar')


def _record_run_and_aliases(con: duckdb.DuckDBPyConnection) -> None:
    """Add this run to the history and this run's retired ids (`_ALIASES`) to the aliases."""
    con.execute(_RUNS_DDL)
    con.execute(f"""
        insert into {RUNS}
        select current_timestamp::timestamp, coalesce(sum(n), 0), count(*),
            coalesce(max(n), 0)
        from (select count(*) as n from {RESOLVED_RECORDS} group by customer_id)""")
    con.execute(_ALIASES_DDL)
    # an id that absorbed others earlier and is now retired itself hands its aliases on
    con.execute(f"""
        update {ALIASES} set customer_id = new.customer_id
        from {_ALIASES} as new
        where {ALIASES}.customer_id = new.retired_customer_id""")
    con.execute(f"""
        insert or replace into {ALIASES}
        select retired_customer_id, customer_id, current_timestamp::timestamp
        from {_ALIASES}""")


@dataclass(frozen=True)
class ResolutionSummary:
    """What the identity asset reports about a resolution, on either engine (on Spark the
    counts are group-bys there, scale_out/identity_step.py: the records stay in Spark)."""

    records: int
    records_by_match_method: dict[str, int]
    aliases: int
    edges: int
    edges_by_rule: dict[str, int]
    stats: dict[str, float]

    @classmethod
    def of(cls, resolution: Resolution) -> ResolutionSummary:
        return cls(
            records=len(resolution.records),
            records_by_match_method=_value_counts(resolution.records["match_method"]),
            aliases=len(resolution.aliases),
            edges=len(resolution.edges),
            edges_by_rule=_value_counts(resolution.edges["rule"]),
            stats=resolution.stats,
        )


def _value_counts(column: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in column.value_counts().items()}


def resolve_in_warehouse(
    con: duckdb.DuckDBPyConnection,
    source: str = DEFAULT_SOURCE,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
) -> Resolution:
    """Read the records, resolve them against the previous run and the steward overrides (the
    file `identity.overrides.overrides_path()` when not given), write the result."""
    if overrides is None:
        overrides = load_overrides()
    resolution = resolve(read_records(con, source), read_previous(con), config, overrides)
    write_resolution(con, resolution)
    return resolution


def resolve_incrementally_in_warehouse(
    con: duckdb.DuckDBPyConnection,
    source: str = DEFAULT_SOURCE,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
    full_refresh: bool = False,
) -> IncrementalResolution:
    """`resolve_in_warehouse`, re-resolving only what changed since the last run when its
    stored state allows (identity.incremental), every record on `full_refresh`."""
    if overrides is None:
        overrides = load_overrides()
    # a resolution of every record (asked for, or the code, configuration or overrides changed)
    # needs only the last ids of the stored resolution, not its edges and per-record state
    settings = settings_fingerprint(config or ResolutionConfig(), overrides)
    every_record = full_refresh or stored_settings(con) != settings
    records, last = read_records(con, source), read_last_resolution(con, not every_record)
    fit_memory_limit(con)  # the read's cached blocks give way to the resolution's frames
    result = resolve_incrementally(records, last, config, overrides, full_refresh=full_refresh)
    fit_memory_limit(con)  # the answer's frames are held while it is written
    write_resolution(con, result.resolution, result.state, result.changed)
    return result


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, table],
    ).fetchall()  # to the end: DuckDB refuses a relation's query beside an unfinished result
    return bool(row and row[0][0])
