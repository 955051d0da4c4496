"""Suppression on read: a delivery's rows of erased people are counted, never loaded.

Landing files belong to the source systems, so Touchpoint never edits or deletes them; a file
that still holds an erased person (re-delivered, late, or read again into a new build) is read
as usual and, before anything reaches the raw layer, every staged row and quarantined line that
matches the suppression list (`privacy.suppression`, keyed hashes only) is dropped. The dropped
rows are counted per file in `raw.suppressed_rows`, and reconciliation balances
read = loaded + quarantined + duplicate + suppressed, so every delivered row stays accounted for.
`touchpoint erase` records the rows it deletes from raw there as well (reason `erased`).

With an empty list (nobody erased) this costs nothing; otherwise the distinct identifier values
of each batch are hashed once (`privacy.matching`).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.contract import EntitySpec
from ingestion.stage import STAGE_QUARANTINE, STAGE_ROWS, temp_table
from privacy.matching import PERSON_TABLE, RelationMatcher, free_text_hashes, load_person
from privacy.person_identifiers import ENTITIES
from privacy.suppression import SuppressionList

SUPPRESSED_ROWS = "raw.suppressed_rows"
REASON_ON_READ = "suppressed_on_read"
REASON_ERASED = "erased"

# Per file of the batch (`_src`): rows and quarantined lines dropped. Scratch-named, so
# `ingestion.stage.drop_stage` clears it with the rest of the batch.
_STAGE_SUPPRESSED = "_stage_suppressed"
_STAGE_SUPPRESSED_ROWS = "_stage_suppressed_rows"
_UNSUPPRESSED_VIEW = "_stage_rows_unsuppressed"

_BY_TABLE = {entity.table: entity for entity in ENTITIES}


def suppress_staged(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, suppression: SuppressionList | None
) -> None:
    """Drop the staged rows and quarantined lines of suppressed people and count them per file.

    `_stage_rows` becomes a view without them; `_stage_quarantine` loses them."""
    counts: dict[int, int] = {}
    if suppression:
        load_person(con, suppression.hashes)
        try:
            _suppress_rows(con, spec, counts)
            _suppress_quarantine(con, counts)
        finally:
            con.execute(f"DROP TABLE IF EXISTS {PERSON_TABLE}")
    temp_table(
        con,
        _STAGE_SUPPRESSED,
        pa.table(
            {
                "_src": pa.array(list(counts), pa.int64()),
                "rows_suppressed": pa.array(list(counts.values()), pa.int64()),
            }
        ),
    )


def counts_by_file(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Suppressed rows and lines per file (`_src`) of the staged batch."""
    return dict(con.execute(f"SELECT _src, rows_suppressed FROM {_STAGE_SUPPRESSED}").fetchall())


def publish_staged(con: duckdb.DuckDBPyConnection, spec: EntitySpec, load_id: str) -> None:
    """Record the batch's suppressed counts (joined to ``_batch_files``, inside the loader's
    transaction) for the file versions whose rows the batch publishes."""
    con.execute(
        f"""INSERT INTO {SUPPRESSED_ROWS}
        SELECT ?, ?, b._source_file, ?, s.rows_suppressed, ?, now()
        FROM {_STAGE_SUPPRESSED} s JOIN _batch_files b USING (_src)
        WHERE b.replace_rows AND b.status <> 'rejected' AND s.rows_suppressed > 0""",
        [spec.system, spec.entity, load_id, REASON_ON_READ],
    )


def _suppress_rows(con: duckdb.DuckDBPyConnection, spec: EntitySpec, counts: dict) -> None:
    entity = _BY_TABLE.get(spec.qualified_table)
    if entity is None:  # products, groups: nobody's data
        return
    matcher = RelationMatcher(con, STAGE_ROWS, entity, prefix="_stage_privacy_map")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_STAGE_SUPPRESSED_ROWS} AS "
            f"SELECT _src, _row_number FROM {STAGE_ROWS} WHERE {matcher.predicate()}"
        )
    finally:
        matcher.close()
    found = con.execute(
        f"SELECT _src, count(*) FROM {_STAGE_SUPPRESSED_ROWS} GROUP BY ALL"
    ).fetchall()
    if not found:
        return
    for src, n in found:
        counts[src] = counts.get(src, 0) + n
    con.execute(f"ALTER VIEW {STAGE_ROWS} RENAME TO {_UNSUPPRESSED_VIEW}")
    con.execute(
        f"""CREATE TEMP VIEW {STAGE_ROWS} AS SELECT u.* FROM {_UNSUPPRESSED_VIEW} u
        ANTI JOIN {_STAGE_SUPPRESSED_ROWS} s USING (_src, _row_number)"""
    )


def _suppress_quarantine(con: duckdb.DuckDBPyConnection, counts: dict) -> None:
    lines = con.execute(f"SELECT rowid, _src, raw_text FROM {STAGE_QUARANTINE}").fetchall()
    if not lines:
        return
    suppressed = set(con.execute(f"SELECT hash FROM {PERSON_TABLE}").fetchall())
    suppressed = {h for (h,) in suppressed}
    hits = [
        (rowid, src)
        for (rowid, src, _), found in zip(
            lines, free_text_hashes(t for _, _, t in lines), strict=True
        )
        if found & suppressed
    ]
    if not hits:
        return
    for _, src in hits:
        counts[src] = counts.get(src, 0) + 1
    con.execute(
        f"DELETE FROM {STAGE_QUARANTINE} WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
        [[rowid for rowid, _ in hits]],
    )
