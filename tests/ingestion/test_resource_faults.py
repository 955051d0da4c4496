"""Resources running out during ingestion (issue 16): the disk fills at one of ingestion's
write points (simulated by injecting ``ENOSPC``, as a loop-mounted small disk needs root), or
DuckDB's ``memory_limit`` is too small. The load fails with one clear message naming the cause,
raw keeps the batches committed before the failure (each in the ledger) and nothing of the
failing one, and the next run finishes to the same state as a run that never failed.
"""

from __future__ import annotations

import errno
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import ingestion.ledger
from ingestion import IngestionError, get_spec, ingest_entity, reconcile
from orchestration.defs.ingestion import defs as ingestion_defs
from orchestration.lib.resources import WarehouseResource
from tests.ingestion.landing import jsonl, put, ticket
from warehouse.settings import TouchpointPaths

TICKETS = get_spec("support", "tickets")
DAYS = ("2026-03-01", "2026-03-02", "2026-03-03")


def _landing(landing: Path) -> list[str]:
    """Three gzip'd ticket files (each read through a scratch copy), 40 tickets each."""
    rels = []
    for d, day in enumerate(DAYS):
        rel = f"support/tickets/{day}.jsonl.gz"
        put(landing, rel, jsonl(*(ticket(100 * d + i) for i in range(40))), gz=True)
        rels.append(rel)
    return rels


def _state(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    """What a run leaves: each file's ledger figures (current versions) and raw rows per file."""
    ledger_rows = con.execute(
        "SELECT source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
        "FROM raw.load_ledger WHERE is_current ORDER BY ALL"
    ).fetchall()
    raw_rows = con.execute(
        f"SELECT _source_file, count(*), sum(id) FROM {TICKETS.qualified_table} "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return ledger_rows, raw_rows


def _uninterrupted(landing: Path) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect()
    ingest_entity(con, landing, TICKETS)
    return _state(con)


def _ledger_paths(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT source_file FROM raw.load_ledger ORDER BY 1").fetchall()
    ]


def test_disk_full_writing_a_scratch_copy(landing, tmp_path, monkeypatch):
    """One file per batch; the second batch's scratch copy hits a full disk."""
    rels = _landing(landing)
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    real_write = Path.write_bytes
    writes = []

    def write_until_full(self: Path, data: bytes) -> int:
        writes.append(self)
        if len(writes) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_until_full)
    with pytest.raises(IngestionError) as failed:
        ingest_entity(con, landing, TICKETS, batch_bytes=1)
    message = str(failed.value)
    assert message.startswith("support/tickets: the disk is full (No space left on device)")
    assert f"while writing {writes[1]}" in message and "next run loads the rest" in message
    assert isinstance(failed.value.__cause__, OSError)
    # the first batch was committed and recorded; nothing of the second
    assert _ledger_paths(con) == rels[:1]
    assert reconcile(con, TICKETS).ok
    con.close()

    monkeypatch.setattr(Path, "write_bytes", real_write)  # space freed
    con = duckdb.connect(str(database))
    res = ingest_entity(con, landing, TICKETS, batch_bytes=1)
    assert (res.files_new, res.files_skipped) == (2, 1)
    assert _ledger_paths(con) == rels  # each file exactly once
    assert _state(con) == _uninterrupted(landing)
    assert res.reconciliation.ok


@pytest.mark.parametrize(
    "disk_full",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        duckdb.IOException(
            'IO Error: Could not write file "warehouse.duckdb.wal": No space left on device'
        ),
    ],
    ids=["OSError", "duckdb.IOException"],
)
def test_disk_full_while_publishing_a_batch_rolls_it_back(
    landing, tmp_path, monkeypatch, disk_full
):
    """The disk fills inside the publish transaction, after the rows were inserted into raw:
    the transaction is rolled back, so raw holds none of them."""
    rels = _landing(landing)
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    real_record = ingestion.ledger.record
    calls = []

    def record_until_full(*args, **kwargs) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise disk_full
        real_record(*args, **kwargs)

    monkeypatch.setattr(ingestion.ledger, "record", record_until_full)
    with pytest.raises(IngestionError, match=r"^support/tickets: the disk is full \("):
        ingest_entity(con, landing, TICKETS, batch_bytes=1)
    assert _ledger_paths(con) == rels[:2]
    raw_files = con.execute(
        f"SELECT DISTINCT _source_file FROM {TICKETS.qualified_table} ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in raw_files] == rels[:2]
    assert reconcile(con, TICKETS).ok
    con.close()

    monkeypatch.setattr(ingestion.ledger, "record", real_record)
    con = duckdb.connect(str(database))
    ingest_entity(con, landing, TICKETS, batch_bytes=1)
    assert _ledger_paths(con) == rels
    assert _state(con) == _uninterrupted(landing)


def test_memory_limit_too_small(landing, tmp_path):
    """A real DuckDB out-of-memory error (no injection): one line naming the limit, without
    DuckDB's multi-line tuning advice; the next run with room finishes."""
    put(
        landing,
        "support/tickets/2026-03-01.jsonl",
        jsonl(*(ticket(i, subject="x" * 500) for i in range(4000))),
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("SET memory_limit = '8MB'")
    con.execute(f"SET temp_directory = '{tmp_path / 'spill'}'")
    with pytest.raises(IngestionError) as failed:
        ingest_entity(con, landing, TICKETS)
    message = str(failed.value)
    assert message.startswith("support/tickets: out of memory (memory_limit = 7.6 MiB): ")
    assert "Raise DuckDB's memory_limit or lower batch_bytes" in message
    assert "\n" not in message and "Possible solutions" not in message
    assert isinstance(failed.value.__cause__, duckdb.OutOfMemoryException)
    assert _ledger_paths(con) == []

    con.execute("SET memory_limit = '1GB'")
    res = ingest_entity(con, landing, TICKETS)
    assert res.rows_loaded == 4000 and res.reconciliation.ok


def test_other_errors_are_not_relabelled(landing, monkeypatch):
    """Only a full disk or memory is explained; any other failure surfaces as it is."""
    _landing(landing)

    def broken(*args, **kwargs) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(ingestion.ledger, "record", broken)
    with pytest.raises(OSError, match="Input/output error") as failed:
        ingest_entity(duckdb.connect(), landing, TICKETS)
    assert not isinstance(failed.value, IngestionError)


def test_the_dagster_step_fails_with_the_cause_as_its_message(landing, tmp_path, monkeypatch):
    """`touchpoint run` prints each failed step's first line: it names the cause, not Dagster's
    wrapper ("Error occurred while executing op ...")."""
    _landing(landing)

    def disk_full(*args, **kwargs) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ingestion.ledger, "record", disk_full)
    paths = TouchpointPaths(landing, tmp_path / "w.duckdb", tmp_path / "build")
    result = dg.materialize(
        list(ingestion_defs.assets),
        selection=[dg.AssetKey(TICKETS.asset_key)],
        resources={"warehouse": WarehouseResource.from_paths(paths)},
        raise_on_error=False,
    )
    [failure] = result.get_step_failure_events()
    first_line = failure.step_failure_data.error.message.splitlines()[0]
    assert "support/tickets: the disk is full (No space left on device)" in first_line
    assert "Error occurred while executing" not in first_line
