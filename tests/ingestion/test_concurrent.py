"""Entities loaded two at a time (`ingest_concurrently`, what the Dagster step does) leave
exactly the raw layer, ledger, quarantine and reconciliation that loading them one after
another leaves, also when files are re-delivered; one entity's failure stops no other."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest

import ingestion.ledger
from ingestion import SPECS, IngestionError, get_spec, ingest_all, ingest_concurrently
from ingestion.loader import SerialStatements
from tests.ingestion.landing import HANDMADE

# Columns that differ between any two loads (ids and clocks); everything else must be equal.
_PER_LOAD = ("_load_id", "_loaded_at", "load_id", "loaded_at", "quarantined_at")


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table and the ledger and quarantine, rows sorted, per-load columns left out."""
    tables = [f"raw.{s.table}" for s in SPECS] + ["raw.load_ledger", "raw.quarantine"]
    out = {}
    for table in tables:
        columns = [
            r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _PER_LOAD
        ]
        select = ", ".join(f'"{c}"::VARCHAR' for c in columns)
        out[table] = con.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()
    return out


def _redeliver(landing: Path) -> None:
    """A second delivery: two entities' files sent again with other bytes, one new file."""
    for rel in ("billing/charges/2026-03-02.jsonl", "crm/contacts/2026-03-01.csv"):
        path = landing / rel
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:-1]))  # the last record withdrawn
    shutil.copy(
        landing / "billing/refunds/2026-03-20.jsonl", landing / "billing/refunds/2026-03-21.jsonl"
    )


def test_two_at_a_time_loads_what_one_at_a_time_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(HANDMADE, landing)
    serial = duckdb.connect()
    concurrent = duckdb.connect(str(tmp_path / "concurrent.duckdb"))
    for delivery in (1, 2):
        if delivery == 2:
            _redeliver(landing)
        serial_results = ingest_all(serial, landing)
        outcomes = list(ingest_concurrently(concurrent, landing, SPECS, workers=2))
        assert [o.error for o in outcomes if o.error] == []
        assert sorted(o.spec.table for o in outcomes) == sorted(s.table for s in SPECS)
        results = {o.spec.table: o.result for o in outcomes}
        for one in serial_results:
            other = results[one.table.removeprefix("raw.")]
            assert other is not None and other.reconciliation is not None
            assert other.reconciliation.ok
            counts = ("files_new", "files_changed", "files_skipped", "rows_read", "rows_loaded")
            assert [getattr(other, c) for c in counts] == [getattr(one, c) for c in counts]
        assert _snapshot(concurrent) == _snapshot(serial)
    # the second delivery replaced the re-delivered files' rows and kept the old ledger rows
    changed = concurrent.execute(
        "SELECT count(*) FILTER (NOT is_current) FROM raw.load_ledger"
    ).fetchone()[0]
    assert changed == 2


def test_one_entity_failing_stops_no_other(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(HANDMADE, landing)
    tickets = get_spec("support", "tickets")
    real_record = ingestion.ledger.record

    def disk_full_for_tickets(con, spec, *args, **kwargs):
        if spec.table == tickets.table:
            raise OSError(28, "No space left on device")
        return real_record(con, spec, *args, **kwargs)

    monkeypatch.setattr(ingestion.ledger, "record", disk_full_for_tickets)
    con = duckdb.connect()
    outcomes = {o.spec.table: o for o in ingest_concurrently(con, landing, SPECS)}
    failed = outcomes.pop(tickets.table)
    assert isinstance(failed.error, IngestionError)
    assert "support/tickets: the disk is full" in str(failed.error)
    assert all(o.error is None and o.result.reconciliation.ok for o in outcomes.values())
    loaded = dict(
        con.execute("SELECT entity, sum(rows_loaded) FROM raw.load_ledger GROUP BY ALL").fetchall()
    )
    assert "tickets" not in loaded and loaded["ticket_events"] > 0
    assert con.execute(f"SELECT count(*) FROM {tickets.qualified_table}").fetchone()[0] == 0


@pytest.mark.parametrize("workers", [1, 3])
def test_any_number_of_workers_loads_every_entity(tmp_path: Path, workers: int) -> None:
    con = duckdb.connect()
    outcomes = list(ingest_concurrently(con, HANDMADE, SPECS, workers=workers))
    assert len(outcomes) == len(SPECS)
    assert all(o.error is None and o.result.reconciliation.ok for o in outcomes)


def test_workers_run_their_duckdb_statements_one_at_a_time() -> None:
    """The workers' cursors share one statement lock (two heavy statements at once overcommit
    DuckDB's memory_limit, `SerialStatements`): two workers' statements never overlap,
    and each one's result is fetched after the lock is released."""
    con = duckdb.connect()
    lock = threading.Lock()
    spans: list[tuple[float, float, int]] = []

    def worker() -> None:
        cursor = SerialStatements(con.cursor(), lock)
        started = time.perf_counter()
        rows = cursor.execute("SELECT count(*) FROM range(30000000) t(i) WHERE i % 7 = 0")
        finished = time.perf_counter()
        spans.append((started, finished, rows.fetchone()[0]))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (first_start, first_end, first), (_, second_end, second) = sorted(spans)
    assert first == second == 4285715
    # the later worker waited for the earlier statement: its own took at least as long again
    assert second_end - first_end >= 0.5 * (first_end - first_start)
    assert not lock.locked()
