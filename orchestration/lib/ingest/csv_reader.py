"""CSV files (Salesforce, Klaviyo, Qualtrics) into the stage tables with DuckDB's CSV reader.

Every column is read as text with ``read_csv(..., store_rejects=true)``; typing happens in SQL
afterwards so that a value which fails its type quarantines its record with a precise reason
instead of failing the file. Malformed records land in DuckDB's reject table.

One DuckDB behaviour needs help: after an unbalanced quote its reader swallows every following
line up to the next quote character into one rejected "record". Only the line with the stray
quote is bad: it is replaced by a placeholder in a temporary copy and the file read again (see
``_parse``), so the good records behind a stray quote still load, as a line-oriented reader
would do, and the stray line is quarantined with its original text.

Record numbers: DuckDB keeps the order of good records (``preserve_insertion_order``) and tells
the record index of each reject, so the two sequences are merged to number every record of
the file 1..n.
"""

from __future__ import annotations

import csv
import gzip as gzip_module
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.ingest.contract import EntitySpec, quote_ident, render_type
from orchestration.lib.ingest.discovery import LandingFile
from orchestration.lib.ingest.stage import (
    MALFORMED_CSV,
    STAGE_QUARANTINE,
    STAGE_ROWS,
    TYPE_CAST,
    FileStage,
    sql_str,
)

_HEADER_PROBE_BYTES = 1 << 20
_MAX_LINE_SIZE = 256 << 20  # a blob after a stray quote can span many lines


@dataclass
class _Malformed:
    pos: int
    text: str
    detail: str


def stage_csv_file(con: duckdb.DuckDBPyConnection, spec: EntitySpec, f: LandingFile) -> FileStage:
    """Parse one file into the stage tables (which must exist; see ``stage.reset_stage``)."""
    out = FileStage(f.rel)
    header = read_header(f.path, f.gzip)
    if header is None:
        out.notes.append(f"{f.rel}: zero bytes (no header row); read as an empty file")
        return out
    problem = _header_problem(spec, header)
    if problem:
        out.rejected = f"{f.rel}: {problem}"
        return out
    known = set(spec.field_names)
    out.new_columns = [(c, "VARCHAR") for c in header if c not in known]
    if out.new_columns:
        names = ", ".join(c for c, _ in out.new_columns)
        out.notes.append(f"{f.rel}: columns not in the contract kept in raw: {names}")

    with tempfile.TemporaryDirectory(prefix="touchpoint-csv-") as tmp:
        malformed, total = _parse(
            con, f.path, header, "_csv_0", has_header=True, gzip=f.gzip, tmp=Path(tmp)
        )
    extra_headers = spec.header_rows - 1
    if extra_headers:
        problem = _drop_extra_header_rows(con, header, extra_headers, malformed)
        if problem:
            out.rejected = f"{f.rel}: {problem}"
            return out
        malformed = [_Malformed(m.pos - extra_headers, m.text, m.detail) for m in malformed]
        total -= extra_headers

    out.rows_read = total
    if malformed:
        con.executemany(
            f"INSERT INTO {STAGE_QUARANTINE} VALUES (?, ?, ?, '{MALFORMED_CSV}', ?)",
            [[f.rel, m.pos, m.text, m.detail] for m in malformed],
        )
    out.rows_duplicate = _stage_typed(con, spec, f.rel, header, out.new_columns)
    con.execute("DROP TABLE IF EXISTS _csv_0")
    return out


def read_header(path: Path, is_gzip: bool) -> list[str] | None:
    """Column names from the first CSV record (a BOM is dropped); None for a zero-byte file."""
    with path.open("rb") as raw:
        fh = gzip_module.GzipFile(fileobj=raw) if is_gzip else raw
        probe = fh.read(_HEADER_PROBE_BYTES)
    if not probe:
        return None
    text = probe.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def _header_problem(spec: EntitySpec, header: list[str]) -> str | None:
    missing = [c for c in spec.required_fields if c not in header]
    if missing:
        return "missing required column " + ", ".join(repr(c) for c in missing)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        return "duplicate column " + ", ".join(repr(c) for c in dupes)
    return None


