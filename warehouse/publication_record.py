"""What each publication looked like when it was made, so a damaged published file is noticed.

DuckDB refuses a file that is not a database and checks each block's checksum when it reads the
block, but a file cut short near its end, or one overwritten by another database, can still open
and answer queries. `publish` therefore records, beside the published file, the size of every
version it publishes. Readers compare the file they opened with the record of its version: a
mismatch is a damaged publication, and `touchpoint run` rebuilds and publishes again.

The record is written before the new file is renamed into place and keeps the previous versions,
so a reader that still sees the old file finds the old version's line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

KEPT_VERSIONS = 10  # records of older versions are dropped; a reader never needs them


class PublishedWarehouseDamaged(RuntimeError):
    """The published warehouse file is cut short, overwritten or otherwise unreadable."""


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    size: int  # bytes of the published file


def record_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.publications.json")


def record_publication(warehouse: Path, new_file: Path, version: int) -> None:
    """Note the size of `new_file`, the complete new publication, before it replaces `warehouse`."""
    versions = {
        str(entry.version): {"size": entry.size}
        for entry in read_records(warehouse)
        if entry.version != version
    }
    versions[str(version)] = {"size": new_file.stat().st_size}
    newest = dict(sorted(versions.items(), key=lambda item: int(item[0]))[-KEPT_VERSIONS:])
    target = record_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # not a publication
    staging.write_text(json.dumps(newest, indent=1))
    os.replace(staging, target)


def read_records(warehouse: Path) -> list[PublishedVersion]:
    """Every recorded version, oldest first; none when there is no readable record (a
    publication made before records existed, or a warehouse copied without its record)."""
    try:
        raw = json.loads(record_path(warehouse).read_text())
        return sorted(
            (PublishedVersion(int(version), int(entry["size"])) for version, entry in raw.items()),
            key=lambda entry: entry.version,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def damage_message(warehouse: Path, what: str) -> str:
    return (
        f"The published warehouse {warehouse} is damaged: {what.rstrip('.!')}. It is not read. "
        "`touchpoint run` rebuilds and publishes it again."
    )


def verify_published(warehouse: Path, con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Raise PublishedWarehouseDamaged when the attached file does not match its record."""
    try:
        row = con.execute(f"select max(version) from {catalog}.ops.publications").fetchone()
    except duckdb.CatalogException:
        raise PublishedWarehouseDamaged(
            damage_message(warehouse, "it holds no publication record (ops.publications)")
        ) from None
    except duckdb.Error as error:
        raise PublishedWarehouseDamaged(damage_message(warehouse, first_line(error))) from error
    version = row[0] if row else None
    recorded = {entry.version: entry for entry in read_records(warehouse)}
    if version is None or version not in recorded:
        return  # nothing to compare with
    size = warehouse.stat().st_size
    expected = recorded[version].size
    if size != expected:
        raise PublishedWarehouseDamaged(
            damage_message(
                warehouse,
                f"version {version} was published with {expected:,} bytes, "
                f"the file now has {size:,}",
            )
        )


def is_damage(error: BaseException) -> bool:
    """Whether a DuckDB error raised while reading a published file means the file is damaged."""
    text = str(error)
    return isinstance(error, duckdb.Error) and (
        "Corrupt database file" in text
        or "Could not read enough bytes" in text
        or "not a valid DuckDB database file" in text
    )


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
