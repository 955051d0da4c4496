"""The file ledger: which file versions were loaded, so each one is loaded exactly once.

A file version is its path plus the SHA-256 of its bytes. A run loads only files whose path is
new (``new``) or whose content changed (``changed``: a re-delivery, which replaces the rows of
the earlier version). Unchanged files are recognised by size and modification time without
being read again; a file whose time changed but whose bytes did not is skipped after hashing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from orchestration.lib.ingest.contract import EntitySpec
from orchestration.lib.ingest.discovery import LandingFile, content_hash
from orchestration.lib.ingest.schema import LEDGER

Change = Literal["new", "changed"]


@dataclass
class PlannedFile:
    file: LandingFile
    content_hash: str
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
        if seen is not None and seen[:2] == (f.size, f.mtime_ns):
            plan.skipped.append(f)
            continue
        digest = content_hash(f.path)
        if seen is not None and seen[2] == digest:
            # touched, not changed: remember the new time so the next run skips it unread
            con.execute(
                f"UPDATE {LEDGER} SET mtime_ns = ? WHERE source_file = ? AND load_id = ?",
                [f.mtime_ns, f.rel, seen[3]],
            )
            plan.skipped.append(f)
            continue
        plan.to_load.append(PlannedFile(f, digest, "changed" if seen else "new"))
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
    for e in entries:
        f = e.planned.file
        has_current = con.execute(
            f"SELECT count(*) FROM {LEDGER} WHERE source_file = ? AND is_current", [f.rel]
        ).fetchone()[0]
        current = replaces_rows(e) or not has_current
        if current:
            con.execute(f"UPDATE {LEDGER} SET is_current = false WHERE source_file = ?", [f.rel])
        con.execute(
            f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f.rel,
                spec.system,
                spec.entity,
                f.delivery_date,
                f.part,
                e.planned.content_hash,
                f.size,
                f.mtime_ns,
                f.gzip,
                load_id,
                loaded_at,
                e.status,
                current,
                e.rows_read,
                e.rows_loaded,
                e.rows_quarantined,
                e.rows_duplicate,
                e.message,
            ],
        )