def _parse(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    names: list[str],
    table: str,
    *,
    has_header: bool,
    gzip: bool,
    tmp: Path,
) -> tuple[list[_Malformed], int]:
    """Create ``table`` (``_pos`` + one VARCHAR column per name) with the good records of the
    file and return the malformed records and the number of records, both numbered 1..n.

    A stray quote makes DuckDB swallow the lines up to the next quote into one reject. Each such
    line is replaced by a one-field placeholder (which DuckDB then rejects as a single record,
    keeping every record's number) and the file is read again, until no reject spans lines.
    Stray quotes pair up in a pass, so this takes a few passes however many there are.
    """
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    stray: dict[str, str] = {}  # placeholder -> the original line
    source, compressed = path, gzip
    fallback: tuple[Path, bool, dict[str, str]] | None = None
    while True:
        con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_reject_scans")
        try:
            _read(con, table, source, columns, has_header=has_header, gzip=compressed)
        except duckdb.InvalidInputException:
            if fallback is None:
                raise
            # The rewritten copy confuses the parser: keep the previous pass, where the blob is
            # one quarantined record (its lines are in raw_text, counted, not loaded).
            source, compressed, stray = fallback
            fallback = None
            con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_reject_scans")
            _read(con, table, source, columns, has_header=has_header, gzip=compressed)
            rejects = _rejects(con)
            break
        rejects = _rejects(con)
        blobs = [
            r[1] for r in rejects if r[2] == "UNQUOTED VALUE" and "\n" in (r[4] or "").strip("\r\n")
        ]
        if not blobs:
            break
        target = tmp / f"{table}_pass{len(stray)}.csv"
        fallback = (source, compressed, dict(stray))
        stray.update(_replace_lines(source, compressed, blobs, target, len(stray)))
        source, compressed = target, False

    malformed = []
    steps = []  # (good records before the reject, rejects so far)
    for m, (line, _, etype, message, text) in enumerate(rejects):
        good_before = line - (1 if has_header else 0) - 1 - m
        raw = (text or "").strip("\r\n")
        if raw in stray:
            malformed.append(_Malformed(good_before + 1 + m, stray[raw], "unbalanced quote"))
        else:
            malformed.append(_Malformed(good_before + 1 + m, raw, f"{etype}: {message}"))
        steps.append((good_before, m + 1))
    con.execute("CREATE OR REPLACE TEMP TABLE _csv_steps (k BIGINT, cum BIGINT)")
    if steps:
        con.executemany("INSERT INTO _csv_steps VALUES (?, ?)", [list(x) for x in steps])
    # A good record's number: its index among good records plus the rejects before it.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT g.k + 1 + coalesce(s.cum, 0) AS _pos, g.* EXCLUDE (k)
        FROM (SELECT rowid AS k, * FROM {table}_read) g
        ASOF LEFT JOIN (SELECT k, max(cum) AS cum FROM _csv_steps GROUP BY k) s ON g.k >= s.k"""
    )
    n_good = con.execute(f"SELECT count(*) FROM {table}_read").fetchone()[0]
    con.execute(f"DROP TABLE {table}_read")
    return malformed, n_good + len(rejects)


def _read(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: Path,
    columns: str,
    *,
    has_header: bool,
    gzip: bool,
) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table}_read AS
        SELECT * FROM read_csv({sql_str(str(source))}, columns={columns}, header={has_header},
            auto_detect=false, delim=',', quote='"', escape='"', strict_mode=true,
            compression='{"gzip" if gzip else "none"}', max_line_size={_MAX_LINE_SIZE},
            store_rejects=true, rejects_table='_csv_rejects', rejects_scan='_csv_reject_scans')"""
    )


def _rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    # One record can raise several errors; the first one (by byte position) describes it.
    return con.execute(
        """SELECT line, min(line_byte_position), arg_min(error_type, byte_position),
                  arg_min(error_message, byte_position), arg_min(csv_line, byte_position)
           FROM _csv_rejects GROUP BY line ORDER BY line"""
    ).fetchall()


def _replace_lines(
    source: Path, is_gzip: bool, offsets: list[int], target: Path, first_id: int
) -> dict[str, str]:
    """Copy the file, replacing the lines that start at the given (decompressed) byte offsets
    with unique one-field placeholders; return placeholder -> original line."""
    replaced = {}
    with source.open("rb") as raw, target.open("wb") as out:
        fh = gzip_module.GzipFile(fileobj=raw) if is_gzip else raw
        pos = 0
        for n, offset in enumerate(sorted(offsets)):
            # DuckDB's offset lands on or just after the line start: the line starts after the
            # last newline before it.
            back = min(2, offset - pos)
            _copy_bytes(fh, out, offset - back - pos)
            before = fh.read(back)
            cut = before.rfind(b"\n") + 1
            out.write(before[:cut])
            rest = fh.readline()
            pos = offset + len(rest)  # source bytes consumed so far
            line = before[cut:] + rest
            while line in (b"\n", b"\r\n", b"\r"):  # blank lines before the stray one
                out.write(line)
                line = fh.readline()
                pos += len(line)
            body = line.rstrip(b"\r\n")
            marker = f"\x01stray-quote-{first_id + n}\x01"
            replaced[marker] = body.decode("utf-8", errors="replace")
            out.write(marker.encode() + line[len(body) :])
        shutil.copyfileobj(fh, out, 1 << 20)
    return replaced


