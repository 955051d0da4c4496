"""The numbered lines of a batch of JSONL files, as SQL over DuckDB's ``read_text``.

``read_text`` reads each file whole without parsing it; ``string_split`` on LF gives its lines
and ``range`` their numbers (blank lines counted), so no number depends on the order in which a
parallel scan hands rows on. A trailing CR is dropped, so CRLF and LF files read alike, and so
is a byte-order mark.

``read_text`` neither decompresses nor accepts text that is not UTF-8. A gzip'd file is read
from a decompressed scratch copy; a file with bytes that are not UTF-8 is read from a copy in
which those lines are blank (their numbers kept) and the lines are reported, to be quarantined.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.discovery import LandingFile
from ingestion.file_checks import GZIP_ERRORS, gzip_problem, head, not_text, read_content
from ingestion.stage import sql_list

#: A line that is not UTF-8: (file number in the batch, line number, text with U+FFFD).
NotUtf8 = tuple[int, int, str]

_BLANK = "'[ \\t\\r]*'"  # a regex: DuckDB's trim() costs several ns per character


def readable_paths(
    files: list[LandingFile], tmp: Path, not_utf8: list[NotUtf8], rejected: dict[int, str]
) -> dict[int, Path]:
    """What ``read_text`` is to read for each non-empty file (by its number in the batch).
    Files that are not text or whose gzip stream is damaged go to ``rejected`` (the reason)."""
    paths = {}
    for i, f in enumerate(files):
        if not f.size:
            continue
        try:
            problem = not_text(head(f.path, f.gzip))
            if problem is None:
                paths[i] = _copy(i, f, tmp, not_utf8) if f.gzip else f.path
        except GZIP_ERRORS as exc:
            problem = gzip_problem(exc)
        except FileNotFoundError:  # gone since it was listed: the loader leaves it out
            continue
        if problem:
            rejected[i] = f"{f.rel}: {problem}"
    return paths


def repair_utf8(
    files: list[LandingFile], paths: dict[int, Path], tmp: Path, not_utf8: list[NotUtf8]
) -> None:
    """After ``read_text`` refused one: read the plain files that are not UTF-8 from copies."""
    for i, path in list(paths.items()):
        if path == files[i].path and not _is_utf8(path.read_bytes()):
            paths[i] = _copy(i, files[i], tmp, not_utf8)


def lines_sql(paths: dict[int, Path]) -> str:
    """SQL of the files' non-blank lines: ``_src``, ``_ln`` (1-based), ``line``."""
    if not paths:
        return "SELECT NULL::BIGINT AS _src, NULL::BIGINT AS _ln, NULL::VARCHAR AS line LIMIT 0"
    names = sql_list([str(p) for p in paths.values()])
    srcs = "([" + ", ".join(map(str, paths)) + "]::BIGINT[])"
    # A trailing CR is dropped, and a byte-order mark before the first line.
    return f"""SELECT _src, _ln, CASE WHEN _ln = 1 AND starts_with(line, chr(65279)) THEN line[2:]
                                     ELSE line END AS line
        FROM (SELECT _src, _ln,
                     CASE WHEN suffix(line, chr(13)) THEN left(line, -1) ELSE line END AS line
        FROM (SELECT {srcs}[list_position({names}, filename)] AS _src,
                     unnest(range(1, len(parts) + 1)) AS _ln, unnest(parts) AS line
              FROM (SELECT filename, string_split(content, chr(10)) AS parts
                    FROM read_text({names}))))
        WHERE NOT regexp_full_match(line, {_BLANK})"""


def _copy(src: int, f: LandingFile, tmp: Path, not_utf8: list[NotUtf8]) -> Path:
    """A plain UTF-8 copy of the file: decompressed, lines that are not UTF-8 left blank."""
    data = read_content(f.path, f.gzip)
    if not _is_utf8(data):
        lines = data.split(b"\n")
        for n, line in enumerate(lines):
            if not _is_utf8(line):
                not_utf8.append((src, n + 1, line.rstrip(b"\r").decode("utf-8", "replace")))
                lines[n] = b""
        data = b"\n".join(lines)
    copy = tmp / f"{src}.jsonl"
    copy.write_bytes(data)
    return copy


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
