"""A cheap fingerprint of a landing folder, for the sensor to notice new or changed files."""

from __future__ import annotations

import hashlib
from pathlib import Path


def landing_fingerprint(landing_dir: Path) -> str | None:
    """Hash of every delivery file's path, size and mtime; None when the folder does not exist.

    Content hashes are the ingestion ledger's job; here stat() is enough to decide whether a run
    is worth starting, without reading gigabytes every 30 seconds.
    """
    if not landing_dir.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(landing_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