def _copy_bytes(src, dst, n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 20))
        if not chunk:
            return
        dst.write(chunk)
        n -= len(chunk)


def _drop_extra_header_rows(
    con: duckdb.DuckDBPyConnection, header: list[str], n: int, malformed: list[_Malformed]
) -> str | None:
    """Qualtrics: records 1..n after the id row are question texts and ImportIds, not data."""
    if any(m.pos <= n for m in malformed):
        return f"header rows 2-{n + 1} are malformed"
    last = con.execute(
        f"SELECT {quote_ident(header[0])} FROM _csv_0 WHERE _pos = ?", [n]
    ).fetchone()
    if last is None or "ImportId" not in (last[0] or ""):
        return f"expected {n + 1} header rows; row {n + 1} is not the ImportId row"
    con.execute(f"DELETE FROM _csv_0 WHERE _pos <= {n}")
    con.execute(f"UPDATE _csv_0 SET _pos = _pos - {n}")
    return None


def _typed(dtype: str, col: str) -> str:
    """SQL that types one text column; NULL when the value does not fit (checked by the caller)."""
    x = f"nullif(trim({col}), '')"
    if dtype == "VARCHAR":
        return col
    if dtype == "BOOLEAN":
        return f"CASE lower({x}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    if dtype in ("INTEGER", "BIGINT", "SMALLINT"):
        # TRY_CAST would round '9.5' to 10; a score is an integer or it is wrong.
        return f"CASE WHEN regexp_full_match({x}, '[-+]?[0-9]+') THEN TRY_CAST({x} AS {dtype}) END"
    return f"TRY_CAST({x} AS {dtype})"


def _stage_typed(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    rel: str,
    header: list[str],
    new_columns: list[tuple[str, str]],
) -> int:
    """Deduplicate exact repeats, type the columns, quarantine type failures; return duplicates."""
    for name, dtype in new_columns:
        con.execute(
            f"ALTER TABLE {STAGE_ROWS} ADD COLUMN IF NOT EXISTS {quote_ident(name)} {dtype}"
        )
    cols = [quote_ident(c) for c in header]
    typed = []
    errors = []
    for fld in spec.fields:
        q = quote_ident(fld.name)
        dtype = render_type(fld.type)
        expr = _typed(dtype, q)
        typed.append(f"{expr} AS {q}")
        if dtype != "VARCHAR":
            errors.append(
                f"CASE WHEN nullif(trim({q}), '') IS NOT NULL AND ({expr}) IS NULL "
                f"THEN {sql_str(fld.name + ': ')} || {q} || ' is not {dtype}' END"
            )
    typed += [quote_ident(n) for n, _ in new_columns]
    err_list = (
        f"list_filter([{', '.join(errors)}]::VARCHAR[], lambda e: e IS NOT NULL)"
        if errors
        else "[]::VARCHAR[]"
    )
    raw_json = "json_object(" + ", ".join(f"{sql_str(c)}, {quote_ident(c)}" for c in header) + ")"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _csv_typed AS
        SELECT _pos, _h, {", ".join(typed)}, {err_list} AS _errors,
               CASE WHEN len(_errors) > 0 THEN {raw_json} END AS _raw
        FROM (SELECT *, hash({", ".join(cols)}) AS _h FROM _csv_0)
        QUALIFY row_number() OVER (PARTITION BY _h ORDER BY _pos) = 1"""
    )
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT {sql_str(rel)}, _pos, _raw, '{TYPE_CAST}', array_to_string(_errors, '; ')
        FROM _csv_typed WHERE len(_errors) > 0"""
    )
    out_cols = [quote_ident(f.name) for f in spec.fields] + [quote_ident(n) for n, _ in new_columns]
    con.execute(
        f"""INSERT INTO {STAGE_ROWS} BY NAME
        SELECT {sql_str(rel)} AS _source_file, _pos AS _row_number, _h AS _record_hash,
               {", ".join(out_cols)}
        FROM _csv_typed WHERE len(_errors) = 0"""
    )
    distinct, parsed = con.execute(
        "SELECT (SELECT count(*) FROM _csv_typed), (SELECT count(*) FROM _csv_0)"
    ).fetchone()
    con.execute("DROP TABLE _csv_typed")
    return parsed - distinct
