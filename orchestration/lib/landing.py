"""Which delivered files no run has seen yet: decides whether a run is worth starting.

A file is "seen" when the published warehouse's ingestion ledger (`raw.load_ledger`) holds its
path with the same size and modification time: loaded, empty or rejected, some run already
processed that version. The published copy is the one to ask because it is always readable
(the build database is locked while a run writes it) and it is what readers see: a file only a
failed run saw is still unseen. stat() is enough here; content hashes are the ledger's job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion import SPECS
from ingestion.discovery import LandingFile, discover
from warehouse.connections import connect_published, damage_reported
from warehouse.publication import PUBLISHED_LEDGER, publications_out_of_step
from warehouse.publication_record import PublishedWarehouseDamaged


@dataclass(frozen=True)
class LandingStatus:
    folder_exists: bool
    files: tuple[LandingFile, ...]
    unseen: tuple[LandingFile, ...]
    # Why the published warehouse cannot be read, when it is damaged (or its restricted
    # publication is of another version): then every file counts as unseen, so a run starts and
    # publishes again.
    damaged: str | None = None

    @property
    def fingerprint(self) -> str:
        """Identity of the unseen set: a sensor run key and cursor, stable until files change."""
        digest = hashlib.sha256()
        for file in self.unseen:
            digest.update(f"{file.rel}|{file.size}|{file.mtime_ns}\n".encode())
        return digest.hexdigest()

    def describe_unseen(self, limit: int = 5) -> str:
        names = [file.rel for file in self.unseen[:limit]]
        more = len(self.unseen) - len(names)
        return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def landing_status(landing_dir: Path, warehouse: Path) -> LandingStatus:
    """The contract's delivery files in the landing folder, and those no published run saw."""
    if not landing_dir.is_dir():
        return LandingStatus(folder_exists=False, files=(), unseen=())
    files = tuple(file for spec in SPECS for file in discover(landing_dir, spec).files)
    try:
        seen = _seen_versions(warehouse)
    except PublishedWarehouseDamaged as damage:
        return LandingStatus(folder_exists=True, files=files, unseen=files, damaged=str(damage))
    if (out_of_step := publications_out_of_step(warehouse)) is not None:  # killed mid-swap
        return LandingStatus(folder_exists=True, files=files, unseen=files, damaged=out_of_step)
    unseen = tuple(file for file in files if (file.rel, file.size, file.mtime_ns) not in seen)
    return LandingStatus(folder_exists=True, files=files, unseen=unseen)


def _seen_versions(warehouse: Path) -> set[tuple[str, int, int]]:
    if not warehouse.exists():
        return set()
    con = connect_published(warehouse)
    try:
        with damage_reported(warehouse):  # a block that fails its checksum
            rows = con.execute(
                f"""select source_file, bytes, mtime_ns from {PUBLISHED_LEDGER}
                qualify row_number() over (partition by source_file order by loaded_at desc) = 1"""
            ).fetchall()
    except duckdb.CatalogException:  # a publication from before the ledger existed
        return set()
    finally:
        con.close()
    return {(path, size, mtime_ns) for path, size, mtime_ns in rows}
