"""DuckDB connections with the project's settings: one writer on the build, read-only readers."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.settings import CATALOG

# Fail fast offline instead of trying to download an extension.
_BASE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": True}


def connect_build(build_db: Path) -> duckdb.DuckDBPyConnection:
    """The pipeline's read-write connection. Only one may exist at a time (DuckDB file lock)."""
    build_db.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(build_db), config=dict(_BASE_CONFIG))


def connect_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A reader's connection: an in-memory database with the published file attached read-only.

    Attaching (rather than opening the file) means the reader takes no write lock, and the alias
    gives the catalog the name MetricFlow's SQL expects whatever the file is called.
    """
    if not warehouse.exists():
        raise FileNotFoundError(
            f"No published warehouse at {warehouse}. Run `touchpoint run` (or `make demo`) first."
        )
    con = duckdb.connect(":memory:", config=dict(_BASE_CONFIG))
    con.execute(f"ATTACH '{_sql_literal(warehouse)}' AS {CATALOG} (READ_ONLY)")
    con.execute(f"USE {CATALOG}")
    return con


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")
