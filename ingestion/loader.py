"""Ingest one entity: discover files, load new and changed ones, keep the ledger and audit.

One generic loader driven by the entity's spec. The entity's new and changed files are found
first, then loaded in batches of many files (about ``batch_bytes`` of text each): a batch is
staged by the format's reader with a handful of set-based statements, whatever its number of
files, and then published in a single transaction: earlier rows of re-delivered files are
deleted, the new rows and quarantined records inserted, the ledger written (two statements).
A crash in the middle leaves the raw layer as it was. New files are hashed for the ledger on a
worker thread while DuckDB stages the batch (both release the GIL).

``ingest_concurrently`` loads several entities at once, each on its own cursor of the same
database (its own transactions and temp tables): one entity's Python work (the CSV scan, the
ledger's bookkeeping) runs while DuckDB stages another's, so a load keeps both cores busy.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion import ledger, quarantine, suppression
from ingestion.contract import SPECS, EntitySpec
from ingestion.csv_reader import stage_csv_files
from ingestion.discovery import changed_since_listed, content_hash, discover
from ingestion.errors import explain
from ingestion.jsonl_reader import stage_jsonl_files
from ingestion.reconciliation import Reconciliation, reconcile
from ingestion.schema import (
    AUDIT,
    add_columns,
    ensure_raw_layer,
    ensure_raw_table,
)
from ingestion.stage import (
    STAGE_ROWS,
    FileStage,
    drop_stage,
    reset_stage,
    temp_table,
)
from privacy.suppression import SuppressionList

#: Files are read together up to about this many (uncompressed) bytes per transaction.
DEFAULT_BATCH_BYTES = 1 << 30
#: Entities loaded at once by ``ingest_concurrently``: one per core of the machine the project
#: targets (2); each runs DuckDB statements with the connection's own thread count.
DEFAULT_WORKERS = 2
_GZIP_RATIO = 8  # rough expansion of gzip'd text, to size batches
_SHM = "/dev/shm"


@dataclass
class EntityLoadResult:
    system: str
    entity: str
    table: str
    load_id: str
    folder_exists: bool
    files_seen: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    files_empty: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_suppressed: int = 0  # rows of erased people, dropped on read (ingestion.suppression)
    table_rows: int = 0
    rejected: list[str] = field(default_factory=list)  # one message per rejected file
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # drift, empty files
    reconciliation: Reconciliation | None = None


def new_load_id() -> str:
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def ingest_entity(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    spec: EntitySpec,
    *,
    load_id: str | None = None,
    run_id: str | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    suppression_list: SuppressionList | None = None,
) -> EntityLoadResult:
    """Load the entity's new and changed files, leaving out the rows of people on
    `suppression_list`. A full disk or exhausted memory raises
    :class:`IngestionError` naming the cause; batches committed before it stay loaded."""
    try:
        return _ingest_entity(
            con, landing_dir, spec, load_id, run_id, batch_bytes, suppression_list
        )
    except (OSError, duckdb.Error, MemoryError) as exc:
        explained = explain(exc, spec, _memory_limit(con))
        if explained is None:
            raise
        raise explained from exc


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    except duckdb.Error:  # the connection itself is unusable: the message does without it
        return None


def _ingest_entity(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    spec: EntitySpec,
    load_id: str | None,
    run_id: str | None,
    batch_bytes: int,
    suppression_list: SuppressionList | None = None,
) -> EntityLoadResult:
    started = dt.datetime.now(dt.UTC)
    load_id = load_id or new_load_id()
    ensure_raw_layer(con)
    ensure_raw_table(con, spec)
    found = discover(Path(landing_dir), spec)
    res = EntityLoadResult(
        spec.system,
        spec.entity,
        spec.qualified_table,
        load_id,
        found.folder_exists,
        files_seen=len(found.files),
    )
    if not found.folder_exists and not spec.optional:
        res.warnings.append(
            f"folder {spec.system}/{spec.entity} does not exist in the landing folder: "
            "no files loaded, the table keeps its schema and earlier rows"
        )
    for entry in found.ignored:
        res.warnings.append(f"ignored {spec.system}/{spec.entity}/{entry.name}: {entry.reason}")

    plan = ledger.plan_files(con, spec, found.files)
    res.files_skipped = len(plan.skipped)
    loaded_at = dt.datetime.now(dt.UTC)
    scratch = _scratch(batch_bytes)
    with ThreadPoolExecutor(1, thread_name_prefix="touchpoint-hash") as hasher:
        for batch in _batches(plan.to_load, batch_bytes):
            with tempfile.TemporaryDirectory(prefix="touchpoint-ingest-", dir=scratch) as tmp:
                _load_batch(
                    con, spec, batch, load_id, loaded_at, res, Path(tmp), hasher, suppression_list
                )
    drop_stage(con)

    res.table_rows = con.execute(f"SELECT count(*) FROM {spec.qualified_table}").fetchone()[0]
    res.reconciliation = reconcile(con, spec)
    con.execute(
        f"INSERT INTO {AUDIT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            run_id,
            spec.system,
            spec.entity,
            started,
            dt.datetime.now(dt.UTC),
            res.folder_exists,
            res.files_seen,
            res.files_new,
            res.files_changed,
            res.files_skipped,
            res.files_rejected,
            res.files_empty,
            res.rows_read,
            res.rows_loaded,
            res.rows_quarantined,
            res.rows_duplicate,
            res.table_rows,
            res.warnings + res.rejected,
        ],
    )
    return res


def ingest_all(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, specs: Sequence[EntitySpec] = SPECS, **kw
) -> list[EntityLoadResult]:
    return [ingest_entity(con, landing_dir, spec, **kw) for spec in specs]


@dataclass
class EntityOutcome:
    """One entity of ``ingest_concurrently``: its result, or the exception that stopped it."""

    spec: EntitySpec
    result: EntityLoadResult | None = None
    error: BaseException | None = None


def ingest_concurrently(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    specs: Sequence[EntitySpec] = SPECS,
    *,
    workers: int = DEFAULT_WORKERS,
    **kw,
) -> Iterator[EntityOutcome]:
    """Load `specs` `workers` at a time, each on its own cursor of `con`'s database; yield each
    entity's outcome as it finishes. Every guarantee of ``ingest_entity`` holds per entity (its
    batches are its own transactions; entities write different raw tables and different ledger
    rows). One entity's failure (``error``) does not stop the others: every entity is tried.

    The largest entities start first (by bytes in their folders), so the last one to finish is
    not a big one started late. The bookkeeping tables and every raw table are created before
    the workers start: DuckDB refuses two transactions creating catalog entries at once. A
    cursor shares the database's settings (memory limit, threads), not `con`'s session ones
    (`SET TimeZone`, ...): ingestion and `connect_build` set none, so a cursor reads and
    writes exactly as `con` would."""
    ensure_raw_layer(con)
    for spec in specs:
        ensure_raw_table(con, spec)
    ordered = sorted(specs, key=lambda s: -_folder_bytes(Path(landing_dir), s))
    one_statement_at_a_time = threading.Lock()
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="touchpoint-ingest") as pool:
        running: dict[Future[EntityLoadResult], EntitySpec] = {
            pool.submit(
                _ingest_on_own_cursor, con, landing_dir, spec, one_statement_at_a_time, kw
            ): spec
            for spec in ordered
        }
        for done in as_completed(running):
            spec = running[done]
            try:
                yield EntityOutcome(spec, result=done.result())
            except Exception as exc:  # handed to the caller, who names the entity
                yield EntityOutcome(spec, error=exc)


def _ingest_on_own_cursor(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    spec: EntitySpec,
    statement_lock: threading.Lock,
    kw: dict,
) -> EntityLoadResult:
    cursor = con.cursor()  # a connection of its own to the same database (temp tables too)
    try:
        return ingest_entity(SerialStatements(cursor, statement_lock), landing_dir, spec, **kw)
    finally:
        cursor.close()


class SerialStatements:
    """A cursor whose statements run one at a time with the other workers' (one lock): the
    workers overlap their Python work (the CSV scan, hashing, the ledger's bookkeeping) with
    one another's DuckDB statements, never two DuckDB statements at once.

    Why: DuckDB governs its memory_limit badly for two connections running heavy statements at
    once. Measured on 2.6 GB of a 1M company's files (GA4 events, e-mail events, orders,
    charges, ticket events; 2 cores): two statements at once failed under a 2 GB limit with
    "4.1 GiB/1.8 GiB used" while the process's peak RSS was 1.4-1.9 GB (with 1 or 2 DuckDB
    threads alike), and every 1M run at 4 and 5 GB failed so in GA4 events; one statement at
    a time passes at 2 GB. Each statement still uses all of DuckDB's threads."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, lock: threading.Lock) -> None:
        self._cursor = cursor
        self._lock = lock

    def execute(self, *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        with self._lock:  # a result is materialized by execute, so fetching needs no lock
            return self._cursor.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self._cursor, name)


