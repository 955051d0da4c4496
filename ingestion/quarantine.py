"""raw.quarantine: records kept aside with file, record number, raw text and reason."""

from __future__ import annotations

import datetime as dt

import duckdb

from ingestion.contract import EntitySpec
from ingestion.schema import QUARANTINE
from ingestion.stage import STAGE_QUARANTINE


def publish_staged(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, load_id: str, loaded_at: dt.datetime
) -> None:
    """Move the batch's staged quarantine rows (joined to ``_batch_files``) into raw.quarantine."""
    con.execute(
        f"""INSERT INTO {QUARANTINE}
        SELECT ?, ?, b._source_file, b.delivery_date, q.row_number, q.raw_text, q.reason,
               q.detail, ?, ?
        FROM {STAGE_QUARANTINE} q JOIN _batch_files b USING (_src)
        WHERE b.replace_rows AND b.status <> 'rejected'""",
        [spec.system, spec.entity, load_id, loaded_at],
    )


def forget_files(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Drop earlier deliveries' quarantine rows of the batch's re-delivered files."""
    con.execute(
        f"""DELETE FROM {QUARANTINE} WHERE system = ? AND entity = ? AND source_file IN
        (SELECT _source_file FROM _batch_files WHERE replace_rows)""",
        [spec.system, spec.entity],
    )


def counts_by_file(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Staged quarantine rows per file (``_src``)."""
    return dict(
        con.execute(f"SELECT _src, count(*) FROM {STAGE_QUARANTINE} GROUP BY ALL").fetchall()
    )
