"""Keep the run's check outcomes with the data they judged: `ops.check_results`.

Dagster's event log holds every asset check evaluation (dbt tests, Great Expectations suites,
ingestion reconciliation), but the published warehouse is what readers can see; the publish step
copies the run's evaluations into the build database just before it is published.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg
import duckdb

CHECK_RESULTS = "ops.check_results"

_DDL = f"""
create schema if not exists ops;
create table if not exists {CHECK_RESULTS} (
    run_id varchar not null,
    asset_key varchar not null,      -- e.g. marts/fct_order or shop/orders
    check_name varchar not null,
    passed boolean not null,
    severity varchar not null,       -- ERROR (blocking when it fails) or WARN
    blocking boolean not null,
    description varchar,
    metadata json,
    evaluated_at timestamp not null  -- UTC
);
"""


def record_check_results(
    con: duckdb.DuckDBPyConnection, instance: dg.DagsterInstance, run_id: str
) -> int:
    """Replace the table's rows with this run's evaluations; keep the last ones if it had none
    (a run that only re-publishes judged nothing new). Returns the number recorded."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    rows = []
    for record in records:
        entry = record.event_log_entry
        evaluation = entry.dagster_event.event_specific_data
        rows.append(
            (
                run_id,
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
                bool(evaluation.blocking),
                evaluation.description,
                json.dumps(
                    {key: _plain(value) for key, value in evaluation.metadata.items()},
                    default=str,
                ),
                datetime.fromtimestamp(entry.timestamp, UTC).replace(tzinfo=None),
            )
        )
    con.execute(_DDL)
    if rows:
        con.execute(f"delete from {CHECK_RESULTS}")
        con.executemany(f"insert into {CHECK_RESULTS} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def _plain(value: object) -> object:
    return getattr(value, "value", value)
