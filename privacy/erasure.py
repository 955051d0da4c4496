"""`touchpoint erase`: remove one person from everything Touchpoint keeps, and keep them out.

1. Find the person in the identity graph of the build database (`identity.resolved_records`):
   by e-mail or phone (the forms identity resolution compares) or by customer id (a retired
   id is followed to the customer that absorbed it). An e-mail or phone that several customers
   share (a household) is refused: erase each of them by customer id.
2. Collect their rows (`privacy.matching`): every raw row holding one of their record ids, or
   an e-mail or phone of their records that no other customer holds, then every row
   referring to a row found (orders -> charges -> refunds, tickets -> ticket events, ...) until
   nothing new turns up; quarantined lines and stored check results that quote one of their
   e-mails or phones; their identity state (records, links, retired ids) and CLV scores.
3. Add the hashes of all those identifiers to the suppression list (before anything is
   deleted: an interrupted erasure run again finds the rest and is never undone by a load).
4. Delete them in one transaction, recording the deleted raw rows and quarantined lines per
   file in `raw.suppressed_rows` (reason `erased`) and taking them off the ledger's loaded /
   quarantined counts, so reconciliation still balances every delivered row; drop every layer
   dbt derives (staging, intermediate, marts: rebuilt in full in step 5) and identity's
   incremental state (aggregates of everyone's names and contact values); then rewrite the
   build database into a fresh file so no deleted value survives in a free page.
5. Rebuild and publish (`touchpoint run --full-refresh`): staging, identity, the marts, CLV
   (refitted) and both publications are derived again from the erased raw layer and replace the
   old ones.
6. Append an entry without personal data to the erasure log.

`--dry-run` stops after step 2 and says what would be removed.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from identity.normalise import normalise_email, normalise_phone
from identity.store import drop_incremental_state
from ingestion.schema import LEDGER, QUARANTINE, ensure_raw_layer
from ingestion.suppression import REASON_ERASED, SUPPRESSED_ROWS
from privacy.keys import keyed_hash
from privacy.matching import (
    PERSON_TABLE,
    RelationMatcher,
    add_to_person,
    free_text_hashes,
    hash_tokens,
    load_person,
)
from privacy.person_identifiers import ENTITIES
from privacy.suppression import SuppressionList, privacy_dir
from warehouse.connections import connect_build
from warehouse.settings import CATALOG, TouchpointPaths

ERASURE_LOG = "erasure_log.jsonl"
RESOLVED_RECORDS = "identity.resolved_records"
_MAX_PASSES = 20  # each pass follows references one step further; real chains are short

#: Tables of stored free text that may quote an identifier: (table, text expression).
FREE_TEXT_TABLES = (
    (QUARANTINE, "raw_text"),
    ("ops.check_results", "concat_ws(' ', description, metadata::VARCHAR)"),
)
#: Schemas of the build that are not derived by dbt (everything else is dropped and rebuilt).
KEPT_SCHEMAS = ("raw", "identity", "clv", "ops", "main", "information_schema", "pg_catalog")
#: State the pipeline keeps between runs, per customer: every table of these schemas with one
#: of the customer id columns (resolved records, links, retired ids, CLV scores, and whatever
#: state a later version keeps there) loses the person's rows.
CUSTOMER_STATE_SCHEMAS = ("identity", "clv")
CUSTOMER_ID_COLUMNS = ("customer_id", "retired_customer_id")


class ErasureError(RuntimeError):
    """The request cannot be carried out as asked (nobody found, ambiguous, no build)."""


@dataclass(frozen=True)
class ErasureRequest:
    email: str | None = None
    phone: str | None = None
    customer_id: str | None = None

    @property
    def kind(self) -> str:
        return "email" if self.email else "phone" if self.phone else "customer_id"


@dataclass
class ErasurePlan:
    """What an erasure removes: counts only, and the hashes that join the suppression list."""

    customers: list[str]
    shared_contact_points: int = 0
    raw_rows: dict[str, int] = field(default_factory=dict)
    free_text_rows: dict[str, int] = field(default_factory=dict)
    customer_state_rows: dict[str, int] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)

    @property
    def nothing_found(self) -> bool:
        return not (
            self.customers or any(self.raw_rows.values()) or any(self.free_text_rows.values())
        )

    def describe(self) -> str:
        lines = [
            f"customers: {len(self.customers)} ({', '.join(self.customers) or 'none in the identity graph'})"
        ]
        if self.shared_contact_points:
            lines.append(
                f"kept: {self.shared_contact_points} e-mail/phone value(s) other customers share "
                "(their rows are found through the person's record ids instead)"
            )
        lines.append("raw rows (every loaded version):")
        lines += [f"  {table:<32} {n:>8,}" for table, n in self.raw_rows.items() if n]
        lines.append("lines and results quoting their e-mail or phone:")
        lines += [f"  {table:<32} {n:>8,}" for table, n in self.free_text_rows.items()]
        lines.append("identity and CLV state:")
        lines += [f"  {table:<32} {n:>8,}" for table, n in self.customer_state_rows.items()]
        lines.append(f"suppression list entries (keyed hashes): {len(self.hashes):,}")
        return "\n".join(lines)


@dataclass
class ErasureOutcome:
    plan: ErasurePlan
    dry_run: bool
    hashes_added: int = 0
    published_version: int | None = None
    rebuild_summary: str = ""
    succeeded: bool = True


def erase(
    paths: TouchpointPaths,
    request: ErasureRequest,
    log: logging.Logger,
    dry_run: bool = False,
) -> ErasureOutcome:
    """Erase the person (see the module docstring); RunInProgressError while a run writes."""
    from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME
    from orchestration.lib.pipeline_runner import run_pipeline
    from orchestration.lib.run_guard import (
        build_lock,
        ensure_no_run_in_progress,
        pipeline_instance,
    )

    if not paths.build_db.exists():
        raise ErasureError(
            f"no build database at {paths.build_db}: nothing to erase from (check --warehouse "
            "/ --build-dir; they must be those of the `touchpoint run` that built it)"
        )
    suppression = SuppressionList.load(paths.warehouse)  # fails early on a wrong key
    paths.export_env()
    erasure_id = str(uuid.uuid4())
    with build_lock(paths, run_id=f"erase-{erasure_id}"):
        ensure_no_run_in_progress(pipeline_instance(paths), PIPELINE_JOB_NAME, paths)
        con = connect_build(paths.build_db)
        try:
            plan = plan_erasure(con, request)
            if dry_run:
                return ErasureOutcome(plan, dry_run=True)
            added = suppression.add(plan.hashes)
            log.info("suppression list: %d new keyed hashes (%s)", added, suppression.path)
            if plan.nothing_found:  # nothing to delete or rebuild; a later delivery is kept out
                outcome = ErasureOutcome(plan, dry_run=False, hashes_added=added)
                write_log_entry(paths.warehouse, erasure_id, request, outcome)
                return outcome
            apply_erasure(con, plan)
            drop_derived_layers(con)
            drop_incremental_state(con)  # aggregates of everyone's names and values
        finally:
            con.close()
        compact(paths.build_db)
    log.info("erased from the build database; rebuilding and publishing ...")
    outcome = ErasureOutcome(plan, dry_run=False, hashes_added=added)
    started = time.perf_counter()
    rebuilt = run_pipeline(paths, log=log, full_refresh=True)  # CLV refitted without them
    outcome.succeeded = rebuilt.succeeded
    outcome.published_version = rebuilt.published_version
    outcome.rebuild_summary = rebuilt.summary(time.perf_counter() - started)
    write_log_entry(paths.warehouse, erasure_id, request, outcome)
    return outcome


def plan_erasure(con: duckdb.DuckDBPyConnection, request: ErasureRequest) -> ErasurePlan:
    """Find the person and every row of theirs (leaves the person's hashes in PERSON_TABLE)."""
    customers = _customers(con, request)
    plan = ErasurePlan(customers=customers)
    seed, shared, plan.shared_contact_points = _seed(con, request, customers)
    load_person(con, seed)
    matchers = [
        RelationMatcher(con, entity.table, entity)
        for entity in ENTITIES
        if _exists(con, entity.table)
    ]
    try:
        # The contact points on the person's own identity records are theirs (unless shared).
        for matcher in matchers:
            own = matcher.own_hashes(matcher.own_predicate())
            contact = matcher.contact_hashes(matcher.own_predicate())
            add_to_person(con, own | (contact - shared))
        for _ in range(_MAX_PASSES):
            if not sum(add_to_person(con, m.own_hashes(m.predicate())) for m in matchers):
                break
        for matcher in matchers:
            (n,) = con.execute(
                f"SELECT count(*) FROM {matcher.relation} WHERE {matcher.predicate()}"
            ).fetchone()
            plan.raw_rows[matcher.relation] = n
    finally:
        for matcher in matchers:
            matcher.close()
    plan.hashes = {h for (h,) in con.execute(f"SELECT hash FROM {PERSON_TABLE}").fetchall()}
    for table, text in FREE_TEXT_TABLES:
        plan.free_text_rows[table] = len(_free_text_hits(con, table, text, plan.hashes))
    for table, condition in _customer_state(con, customers):
        (n,) = con.execute(f"SELECT count(*) FROM {table} WHERE {condition}").fetchone()
        plan.customer_state_rows[table] = n
    return plan


def apply_erasure(con: duckdb.DuckDBPyConnection, plan: ErasurePlan) -> None:
    """Delete what the plan found, in one transaction (the person table must hold its hashes)."""
    erased_at = datetime.now(UTC)
    ensure_raw_layer(con)  # a build from before suppression lacks raw.suppressed_rows
    matchers = [
        RelationMatcher(con, entity.table, entity)
        for entity in ENTITIES
        if _exists(con, entity.table)
    ]
    quarantined = _free_text_hits(con, QUARANTINE, "raw_text", plan.hashes)
    checks = _free_text_hits(con, "ops.check_results", FREE_TEXT_TABLES[1][1], plan.hashes)
    con.execute("BEGIN TRANSACTION")
    try:
        for matcher in matchers:
            system, entity = matcher.relation.removeprefix("raw.").split("__", 1)
            where = matcher.predicate()
            per_file = con.execute(
                f"SELECT _source_file, _load_id, count(*) FROM {matcher.relation} "
                f"WHERE {where} GROUP BY ALL"
            ).fetchall()
            _account(con, system, entity, per_file, "rows_loaded", erased_at)
            con.execute(f"DELETE FROM {matcher.relation} WHERE {where}")
        if quarantined:
            per_file = con.execute(
                f"SELECT system, entity, source_file, load_id, count(*) FROM {QUARANTINE} "
                "WHERE rowid IN (SELECT unnest(?::BIGINT[])) GROUP BY ALL",
                [quarantined],
            ).fetchall()
            for system, entity, *counts in per_file:
                _account(con, system, entity, [counts], "rows_quarantined", erased_at)
            _delete_rowids(con, QUARANTINE, quarantined)
        if checks:
            _delete_rowids(con, "ops.check_results", checks)
        for table, condition in _customer_state(con, plan.customers):
            con.execute(f"DELETE FROM {table} WHERE {condition}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for matcher in matchers:
            matcher.close()


def drop_derived_layers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Drop every schema the dbt build writes (staging, intermediate, marts, ...): the rebuild
    derives them again, in full, from the erased raw layer, so an incremental model cannot keep
    a row of the person. Kept: raw, the identity and CLV state (erased above) and ops."""
    schemas = [
        name
        for (name,) in con.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE catalog_name = current_database()"
        ).fetchall()
        if name not in KEPT_SCHEMAS
    ]
    for name in schemas:
        con.execute(f'DROP SCHEMA "{name}" CASCADE')
    return schemas


def compact(build_db: Path) -> None:
    """Rewrite the database into a fresh file: DuckDB reuses the pages of deleted rows but does
    not wipe them, and the publish step copies the build file."""
    fresh = build_db.with_name(f".{build_db.name}.{uuid.uuid4().hex}.compact")
    con = connect_build(build_db)
    try:
        con.execute("CHECKPOINT")
        con.execute(f"ATTACH '{_sql_literal(fresh)}' AS erasure_compact")
        con.execute(f"COPY FROM DATABASE {CATALOG} TO erasure_compact")
        con.execute("DETACH erasure_compact")
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(fresh, build_db)
    Path(f"{build_db}.wal").unlink(missing_ok=True)


def write_log_entry(
    warehouse: Path, erasure_id: str, request: ErasureRequest, outcome: ErasureOutcome
) -> Path:
    """Append what was done, without any personal data: counts, and the customers as keyed
    hashes (to answer "was this person erased?" with the key, never to re-identify)."""
    path = privacy_dir(warehouse) / ERASURE_LOG
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    plan = outcome.plan
    entry = {
        "erasure_id": erasure_id,
        "erased_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "requested_by": request.kind,
        "customers": len(plan.customers),
        "customer_hashes": sorted(keyed_hash(f"customer:{c}") for c in plan.customers),
        "raw_rows": {t: n for t, n in plan.raw_rows.items() if n},
        "free_text_rows": plan.free_text_rows,
        "customer_state_rows": plan.customer_state_rows,
        "shared_contact_points_kept": plan.shared_contact_points,
        "suppression_hashes_added": outcome.hashes_added,
        "republished_version": outcome.published_version,
        "rebuild_succeeded": outcome.succeeded,
    }
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(json.dumps(entry) + "\n")
    return path


def _customers(con: duckdb.DuckDBPyConnection, request: ErasureRequest) -> list[str]:
    if request.customer_id:
        (current,) = con.execute(
            "SELECT coalesce(max(customer_id), ?) FROM identity.customer_id_aliases "
            "WHERE retired_customer_id = ?",
            [request.customer_id, request.customer_id],
        ).fetchone()
        (found,) = con.execute(
            f"SELECT count(*) FROM {RESOLVED_RECORDS} WHERE customer_id = ?", [current]
        ).fetchone()
        if not found:
            raise ErasureError(f"no customer {request.customer_id} in the identity graph")
        return [current]
    if request.email:
        column, value, what = "email_key", normalise_email(request.email), "e-mail"
    else:
        column, value, what = "phone_e164", normalise_phone(request.phone), "phone"
    if value is None:
        raise ErasureError(f"not a usable {what}: {request.email or request.phone!r}")
    customers = [
        c
        for (c,) in con.execute(
            f"SELECT DISTINCT customer_id FROM {RESOLVED_RECORDS} WHERE {column} = ? ORDER BY 1",
            [value],
        ).fetchall()
    ]
    if len(customers) > 1:
        raise ErasureError(
            f"this {what} belongs to {len(customers)} customers ({', '.join(customers)}), e.g. a "
            "household: erase each person with --customer-id"
        )
    return customers


def _seed(
    con: duckdb.DuckDBPyConnection, request: ErasureRequest, customers: list[str]
) -> tuple[set[str], set[str], int]:
    """The person's first hashes (record ids, unshared contact points, the given value), the
    hashes of contact points other customers hold, and how many of the person's are shared."""
    records = con.execute(
        f"SELECT source_system, source_entity, source_record_id, email_key, phone_e164, "
        f"customer_id IN {_ids(customers) if customers else '(NULL)'} AS theirs "
        f"FROM {RESOLVED_RECORDS}"
    ).fetchall()
    theirs = [r for r in records if r[5]]
    others = [r for r in records if not r[5]]
    record_tokens = [f"record:{s}/{e}/{i}" for s, e, i, *_ in theirs]
    shared = set(
        hash_tokens(
            [f"email:{r[3]}" for r in others if r[3]] + [f"phone:{r[4]}" for r in others if r[4]]
        )
    )
    contact = set(
        hash_tokens(
            [f"email:{r[3]}" for r in theirs if r[3]] + [f"phone:{r[4]}" for r in theirs if r[4]]
        )
    )
    given = []
    if request.email and (key := normalise_email(request.email)):
        given.append(f"email:{key}")
    if request.phone and (e164 := normalise_phone(request.phone)):
        given.append(f"phone:{e164}")
    given_hashes = set(hash_tokens(given))
    seed = set(hash_tokens(record_tokens)) | ((contact | given_hashes) - shared)
    return seed, shared, len((contact | given_hashes) & shared)


def _customer_state(con: duckdb.DuckDBPyConnection, customers: list[str]) -> list[tuple[str, str]]:
    """(table, condition selecting the customers' rows) for each table of kept state."""
    if not customers:
        return []
    tables = con.execute(
        "SELECT table_schema, table_name, list(column_name) FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema IN "
        f"{_ids(list(CUSTOMER_STATE_SCHEMAS))} GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return [
        (
            f"{schema}.{table}",
            " OR ".join(f"{c} IN {_ids(customers)}" for c in CUSTOMER_ID_COLUMNS if c in columns),
        )
        for schema, table, columns in tables
        if any(c in columns for c in CUSTOMER_ID_COLUMNS)
    ]


def _free_text_hits(
    con: duckdb.DuckDBPyConnection, table: str, text: str, hashes: set[str]
) -> list[int]:
    if not _exists(con, table):
        return []
    rows = con.execute(f"SELECT rowid, {text} FROM {table}").fetchall()
    found = free_text_hashes(t for _, t in rows)
    return [rowid for (rowid, _), hit in zip(rows, found, strict=True) if hit & hashes]


def _account(
    con: duckdb.DuckDBPyConnection,
    system: str,
    entity: str,
    per_file: list,
    ledger_column: str,
    erased_at: datetime,
) -> None:
    for source_file, load_id, n in per_file:
        con.execute(
            f"UPDATE {LEDGER} SET {ledger_column} = {ledger_column} - ? "
            "WHERE source_file = ? AND load_id = ?",
            [n, source_file, load_id],
        )
        con.execute(
            f"INSERT INTO {SUPPRESSED_ROWS} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [system, entity, source_file, load_id, n, REASON_ERASED, erased_at],
        )


def _delete_rowids(con: duckdb.DuckDBPyConnection, table: str, rowids: list[int]) -> None:
    con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT unnest(?::BIGINT[]))", [rowids])


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    (n,) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return n > 0


def _ids(customers: list[str]) -> str:
    return "(" + ", ".join("'" + c.replace("'", "''") + "'" for c in customers) + ")"


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")