def _folder_bytes(landing_dir: Path, spec: EntitySpec) -> int:
    try:
        return sum(e.stat().st_size for e in (landing_dir / spec.system / spec.entity).iterdir())
    except OSError:  # no folder (nothing to load), or a file gone meanwhile: order it anyhow
        return 0


def _scratch(batch_bytes: int) -> str | None:
    """Where a batch's scratch copies go (cleaned CSV, decompressed JSONL): they are written and
    read back at once, so RAM-backed /dev/shm when it has room, else the default temp folder."""
    try:
        if shutil.disk_usage(_SHM).free > 4 * batch_bytes:
            return _SHM
    except OSError:
        pass
    return None


def _batches(
    planned: list[ledger.PlannedFile], batch_bytes: int
) -> Iterator[list[ledger.PlannedFile]]:
    batch: list[ledger.PlannedFile] = []
    size = 0
    for p in planned:
        batch.append(p)
        size += p.file.size * (_GZIP_RATIO if p.file.gzip else 1)
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    batch: list[ledger.PlannedFile],
    load_id: str,
    loaded_at: dt.datetime,
    res: EntityLoadResult,
    tmp: Path,
    hasher: ThreadPoolExecutor,
    suppression_list: SuppressionList | None = None,
) -> None:
    """Stage a batch (the reader), then publish it in one transaction and count it. A file
    that changed while it was read is left out (no rows, no ledger row): the next run reads
    it again."""
    hashes = {
        p.file.rel: hasher.submit(content_hash, p.file.path)
        for p in batch
        if p.content_hash is None
    }
    reset_stage(con)
    files = [p.file for p in batch]
    if spec.format == "csv":
        stages = stage_csv_files(con, spec, files, tmp)
    else:
        stages = stage_jsonl_files(con, spec, files, tmp)
    suppression.suppress_staged(con, spec, suppression_list)
    unsettled: dict[str, str] = {}
    for p in batch:
        if p.content_hash is None:
            try:
                p.content_hash = hashes[p.file.rel].result()
            except FileNotFoundError:
                unsettled[p.file.rel] = "it vanished"
    # After the reader and the hash: a file whose size and time are still those listed was
    # read (and hashed) as one and the same version.
    for p in batch:
        if p.file.rel not in unsettled and (change := changed_since_listed(p.file)):
            unsettled[p.file.rel] = change
    for rel, change in unsettled.items():
        res.warnings.append(
            f"{rel}: not loaded, {change} while it was being read; the next run reads it again"
        )
    loaded = dict(con.execute(f"SELECT _src, count(*) FROM {STAGE_ROWS} GROUP BY ALL").fetchall())
    quarantined = quarantine.counts_by_file(con)
    entries = {
        i: _entry(p, stages[p.file.rel], loaded.get(i, 0), quarantined.get(i, 0))
        for i, p in enumerate(batch)
        if p.file.rel not in unsettled
    }
    if entries:
        _publish(con, spec, entries, stages, load_id, loaded_at)
        res.rows_suppressed += sum(
            n for src, n in suppression.counts_by_file(con).items() if src in entries
        )
    drop_stage(con)  # give the batch's memory back before the next one is read
    _tally(res, list(entries.values()), stages)


