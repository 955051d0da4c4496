"""Validate the raw tables: DuckDB does the heavy lifting, GX judges a bounded DataFrame.

For each entity one query projects the contract columns the suite reads plus derived ``_q_``
columns (nested fields, cross-field rules, and how many rows share the record's key version,
a window over the *whole* table so uniqueness is judged exactly). Tables larger than
``sample_rows`` are then reservoir-sampled (fixed seed) before they reach pandas: the domain
expectations judge a share of bad rows, which a sample of 200,000 rows estimates to within
about +-0.1 % at a 2 % tolerance (the counts reported are then the sample's).
Column types are compared with the contract directly in DuckDB's catalog.
"""

from __future__ import annotations

import duckdb

from ingestion.contract import ENTITIES, EntitySpec, quote_ident, render_type
from quality.runner import ExpectationOutcome, Runner, SuiteResult
from quality.suites import (
    BLOCKING,
    DOMAINS,
    KEY_VERSIONS,
    build_suite,
    key_version_columns,
    tolerated_mostly,
)

DEFAULT_SAMPLE_ROWS = 200_000


def validate_raw_entity(
    con: duckdb.DuckDBPyConnection,
    system: str,
    entity: str,
    *,
    runner: Runner | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    mostly: float | None = None,
) -> SuiteResult:
    spec = ENTITIES[(system, entity)]
    runner = runner or Runner()
    total = con.execute(f"SELECT count(*) FROM {spec.qualified_table}").fetchone()[0]
    if mostly is None:
        mostly = tolerated_mostly(min(total, sample_rows))
    suite = build_suite(system, entity, mostly)
    df = con.execute(_frame_sql(spec, total, sample_rows)).df()
    result = runner.validate(df, suite, table=spec.qualified_table, rows_total=total)
    result.outcomes.insert(0, _type_check(con, spec))
    if total > sample_rows:
        result.notes.append(
            f"validated a reservoir sample of {sample_rows:,} of {total:,} rows (seed 42); "
            f"key-version counts are computed over the whole table"
        )
    return result


def _frame_sql(spec: EntitySpec, total: int, sample_rows: int) -> str:
    d = DOMAINS[(spec.system, spec.entity)]
    cols = [_frame_column(f.name, f.type) for f in spec.fields]
    cols += [f"({expr}) AS {quote_ident(name)}" for name, expr in d.derived.items()]
    kv = key_version_columns(spec)
    if kv:
        part = ", ".join(quote_ident(c) for c in kv)
        cols.append(f"count(*) OVER (PARTITION BY {part}) AS {KEY_VERSIONS}")
    sql = f"SELECT {', '.join(cols)} FROM {spec.qualified_table}"
    if total > sample_rows:
        sql = f"SELECT * FROM ({sql}) USING SAMPLE reservoir({sample_rows} ROWS) REPEATABLE (42)"
    return sql


def _frame_column(name: str, t: object) -> str:
    """Scalars as they are; JSON as text; STRUCT/LIST as a presence marker (true or NULL), since
    the suite only asks whether they are there (their fields are typed by ingestion)."""
    q = quote_ident(name)
    if t == "JSON":
        return f"{q}::VARCHAR AS {q}"
    if isinstance(t, str):
        return q
    return f"CASE WHEN {q} IS NOT NULL THEN true END AS {q}"


def _type_check(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> ExpectationOutcome:
    """Raw column types equal the contract's (GX on pandas cannot see DuckDB types)."""
    actual = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
            "AND table_name = ? AND database_name = current_database()",
            [spec.table],
        ).fetchall()
    )
    wrong = []
    for f in spec.fields:
        want = render_type(f.type)
        got = actual.get(f.name)
        if got is None or _norm(got) != _norm(want):
            wrong.append(f"{f.name}: {got or 'missing'} (contract {want})")
    return ExpectationOutcome(
        expectation="raw_column_types_match_contract",
        column=None,
        severity=BLOCKING,
        success=not wrong,
        element_count=len(spec.fields),
        unexpected_count=len(wrong),
        examples=wrong[:5],
        detail="DuckDB catalog vs ingestion/contract.py",
    )


def _norm(t: str) -> str:
    return (
        t.upper().replace('"', "").replace(" ", "").replace("TIMESTAMPWITHTIMEZONE", "TIMESTAMPTZ")
    )
