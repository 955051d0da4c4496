"""A dbt-duckdb plugin for dbt's `published` target (profiles.yml), the one `mf query` and
`dbt show` read: it attaches the published warehouse and checks it as every Touchpoint reader
does, so a damaged file ends the command with Touchpoint's one message (what is wrong, that
`touchpoint run` rebuilds it) instead of DuckDB's raw error, and a file that is cut short at its
end or replaced by another database is refused instead of answering queries.

dbt-duckdb calls `configure_connection` before it attaches the target's `attach:` list; that
attachment is written `ATTACH IF NOT EXISTS`, so once the plugin has attached and checked the
file, dbt's own attach does nothing.
"""

from __future__ import annotations

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from warehouse.connections import attach_published
from warehouse.settings import CATALOG


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        attachments = [a for a in (self.creds.attach or []) if a.alias == CATALOG]
        if not attachments:
            raise ValueError(f"the dbt target attaches no database as {CATALOG!r}")
        attach_published(conn, Path(attachments[0].path))
