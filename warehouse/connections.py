"""DuckDB connections with the project's settings: one writer on the build, read-only readers."""

from __future__ import annotations

import re
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


#: The least a connection gets however much the process holds already: DuckDB spills what does
#: not fit (identity's typo join at 1M: 27.6 s under 1 GB, 18.4 s under 4 GB).
MEMORY_FLOOR = 1 << 30


def connect_scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for a step's own work beside the build (identity resolution's
    candidate joins and Splink, writing the publications), with the build's settings and its
    memory_limit fitted to what the process leaves of the run's (`fit_memory_limit`)."""
    con = duckdb.connect(":memory:", config={**_BASE_CONFIG, "memory_limit": memory_limit()})
    fit_memory_limit(con)
    return con


def fit_memory_limit(con: duckdb.DuckDBPyConnection) -> None:
    """Set `con`'s memory_limit to the run's (`--memory-limit`, TOUCHPOINT_MEMORY_LIMIT) less what
    the rest of this process holds (its resident memory but `con`'s own), at least
    `MEMORY_FLOOR`, never above the run's. DuckDB counts only its own memory: a step holding
    gigabytes of frames (identity at 1M: 6 GB) beside a connection at the whole limit went
    4.5 GB past it (D078). A step that builds frames after opening its connection calls this
    again before the connection's next large work (identity before writing its answer)."""
    limit = _run_limit_bytes()
    rows = con.execute(
        "select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory()"
    ).fetchall()
    others = max(_resident_bytes() - int(rows[0][0]), 0)
    budget = max(limit - others, min(MEMORY_FLOOR, limit))
    con.execute(f"SET memory_limit = '{budget}B'")


def _run_limit_bytes() -> int:
    """The run's memory_limit in bytes (a share like the default `80%` as DuckDB reckons it on a
    connection of its own: a fitted connection's setting is no longer the run's)."""
    exact = _size_bytes(memory_limit())
    if exact is not None:
        return exact
    probe = duckdb.connect(":memory:", config={**_BASE_CONFIG, "memory_limit": memory_limit()})
    try:
        return _setting_bytes(probe, "memory_limit")
    finally:
        probe.close()


_UNITS = {"B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS |= {"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


def _size_bytes(text: str) -> int | None:
    """`4GB`, `512 MiB`, `1000000B` in bytes as DuckDB reads them; None for a share (`80%`)."""
    found = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    unit = found.group(2).upper() or "B" if found else ""
    if not found or unit not in _UNITS:
        return None
    return int(float(found.group(1)) * _UNITS[unit])


def _setting_bytes(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """A DuckDB size setting in bytes, as DuckDB shows it (`3.7 GiB`: to a tenth, cut off)."""
    rows = con.execute("select current_setting(?)", [name]).fetchall()
    return _size_bytes(str(rows[0][0] if rows else "0")) or 0


def _resident_bytes() -> int:
    """This process's resident memory (0 where /proc is not there)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


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
