"""Finding delivered files: ``<landing>/<system>/<entity>/<YYYY-MM-DD>[.partNN].<ext>[.gz]``."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.contract import EntitySpec

_NAME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:\.part(?P<part>\d{2,}))?\.(?P<ext>[a-z]+)(?P<gz>\.gz)?"
)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class LandingFile:
    path: Path  # absolute
    rel: str  # relative to the landing folder, with "/" separators: the file's identity
    delivery_date: dt.date
    part: int | None
    size: int
    mtime_ns: int
    gzip: bool  # by magic bytes: a .gz name without gzip data is read as plain text


@dataclass
class Discovery:
    files: list[LandingFile]
    folder_exists: bool
    #: names in the entity folder that do not follow the layout; reported, never loaded
    ignored: list[str]


def discover(landing_dir: Path, spec: EntitySpec) -> Discovery:
    """The entity's files in delivery order (date, then part)."""
    folder = landing_dir / spec.system / spec.entity
    if not folder.is_dir():
        return Discovery([], False, [])
    files: list[LandingFile] = []
    ignored: list[str] = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue  # editors' and copy tools' temporary files
        m = _NAME.fullmatch(p.name)
        date = _date(m.group("date")) if m else None
        if not p.is_file() or m is None or m.group("ext") != spec.ext or date is None:
            ignored.append(p.name)
            continue
        st = p.stat()
        files.append(
            LandingFile(
                path=p,
                rel=p.relative_to(landing_dir).as_posix(),
                delivery_date=date,
                part=int(m.group("part")) if m.group("part") else None,
                size=st.st_size,
                mtime_ns=st.st_mtime_ns,
                gzip=is_gzip(p),
            )
        )
    files.sort(key=lambda f: (f.delivery_date, f.part or 0, f.rel))
    return Discovery(files, True, ignored)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def content_hash(path: Path) -> str:
    """SHA-256 of the delivered bytes: a file version's identity together with its path."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
