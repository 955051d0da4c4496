"""The file ledger: which file versions were loaded, so each one is loaded exactly once.

A file version is its path plus the SHA-256 of its bytes. A run loads only files whose path is
new (``new``) or whose content changed (``changed``: a re-delivery, which replaces the rows of
the earlier version). Unchanged files are recognised by size and modification time without
being read again; a file whose time changed but whose bytes did not is skipped after hashing.
A new path needs no hash to be planned: its hash is taken while the batch is staged, and the
ledger rows of a batch are written in two statements, whatever the number of files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pyarrow as pa

from ingestion.contract import EntitySpec
from ingestion.discovery import LandingFile, content_hash
from ingestion.schema import LEDGER
from ingestion.stage import temp_table

Change = Literal["new", "changed"]


@dataclass
class PlannedFile:
    file: LandingFile
    content_hash: str | None  # None for a new path until the loader hashes it
    change: Change


@dataclass
class Plan:
    to_load: list[PlannedFile] = field(default_factory=list)
    skipped: list[LandingFile] = field(default_factory=list)


def plan_files(con: duckdb.DuckDBPyConnection, spec: EntitySpec, files: list[LandingFile]) -> Plan:
    # The latest processed version of each path decides; comparing with every earlier version
    # would miss a file that reverts to old content (A -> B -> A must load A again).
    latest = {
        path: (size, mtime_ns, digest, load_id)
        for path, size, mtime_ns, digest, load_id in con.execute(
            f"""SELECT source_file, bytes, mtime_ns, content_hash, load_id FROM {LEDGER}
            WHERE system = ? AND entity = ?
            QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY loaded_at DESC) = 1""",
            [spec.system, spec.entity],
        ).fetchall()
    }
    plan = Plan()
    for f in files:
        seen = latest.get(f.rel)
        if seen is None:
            plan.to_load.append(PlannedFile(f, None, "new"))
            continue
        if seen[:2] == (f.size, f.mtime_ns):
            plan.skipped.append(f)
            continue
        digest = content_hash(f.path)
        if seen[2] == digest:
            # touched, not changed: remember the new time so the next run skips it unread
            con.execute(
                f"UPDATE {LEDGER} SET mtime_ns = ? WHERE source_file = ? AND load_id = ?",
                [f.mtime_ns, f.rel, seen[3]],
            )
            plan.skipped.append(f)
            continue
        plan.to_load.append(PlannedFile(f, digest, "changed"))
    return plan


@dataclass
class LedgerEntry:
    planned: PlannedFile
    status: Literal["loaded", "empty", "rejected"]
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    message: str | None


def replaces_rows(entry: LedgerEntry) -> bool:
    """A rejected re-delivery keeps the rows of the last good version (nothing is lost)."""
    return entry.status != "rejected"


def record(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    entries: list[LedgerEntry],
    load_id: str,
    loaded_at: dt.datetime,
) -> None:
    """Write the ledger rows of a batch (inside the caller's transaction)."""
    files = [e.planned.file for e in entries]
    with_current = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT source_file FROM {LEDGER} WHERE is_current AND source_file IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [[f.rel for f in files]],
        ).fetchall()
    }
    temp_table(
        con,
        "_ledger_new",
        pa.table(
            {
                "source_file": [f.rel for f in files],
                "system": [spec.system] * len(files),
                "entity": [spec.entity] * len(files),
                "delivery_date": pa.array([f.delivery_date for f in files], pa.date32()),
                "part": pa.array([f.part for f in files], pa.int32()),
                "content_hash": [e.planned.content_hash for e in entries],
                "bytes": pa.array([f.size for f in files], pa.int64()),
                "mtime_ns": pa.array([f.mtime_ns for f in files], pa.int64()),
                "gzip": [f.gzip for f in files],
                "load_id": [load_id] * len(files),
                "loaded_at": pa.array([loaded_at] * len(files), pa.timestamp("us", tz="UTC")),
                "status": [e.status for e in entries],
                "is_current": [
                    replaces_rows(e) or e.planned.file.rel not in with_current for e in entries
                ],
                "rows_read": pa.array([e.rows_read for e in entries], pa.int64()),
                "rows_loaded": pa.array([e.rows_loaded for e in entries], pa.int64()),
                "rows_quarantined": pa.array([e.rows_quarantined for e in entries], pa.int64()),
                "rows_duplicate": pa.array([e.rows_duplicate for e in entries], pa.int64()),
                "message": pa.array([e.message for e in entries], pa.string()),
            }
        ),
    )
    con.execute(
        f"""UPDATE {LEDGER} SET is_current = false
        WHERE source_file IN (SELECT source_file FROM _ledger_new WHERE is_current)"""
    )
    con.execute(f"INSERT INTO {LEDGER} BY NAME SELECT * FROM _ledger_new")
    con.execute("DROP TABLE _ledger_new")
