"""DuckDB connections with the project's settings: one writer on the build, read-only readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.publication_record import (
    PublishedWarehouseDamaged,
    damage_message,
    first_line,
    is_damage,
    verify_published,
)
from warehouse.settings import CATALOG, memory_limit

# Fail fast offline instead of trying to download an extension.
_BASE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": True}


def connect_build(build_db: Path) -> duckdb.DuckDBPyConnection:
    """The pipeline's read-write connection. Only one may exist at a time (DuckDB file lock).

    DuckDB's memory_limit comes from the settings (`--memory-limit`, TOUCHPOINT_MEMORY_LIMIT)."""
    build_db.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(build_db), config={**_BASE_CONFIG, "memory_limit": memory_limit()})


def connect_scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for a step's own work beside the build (identity resolution's
    candidate joins and Splink, writing the publications), with the build's settings: the same
    memory_limit (`--memory-limit`, TOUCHPOINT_MEMORY_LIMIT), so no step of a run outgrows it."""
    return duckdb.connect(":memory:", config={**_BASE_CONFIG, "memory_limit": memory_limit()})


def connect_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A reader's connection: an in-memory database with the published file attached read-only.

    Attaching (rather than opening the file) means the reader takes no write lock, and the alias
    gives the catalog the name MetricFlow's SQL expects whatever the file is called. A file that
    is not a database, is cut short or does not match its publication record raises
    PublishedWarehouseDamaged with a message for people, never DuckDB's raw error.
    """
    con = duckdb.connect(":memory:", config=dict(_BASE_CONFIG))
    try:
        attach_published(con, warehouse)
        con.execute(f"USE {CATALOG}")
    except BaseException:
        con.close()
        raise
    return con


def attach_published(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Attach the published file read-only as the catalog readers use, and check it (above).
    Also what `mf query` and `dbt show` do on dbt's `published` target (warehouse.dbt_published).
    """
    if not warehouse.exists():
        raise FileNotFoundError(
            f"No published warehouse at {warehouse}. Run `touchpoint run` (or `make demo`) first."
        )
    try:
        con.execute(f"ATTACH '{_sql_literal(warehouse)}' AS {CATALOG} (READ_ONLY)")
        verify_published(warehouse, con, CATALOG)
    except duckdb.Error as error:
        if is_damage(error):
            raise PublishedWarehouseDamaged(damage_message(warehouse, first_line(error))) from error
        raise


@contextmanager
def damage_reported(warehouse: Path) -> Iterator[None]:
    """Turn DuckDB's error for a damaged block of the published file (a checksum that does not
    match, a read past its end) into PublishedWarehouseDamaged, for readers' queries."""
    try:
        yield
    except duckdb.Error as error:
        if is_damage(error):
            raise PublishedWarehouseDamaged(damage_message(warehouse, first_line(error))) from error
        raise


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")