def _publish(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    by_src: dict[int, ledger.LedgerEntry],
    stages: dict[str, FileStage],
    load_id: str,
    loaded_at: dt.datetime,
) -> None:
    """Replace re-delivered files' rows, insert the staged rows and quarantine, write the
    ledger: one transaction, a fixed number of statements whatever the number of files.
    ``by_src``: the files to publish by their number in the batch (staged rows of other
    files are left out)."""
    entries = list(by_src.values())
    temp_table(
        con,
        "_batch_files",
        pa.table(
            {
                "_src": pa.array(list(by_src), pa.int64()),
                "_source_file": [e.planned.file.rel for e in entries],
                "delivery_date": pa.array(
                    [e.planned.file.delivery_date for e in entries], pa.date32()
                ),
                "status": [e.status for e in entries],
                "replace_rows": [ledger.replaces_rows(e) for e in entries],
            }
        ),
    )
    replaces = any(e.planned.change == "changed" and ledger.replaces_rows(e) for e in entries)
    new_columns = [
        c for e in entries if e.status != "rejected" for c in stages[e.planned.file.rel].new_columns
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        add_columns(con, spec, new_columns)
        if replaces:  # a re-delivery replaces the rows of the earlier version of the file
            con.execute(
                f"""DELETE FROM {spec.qualified_table} WHERE _source_file IN
                (SELECT _source_file FROM _batch_files WHERE replace_rows)"""
            )
            quarantine.forget_files(con, spec)
        con.execute(
            f"""INSERT INTO {spec.qualified_table} BY NAME
            SELECT s.* EXCLUDE (_src), b._source_file, b.delivery_date AS _delivery_date,
                   ? AS _load_id, ? AS _loaded_at
            FROM {STAGE_ROWS} s JOIN _batch_files b USING (_src)
            WHERE b.status <> 'rejected'""",
            [load_id, loaded_at],
        )
        quarantine.publish_staged(con, spec, load_id, loaded_at)
        suppression.publish_staged(con, spec, load_id)
        ledger.record(con, spec, entries, load_id, loaded_at)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _tally(
    res: EntityLoadResult, entries: list[ledger.LedgerEntry], stages: dict[str, FileStage]
) -> None:
    for e in entries:
        st = stages[e.planned.file.rel]
        res.files_new += e.planned.change == "new"
        res.files_changed += e.planned.change == "changed"
        res.files_rejected += e.status == "rejected"
        res.files_empty += e.status == "empty"
        res.rows_read += e.rows_read
        res.rows_loaded += e.rows_loaded
        res.rows_quarantined += e.rows_quarantined
        res.rows_duplicate += e.rows_duplicate
        if st.rejected:
            res.rejected.append(st.rejected)
        res.notes += st.notes


def _entry(
    p: ledger.PlannedFile, st: FileStage, loaded: int, quarantined: int
) -> ledger.LedgerEntry:
    if st.rejected:
        return ledger.LedgerEntry(p, "rejected", 0, 0, 0, 0, st.rejected)
    status = "loaded" if st.rows_read else "empty"
    message = "; ".join(st.notes) or None
    return ledger.LedgerEntry(
        p, status, st.rows_read, loaded, quarantined, st.rows_duplicate, message
    )
