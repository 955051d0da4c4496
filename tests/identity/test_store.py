"""Reading records from DuckDB, writing the resolution, keeping state across runs."""

from __future__ import annotations

import duckdb
import pandas as pd

from identity import ALIASES, RESOLVED_RECORDS, ResolutionConfig, resolve_in_warehouse
from tests.identity.builders import records

DETERMINISTIC = ResolutionConfig(probabilistic=None)


def _load(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    con.execute("create schema if not exists intermediate")
    con.register("_frame", frame.astype({"observed_at": "datetime64[ns]"}))
    con.execute("create or replace table intermediate.int_identity_records as select * from _frame")
    con.unregister("_frame")


def test_resolution_round_trip_keeps_ids_and_records_aliases() -> None:
    con = duckdb.connect()
    ann_a = dict(
        system="shop",
        id="1",
        first_name="Ann",
        last_name="Lee",
        email="ann@x.com",
        shop_customer_id="1",
        observed_at="2025-01-01",
    )
    ann_b = dict(system="marketing", id="2", email="ann.lee@y.com", observed_at="2025-02-01")
    _load(con, records(ann_a, ann_b))
    first = resolve_in_warehouse(con, config=DETERMINISTIC)
    stored = con.execute(f"select * from {RESOLVED_RECORDS} order by source_record_id").df()
    assert list(stored.columns) == list(first.records.columns)
    assert stored["customer_id"].nunique() == 2

    # a CRM contact of Ann's shop account with her second address merges the two clusters
    crm = dict(
        system="crm",
        id="003",
        first_name="Ann",
        last_name="Lee",
        email="ann.lee@y.com",
        salesforce_contact_id="003",
        shop_customer_id="1",
        observed_at="2025-03-01",
    )
    _load(con, records(ann_a, ann_b, crm))
    resolve_in_warehouse(con, config=DETERMINISTIC)
    after = con.execute(f"select source_record_id, customer_id from {RESOLVED_RECORDS}").df()
    ids = dict(zip(after["source_record_id"], after["customer_id"], strict=True))
    old = dict(zip(stored["source_record_id"], stored["customer_id"], strict=True))
    assert ids["1"] == ids["2"] == ids["003"] == old["1"]  # the oldest id survives
    aliases = con.execute(f"select retired_customer_id, customer_id from {ALIASES}").fetchall()
    assert aliases == [(old["2"], old["1"])]


def test_a_state_column_empty_on_a_full_run_takes_text_on_the_next_incremental_write() -> None:
    """DuckDB types a column of a registered frame with no value as NULL, into which no later
    INSERT of text goes: the state tables' such columns become text when created (an id column
    nobody has yet is first filled by a next day's record)."""
    from identity.store import _type_null_columns_as_text

    con = duckdb.connect()
    con.execute("create schema identity")
    con.register("state", pd.DataFrame({"id": pd.Series([None, None], dtype=object), "n": [1, 2]}))
    con.execute("create table identity.resolution_inputs as from state")
    _type_null_columns_as_text(con, "identity.resolution_inputs")
    con.register("fresh", pd.DataFrame({"id": ["x"], "n": [3]}))
    con.execute("insert into identity.resolution_inputs by name from fresh")
    rows = con.execute("select id, n from identity.resolution_inputs order by n").fetchall()
    assert rows == [(None, 1), (None, 2), ("x", 3)]


def test_a_resolution_of_every_record_reads_only_the_last_ids(monkeypatch) -> None:
    """A full refresh, or a run after identity's code, configuration or overrides changed,
    resolves every record: it reads the last ids and the state's settings, not the edges and the
    state's per-record rows (3 GB at 1M, held beside the whole resolution, D080); a next day
    with unchanged settings reads them all. Ids stay stable either way."""
    from identity import store
    from identity.resolve import ResolutionConfig

    con = duckdb.connect()
    people = [
        dict(system="shop", id=str(n), first_name=f"Ann{n}", last_name="Lee", email=f"a{n}@x.com",
             shop_customer_id=str(n), observed_at="2025-01-01")
        for n in range(5)
    ]  # fmt: skip
    _load(con, records(*people))
    first = store.resolve_incrementally_in_warehouse(con, config=DETERMINISTIC, overrides=[])
    read: list[str] = []
    frame = store._frame

    def spying(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
        read.append(query)
        return frame(con, query)

    monkeypatch.setattr(store, "_frame", spying)
    per_record = (store.RESOLVED_EDGES, store.STATE_INPUTS, store.STATE_SPLINK_ROWS)

    def rows_read() -> set[str]:
        return {t for q in read for t in per_record if t in q and not q.endswith("limit 0")}

    refreshed = store.resolve_incrementally_in_warehouse(
        con, config=DETERMINISTIC, overrides=[], full_refresh=True
    )
    assert refreshed.reason == "full refresh requested"
    assert rows_read() == set()
    other = ResolutionConfig(probabilistic=None, max_people_per_contact=9)
    read.clear()
    changed = store.resolve_incrementally_in_warehouse(con, config=other, overrides=[])
    assert changed.reason == "identity's code, configuration or steward overrides changed"
    assert rows_read() == set()
    read.clear()
    next_day = store.resolve_incrementally_in_warehouse(con, config=other, overrides=[])
    assert next_day.reason != changed.reason
    assert rows_read() == set(per_record)
    for later in (refreshed, changed, next_day):
        ids = later.resolution.records.set_index("source_record_id")["customer_id"]
        assert (
            ids.to_dict()
            == first.resolution.records.set_index("source_record_id")["customer_id"].to_dict()
        )
