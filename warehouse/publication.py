"""The publish pattern: readers only ever see a complete, quality-gated copy of the build.

The pipeline writes a private build database. When its quality gate has passed, `publish`
stamps a new version into `ops.publications`, closes every connection, copies the build file
beside the published one and atomically renames the copy over it. A reader that still has the
old file open keeps reading the old version (POSIX rename semantics); new readers get the new
one; a failed build never reaches this step, so the last good version stays in place.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from warehouse.connections import connect_build
from warehouse.publication_record import record_publication

# The fact every customer activity lands in: its newest business date is the data's "as of".
DATA_DATE_TABLE = "marts.fct_touchpoint"

_PUBLICATIONS_DDL = """
create schema if not exists ops;
create table if not exists ops.publications (
    version integer primary key,
    published_at timestamp not null,
    run_id varchar not null,
    landing_dir varchar,
    semantic_manifest json not null
);
"""


@dataclass(frozen=True)
class Publication:
    version: int
    published_at: datetime
    run_id: str
    path: Path


def publish(
    build_db: Path, warehouse: Path, run_id: str, landing_dir: Path, semantic_manifest: Path
) -> Publication:
    """Stamp the build with a new version and atomically replace the published warehouse."""
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con = connect_build(build_db)
    try:
        con.execute(_PUBLICATIONS_DDL)
        (version,) = con.execute(
            "select coalesce(max(version), 0) + 1 from ops.publications"
        ).fetchone()
        con.execute(
            "insert into ops.publications values (?, ?, ?, ?, ?)",
            [version, published_at, run_id, str(landing_dir), semantic_manifest.read_text()],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    record_publication(warehouse, build_db, version)  # before the rename: readers check it
    _atomic_copy(build_db, warehouse)
    return Publication(version=version, published_at=published_at, run_id=run_id, path=warehouse)


def latest_publication(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest publication's metadata (without the manifest), read through a reader connection,
    with `data_through`: the newest business date of any touchpoint it holds (None if none)."""
    row = con.execute(
        "select version, published_at, run_id, landing_dir from ops.publications "
        "order by version desc limit 1"
    ).fetchone()
    if row is None:
        return None
    publication = dict(zip(["version", "published_at", "run_id", "landing_dir"], row, strict=True))
    publication["data_through"] = _data_through(con)
    return publication


def _data_through(con: duckdb.DuckDBPyConnection) -> date | None:
    try:
        (newest,) = con.execute(f"select max(occurred_on) from {DATA_DATE_TABLE}").fetchone()
    except duckdb.CatalogException:  # a publication without the touchpoint fact
        return None
    return newest


def _atomic_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        with source.open("rb") as src, staging.open("wb") as dst:
            shutil.copyfileobj(src, dst, length=16 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
