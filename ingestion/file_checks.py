"""Whole-file checks shared by the readers: is it text at all, is its gzip stream whole.

A file that is not text (binary data, or UTF-16/32, whose ASCII characters come with NUL
bytes) is rejected as a whole with that reason rather than cut into thousands of quarantined
"lines". The test looks at the start of the file (``HEAD_BYTES``, decompressed): text never
holds a NUL byte, and random bytes hold one within a few hundred. A NUL byte further on costs
only its own line, which is quarantined like any other malformed line.
"""

from __future__ import annotations

import gzip as gzip_module
import zlib
from pathlib import Path

HEAD_BYTES = 64 << 10
#: What reading a damaged gzip stream raises: cut short, bad CRC or length, corrupt data.
GZIP_ERRORS = (EOFError, gzip_module.BadGzipFile, zlib.error)

_UTF16_32_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def head(path: Path, is_gzip: bool) -> bytes:
    """The first ``HEAD_BYTES`` of the file's content (decompressed)."""
    with path.open("rb") as raw:
        return (gzip_module.GzipFile(fileobj=raw) if is_gzip else raw).read(HEAD_BYTES)


def not_text(start: bytes) -> str | None:
    """Why a file starting with these bytes is not UTF-8 text, or None."""
    for bom, encoding in _UTF16_32_BOMS:
        if start.startswith(bom):
            return f"not UTF-8 text: it starts with a {encoding} byte-order mark"
    nul = start.find(b"\x00")
    if nul >= 0:
        line = start.count(b"\n", 0, nul) + 1
        return f"not UTF-8 text: a NUL byte on line {line} (binary data, or UTF-16/32 text)"
    return None


def gzip_problem(exc: BaseException) -> str:
    """The reason given for a gzip stream that cannot be read to its end."""
    if isinstance(exc, EOFError):
        return "the gzip data is cut short (the file ends before the end of the stream)"
    return f"the gzip data is corrupt ({exc})"
