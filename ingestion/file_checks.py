"""Whole-file checks shared by the readers: is it text at all, is its gzip stream whole and of
a believable size.

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
#: A gzip stream may expand to this many times its size, and to GZIP_FLOOR_BYTES in any case.
#: Delimited text compresses 5-20x; a stream that expands further is a decompression bomb
#: (a few MB that would become many GB in memory) and is rejected before it exhausts memory.
MAX_GZIP_RATIO = 200
GZIP_FLOOR_BYTES = 1 << 30
_CHUNK = 1 << 20


class GzipTooLarge(ValueError):
    """The gzip stream expands beyond what a delivery can be."""


#: What reading a damaged or implausible gzip stream raises: cut short, bad CRC or length,
#: corrupt data, a decompression bomb.
GZIP_ERRORS = (EOFError, gzip_module.BadGzipFile, zlib.error, GzipTooLarge)


def read_content(path: Path, is_gzip: bool) -> bytes:
    """The file's bytes, decompressed when it is gzip'd, within the expansion limit."""
    with path.open("rb") as raw:
        if not is_gzip:
            return raw.read()
        limit = max(GZIP_FLOOR_BYTES, MAX_GZIP_RATIO * path.stat().st_size)
        stream = gzip_module.GzipFile(fileobj=raw)
        # In chunks, counting: one read(limit) would allocate the limit for every file.
        chunks, size = [], 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise GzipTooLarge(
                    f"the gzip data expands beyond {limit:,} bytes ({MAX_GZIP_RATIO}x its size, "
                    f"{GZIP_FLOOR_BYTES:,} at least): a decompression bomb, not read"
                )
            chunks.append(chunk)
    return b"".join(chunks)


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
    if isinstance(exc, GzipTooLarge):
        return str(exc)
    return f"the gzip data is corrupt ({exc})"
