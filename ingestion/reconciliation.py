"""Reconciliation: every record read is loaded, quarantined, counted as a duplicate or suppressed
(an erased person's row, `ingestion.suppression`).

Checked per current file version, against the tables themselves rather than the loader's own
counters: rows in raw and in quarantine for (file, load) must equal the ledger's figures, the
ledger's figures must add up to the records read, and raw must hold no rows of any other load.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ingestion.contract import EntitySpec
from ingestion.schema import LEDGER, QUARANTINE, RAW_SCHEMA

SUPPRESSED = f"{RAW_SCHEMA}.suppressed_rows"


@dataclass
class FileBalance:
    source_file: str
    load_id: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    raw_rows: int
    quarantine_rows: int
    rows_suppressed: int = 0

    @property
    def problems(self) -> list[str]:
        out = []
        accounted = (
            self.rows_loaded + self.rows_quarantined + self.rows_duplicate + self.rows_suppressed
        )
        if self.rows_read != accounted:
            parts = "loaded + quarantined + duplicate" + (
                " + suppressed" if self.rows_suppressed else ""
            )
            out.append(f"read {self.rows_read} != {parts} {accounted}")
        if self.raw_rows != self.rows_loaded:
            out.append(f"raw holds {self.raw_rows} rows, ledger says {self.rows_loaded}")
        if self.quarantine_rows != self.rows_quarantined:
            out.append(
                f"quarantine holds {self.quarantine_rows} rows, ledger says {self.rows_quarantined}"
            )
        return out


@dataclass
class Reconciliation:
    system: str
    entity: str
    files: list[FileBalance] = field(default_factory=list)

    @property
    def unbalanced(self) -> list[FileBalance]:
        return [f for f in self.files if f.problems]

    @property
    def ok(self) -> bool:
        return not self.unbalanced

    @property
    def rows_unaccounted(self) -> int:
        return sum(
            abs(
                f.rows_read
                - f.rows_loaded
                - f.rows_quarantined
                - f.rows_duplicate
                - f.rows_suppressed
            )
            + abs(f.raw_rows - f.rows_loaded)
            + abs(f.quarantine_rows - f.rows_quarantined)
            for f in self.unbalanced
        )

    def totals(self) -> dict[str, int]:
        keys = (
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "rows_duplicate",
            "rows_suppressed",
            "raw_rows",
        )
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def describe(self, limit: int = 20) -> str:
        if self.ok:
            t = self.totals()
            return (
                f"{len(self.files)} files balance: {t['rows_read']} read = {t['rows_loaded']} loaded"
                f" + {t['rows_quarantined']} quarantined + {t['rows_duplicate']} duplicate"
                + (f" + {t['rows_suppressed']} suppressed" if t["rows_suppressed"] else "")
            )
        lines = [f"{f.source_file}: {'; '.join(f.problems)}" for f in self.unbalanced[:limit]]
        more = len(self.unbalanced) - limit
        return "\n".join(lines + ([f"... and {more} more files"] if more > 0 else []))


def reconcile(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> Reconciliation:
    rows = con.execute(
        f"""WITH cur AS (
              SELECT source_file, load_id, rows_read, rows_loaded, rows_quarantined, rows_duplicate
              FROM {LEDGER} WHERE system = ? AND entity = ? AND is_current),
            r AS (SELECT _source_file AS source_file, _load_id AS load_id, count(*) AS n
                  FROM {spec.qualified_table} GROUP BY ALL),
            q AS (SELECT source_file, load_id, count(*) AS n FROM {QUARANTINE}
                  WHERE system = ? AND entity = ? GROUP BY ALL),
            s AS (SELECT source_file, load_id, sum(rows_suppressed) AS n FROM {SUPPRESSED}
                  WHERE system = ? AND entity = ? GROUP BY ALL),
            keys AS (SELECT source_file, load_id FROM cur UNION SELECT source_file, load_id FROM r
                     UNION SELECT source_file, load_id FROM q)
        SELECT k.source_file, k.load_id,
               coalesce(cur.rows_read, 0), coalesce(cur.rows_loaded, 0),
               coalesce(cur.rows_quarantined, 0), coalesce(cur.rows_duplicate, 0),
               coalesce(r.n, 0), coalesce(q.n, 0), coalesce(s.n, 0)::BIGINT
        FROM keys k
        LEFT JOIN cur USING (source_file, load_id)
        LEFT JOIN r USING (source_file, load_id)
        LEFT JOIN q USING (source_file, load_id)
        LEFT JOIN s USING (source_file, load_id)
        ORDER BY k.source_file, k.load_id""",
        [spec.system, spec.entity] * 3,
    ).fetchall()
    return Reconciliation(spec.system, spec.entity, [FileBalance(*row) for row in rows])
