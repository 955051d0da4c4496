"""Find a CSV file's malformed records with a parser that re-syncs on the next line (pure Python).

DuckDB's reader swallows everything up to the next quote character after an unbalanced quote.
This scan gives such a line the cost of one record, as the contract checker does
(tests/tools/contract_check.py): a record that cannot be parsed (a quote never closed, text
after a closing quote), has the wrong number of fields, spans more than ``MAX_RECORD_LINES``
physical lines or is not UTF-8 is kept aside, and parsing restarts on the line after its first
line. Legitimate quoted fields with embedded newlines (LF or CRLF) still parse.

It is cheap enough to run on every CSV file: a line without a quote character is a whole record
whose fields are its commas plus one, so only lines holding a quote go through the ``csv``
module (one record at a time, at most ``MAX_RECORD_LINES`` lines of look-ahead). The scan only
counts and locates; DuckDB parses the values (of the file, or of a copy with a placeholder line
for each malformed record, ``with_placeholders``). ``keep_rows`` also returns the values, for the
rare file DuckDB does not read the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.file_checks import read_content

#: A quoted field may span at most this many physical lines (the contract checker's limit).
MAX_RECORD_LINES = 100
NOT_UTF8 = "not UTF-8"
_TOO_LONG = f"a quoted field spans more than {MAX_RECORD_LINES} lines"


@dataclass
class Malformed:
    pos: int  # record number in the file (1 = the first record after the header record)
    line: int  # physical line number (1-based) of the record's first line
    text: str  # that line as delivered, without its line ending
    detail: str


@dataclass
class CsvScan:
    header: list[str] | None = None  # None: no parsable header record
    good: int = 0  # records as wide as the header
    malformed: list[Malformed] = field(default_factory=list)
    #: (first physical line (0-based), lines) of each malformed record to replace in a cleaned
    #: copy: its first line (parsing re-syncs on the next one), or all its lines when it parsed
    #: but is not UTF-8
    replaced: list[tuple[int, int]] = field(default_factory=list)
    rows: list[list[str]] | None = None  # the good records' values, with keep_rows only

    @property
    def records(self) -> int:
        return self.good + len(self.malformed)


def read_text(path: Path, is_gzip: bool) -> tuple[str, bool]:
    """The file's text without a byte-order mark, and whether it is valid UTF-8. Invalid bytes
    become surrogates (``surrogateescape``): only the records holding them are lost, and a
    cleaned copy written back with the same handler keeps every other byte as delivered."""
    data = read_content(path, is_gzip)
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff"), False


def scan_text(text: str, *, check_utf8: bool = False, keep_rows: bool = False) -> CsvScan:
    """Scan a file's text (see ``scan_lines``)."""
    return scan_lines(
        split_lines(text), bare_cr=has_bare_cr(text), check_utf8=check_utf8, keep_rows=keep_rows
    )


def split_lines(text: str) -> list[str]:
    """Physical lines: split on LF only, a CR stays at the end of its line."""
    return text.split("\n")


def has_bare_cr(text: str) -> bool:
    """Whether a CR stands other than before a LF or at the end: a line break to the csv module."""
    return text.count("\r") != text.count("\r\n") + text.endswith("\r")


def scan_lines(
    lines: list[str], *, bare_cr: bool, check_utf8: bool = False, keep_rows: bool = False
) -> CsvScan:
    """Scan a file's physical lines: the first record is the header, every later one is good or
    malformed, numbered 1..n. Blank lines are not records."""
    out = CsvScan(rows=[] if keep_rows else None)
    resume = _header(lines, out)
    if out.header is None:
        return out
    commas = len(out.header) - 1
    rows = out.rows
    for i, line in enumerate(lines):  # the hot loop: one line at a time, C string methods only
        if i < resume:
            continue  # the header, or lines of a record that spans several
        if '"' in line or (bare_cr and line.find("\r", 0, len(line) - 1) >= 0):
            resume = _quoted_record(lines, i, out, check_utf8)
        elif line.count(",") == commas and not (check_utf8 and _has_surrogates(line)):
            out.good += 1
            if rows is not None:
                rows.append(line.removesuffix("\r").split(","))
        elif line and line != "\r":  # a blank line is not a record
            n = line.count(",") + 1
            detail = f"wrong field count: {n} fields, header has {commas + 1}"
            _set_aside(out, i, 1, line, detail if n != commas + 1 else NOT_UTF8)
    return out


def with_placeholders(lines: list[str], scan: CsvScan, placeholder: str) -> str:
    """The text with each malformed record's first line replaced by ``placeholder`` (and any
    other lines of a record that parsed but is not UTF-8 blank): DuckDB reads this copy record
    for record as the scan did, one row per record."""
    out = list(lines)
    for first, used in scan.replaced:
        out[first] = placeholder + ("\r" if lines[first].endswith("\r") else "")
        for i in range(first + 1, first + used):
            out[i] = ""
    return "\n".join(out)


def _header(lines: list[str], out: CsvScan) -> int:
    """Parse the header record (after any blank lines); return the line after it."""
    i = 0
    while i < len(lines):
        row, used, _error = _parse_record(lines, i)
        if row == []:
            i += used
            continue
        if row is not None and used <= MAX_RECORD_LINES:
            out.header = row
        return i + used
    return i


def _quoted_record(lines: list[str], i: int, out: CsvScan, check_utf8: bool) -> int:
    """One record starting at line ``i`` that needs the csv module; return the next line."""
    row, used, error = _parse_record(lines, i)
    width = len(out.header or ())
    if row == []:
        return i + used
    if error is None and used > MAX_RECORD_LINES:
        error = _TOO_LONG
    if error is None and row is not None and len(row) != width:
        error = f"wrong field count: {len(row)} fields, header has {width}"
    if error is not None:  # re-sync on the line after the record's first line
        _set_aside(out, i, 1, lines[i], error)
        return i + 1
    assert row is not None
    if check_utf8 and any(_has_surrogates(v) for v in row):
        _set_aside(out, i, used, lines[i], NOT_UTF8)  # it parsed: its lines are its own
    else:
        out.good += 1
        if out.rows is not None:
            out.rows.append(row)
    return i + used


def _parse_record(lines: list[str], i: int) -> tuple[list[str] | None, int, str | None]:
    """(fields, physical lines used, parse error) of the record starting at line ``i``; looks
    ahead one line more than a record may span."""
    reader = csv.reader(_with_newlines(lines, i), strict=True)
    try:
        row = next(reader)
    except csv.Error as exc:
        if reader.line_num > MAX_RECORD_LINES:  # ran out of look-ahead inside a quoted field
            return None, reader.line_num, _TOO_LONG
        return None, max(reader.line_num, 1), f"unbalanced quote or text after a quote ({exc})"
    except StopIteration:
        return [], max(reader.line_num, 1), None
    return row, reader.line_num, None


def _with_newlines(lines: list[str], i: int) -> Iterator[str]:
    for j in range(i, min(len(lines), i + MAX_RECORD_LINES + 1)):  # islice would walk from 0
        yield lines[j] + "\n"


def _set_aside(out: CsvScan, first: int, used: int, line: str, detail: str) -> None:
    text = line.removesuffix("\r").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    out.malformed.append(Malformed(out.records + 1, first + 1, text, detail))
    out.replaced.append((first, used))


def _has_surrogates(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
