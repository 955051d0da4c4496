"""Finding delivered files: ``<landing>/<system>/<entity>/<YYYY-MM-DD>[.partNN].<ext>[.gz]``.

Anything else in an entity folder is listed with the reason it is not loaded (a name off the
layout, a date that is not a calendar date, a hidden or copy-in-progress file, a folder, a
symbolic link). Symbolic links are never followed: a link could bring in a file from outside
the landing folder, or the same file under two names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.contract import EntitySpec

# ASCII digits only: ``\d`` would also take other scripts' digits (fullwidth, Arabic-Indic).
_NAME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:\.part(?P<part>[0-9]{2,}))?"
    r"\.(?P<ext>[a-z]+)(?P<gz>\.gz)?"
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


@dataclass(frozen=True)
class Ignored:
    """An entry of an entity folder that is not loaded, and why."""

    name: str  # printable: bytes that are not UTF-8 shown as \\xNN escapes
    reason: str


@dataclass
class Discovery:
    files: list[LandingFile]
    folder_exists: bool
    #: entries in the entity folder that are not delivery files; reported, never loaded
    ignored: list[Ignored]


def discover(landing_dir: Path, spec: EntitySpec) -> Discovery:
    """The entity's files in delivery order (date, then part)."""
    folder = landing_dir / spec.system / spec.entity
    if not folder.is_dir():
        return Discovery([], False, [])
    if folder.is_symlink() or not _inside(folder, landing_dir):
        reason = "the entity folder is a symbolic link (not followed)"
        return Discovery([], True, [Ignored(".", reason)])
    files: list[LandingFile] = []
    ignored: list[Ignored] = []
    for p in sorted(folder.iterdir()):
        found = _landing_file(landing_dir, spec, p)
        if isinstance(found, LandingFile):
            files.append(found)
        else:
            ignored.append(Ignored(printable(p.name), found))
    files.sort(key=lambda f: (f.delivery_date, f.part or 0, f.rel))
    return Discovery(files, True, ignored)


def _landing_file(landing_dir: Path, spec: EntitySpec, p: Path) -> LandingFile | str:
    """The delivery file at ``p``, or the reason it is not one."""
    if p.name.startswith("."):
        return "a hidden file (e.g. a copy still in progress)"
    if p.is_symlink():
        return "a symbolic link (not followed)"
    m = _NAME.fullmatch(p.name)
    if m is None or m.group("ext") != spec.ext:
        return f"not <YYYY-MM-DD>[.partNN].{spec.ext}[.gz]"
    date = _date(m.group("date"))
    if date is None:
        return f"{m.group('date')} is not a calendar date"
    try:
        st = p.stat()
        if not p.is_file():
            return "not a regular file"
        gzip = is_gzip(p)
    except OSError as exc:  # vanished since the listing, or unreadable
        return f"cannot be read ({exc.strerror or exc})"
    return LandingFile(
        path=p,
        rel=p.relative_to(landing_dir).as_posix(),
        delivery_date=date,
        part=int(m.group("part")) if m.group("part") else None,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        gzip=gzip,
    )


def changed_since_listed(f: LandingFile) -> str | None:
    """How the file differs from when it was listed (size, modification time, gone), or None."""
    try:
        st = f.path.stat()
    except FileNotFoundError:
        return "it vanished"
    if st.st_size != f.size:
        return f"its size changed from {f.size:,} to {st.st_size:,} bytes"
    if st.st_mtime_ns != f.mtime_ns:
        return "its modification time changed"
    return None


def printable(name: str) -> str:
    """A file name safe to print and to store in a VARCHAR: undecodable bytes (which Python
    keeps as lone surrogates) become ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _inside(folder: Path, landing_dir: Path) -> bool:
    return folder.resolve().is_relative_to(landing_dir.resolve())


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
