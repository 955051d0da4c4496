"""CSV files (Salesforce, Klaviyo, Qualtrics) into the stage tables, a batch of files at a time.

1. Python scans each file once (``csv_scan``): header, good records, malformed records (with the
   contract checker's re-sync rule: an unbalanced quote costs only its own line). A file with
   malformed records gets a temporary copy in which each is a placeholder line.
2. DuckDB parses the values: one strict ``read_csv`` per (header, compression) group over the
   original files or their cleaned copies, with the file's index. Each file's records must come
   back as the scan counted them, with no reject; a file that does not (a dialect corner where
   the two parsers disagree) is loaded from the scan's own values instead.
3. A record's number is its position in the file (placeholders included). One SQL statement
   per group drops Qualtrics' header rows 2-3, keeps the first of exact repeats, and types the
   text columns; the stage is a view over the result, so values that fail their type are
   quarantined and the rest copied once, into the raw table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.contract import EntitySpec, quote_ident, render_type
from ingestion.csv_scan import (
    CsvScan,
    has_bare_cr,
    read_text,
    scan_lines,
    scan_text,
    split_lines,
    with_placeholders,
)
from ingestion.discovery import LandingFile
from ingestion.file_checks import GZIP_ERRORS, HEAD_BYTES, gzip_problem, not_text
from ingestion.stage import (
    MALFORMED_CSV,
    STAGE_QUARANTINE,
    STAGE_ROWS,
    TYPE_CAST,
    FileStage,
    sql_list,
    sql_str,
    temp_table,
)

_MAX_LINE_SIZE = 256 << 20
#: A file with more columns than this that the contract does not know is rejected: additive
#: drift brings a handful, and each is added to the raw table for good.
MAX_NEW_COLUMNS = 100
#: First field of the line that stands in for a malformed record in a cleaned copy.
_PLACEHOLDER = "\x01malformed\x01"
_READ_OPTIONS = (
    "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
    f"max_line_size={_MAX_LINE_SIZE}, store_rejects=true, rejects_table='_csv_rejects', "
    "rejects_scan='_csv_reject_scans'"
)


@dataclass
class _Source:
    """A file that passed the header checks, and what DuckDB is to read for it."""

    src: int  # index in the batch
    file: LandingFile
    scan: CsvScan
    path: Path  # the file itself, or its copy with placeholders for the malformed records
    gzip: bool


def stage_csv_files(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, files: list[LandingFile], tmp: Path
) -> dict[str, FileStage]:
    """Parse a batch of files into the stage tables; one FileStage per file. ``tmp`` holds the
    cleaned copies while the batch is staged."""
    stages = {f.rel: FileStage(f.rel) for f in files}
    sources = [
        s for i, f in enumerate(files) if (s := _scan(spec, i, f, stages[f.rel], tmp)) is not None
    ]
    _stage_malformed(con, spec, sources)
    groups: dict[tuple[str, ...], list[_Source]] = defaultdict(list)
    for s in sources:
        groups[tuple(s.scan.header or ())].append(s)
    typed = []
    for g, (header, members) in enumerate(groups.items()):
        reads = _read_group(con, g, list(header), members)
        _check_header_rows(con, spec, reads, header[0], members, stages)
        ok = [m for m in members if not stages[m.file.rel].rejected]
        typed.append(_type_group(con, spec, g, list(header), reads, ok, stages))
    _stage_view(con, spec, typed)
    return stages


def _scan(spec: EntitySpec, src: int, f: LandingFile, out: FileStage, tmp: Path) -> _Source | None:
    """Scan one file (Python); None when there is nothing for DuckDB to read."""
    try:
        text, utf8 = read_text(f.path, f.gzip)
    except GZIP_ERRORS as exc:
        out.rejected = f"{f.rel}: {gzip_problem(exc)}"
        return None
    except FileNotFoundError:  # gone since it was listed: the loader leaves it out
        return None
    problem = not_text(text[:HEAD_BYTES].encode("utf-8", "surrogateescape"))
    if problem is None and "\r" in text and "\n" not in text:
        problem = "lines end in a bare CR (classic Mac OS), not LF or CRLF"
    if problem:
        out.rejected = f"{f.rel}: {problem}"
        return None
    lines = split_lines(text)
    scan = scan_lines(lines, bare_cr=has_bare_cr(text), check_utf8=not utf8)
    if scan.header is None:
        if text.strip():
            out.rejected = f"{f.rel}: the header row cannot be parsed"
        else:
            out.notes.append(f"{f.rel}: no header row; read as an empty file")
        return None
    problem = _header_problem(spec, scan.header)
    if problem:
        out.rejected = f"{f.rel}: {problem}"
        return None
    known = set(spec.field_names)
    out.new_columns = [(c, "VARCHAR") for c in scan.header if c not in known]
    if out.new_columns:
        names = ", ".join(c for c, _ in out.new_columns)
        out.notes.append(f"{f.rel}: columns not in the contract kept in raw: {names}")
    out.rows_read = scan.records - (spec.header_rows - 1)  # Qualtrics rows 2-3: checked later
    if not scan.malformed:
        return _Source(src, f, scan, f.path, f.gzip)
    copy = tmp / f"{src}.csv"
    text = with_placeholders(lines, scan, _PLACEHOLDER + "," * (len(scan.header) - 1))
    copy.write_bytes(text.encode("utf-8", "surrogateescape"))
    return _Source(src, f, scan, copy, False)


def _header_problem(spec: EntitySpec, header: list[str]) -> str | None:
    missing = [c for c in spec.required_fields if c not in header]
    if missing:
        return "missing required column " + ", ".join(repr(c) for c in missing)
    known = set(spec.field_names)
    unknown = [c for c in header if c not in known]
    if len(unknown) > MAX_NEW_COLUMNS:  # each one would become a column of raw for good
        return (
            f"{len(unknown):,} columns not in the contract (schema drift adds at most "
            f"{MAX_NEW_COLUMNS}); the first are " + ", ".join(repr(c) for c in unknown[:3])
        )
    if "" in header:
        return f"column {header.index('') + 1} of the header has no name"
    # DuckDB compares column names ignoring case, so "subject" and "Subject" are one column.
    folded = [c.casefold() for c in header]
    dupes = sorted({c for c, f in zip(header, folded, strict=True) if folded.count(f) > 1})
    if dupes:
        return "duplicate column " + ", ".join(repr(c) for c in dupes) + " (case ignored)"
    contract_case = {k.casefold(): k for k in known}
    for c in unknown:
        if c.casefold() in contract_case:
            return (
                f"column {c!r} differs from the contract's {contract_case[c.casefold()]!r} in case"
            )
        if c.startswith("_"):  # lineage columns and the readers' working columns
            return f"column {c!r}: names starting with '_' are reserved for ingestion"
    try:
        "".join(header).encode("utf-8")
    except UnicodeEncodeError:
        return "the header row is not UTF-8"
    return None


def _stage_malformed(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, sources: list[_Source]
) -> None:
    """Quarantine the malformed records."""
    extra = spec.header_rows - 1
    bad = [(s, m) for s in sources for m in s.scan.malformed]
    temp_table(
        con,
        "_csv_malformed",
        pa.table(
            {
                "_src": pa.array([s.src for s, _ in bad], pa.int64()),
                "row_number": pa.array([m.pos - extra for _, m in bad], pa.int64()),
                "raw_text": pa.array([m.text for _, m in bad], pa.string()),
                "detail": pa.array([f"line {m.line}: {m.detail}" for _, m in bad], pa.string()),
            }
        ),
    )
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT _src, row_number, raw_text, '{MALFORMED_CSV}', detail FROM _csv_malformed"""
    )


def _read_group(
    con: duckdb.DuckDBPyConnection, g: int, header: list[str], members: list[_Source]
) -> str:
    """SQL of the group's records: ``_src``, ``_pos`` (record number in the file), the header's
    columns as text. DuckDB reads the files, one call per compression, into temp tables: every
    record, malformed ones as placeholders, so a row's position in its file is its number."""
    parts = []
    fallback = []
    for gz in (False, True):
        part = [m for m in members if m.gzip == gz and m.scan.good]  # else: nothing to load
        if part:
            table = f"_csv_read_{g}_{int(gz)}"
            good = {m.src for m in _read_part(con, table, header, part, gz)}
            fallback += [m for m in part if m.src not in good]
            if good:
                keep = ", ".join(map(str, sorted(good)))
                rows = _positioned(con, table, [m.src for m in part])
                first = quote_ident(header[0])
                parts.append(
                    f"SELECT * EXCLUDE (_k), _k + 1 AS _pos FROM ({rows}) "
                    f"WHERE _src IN ({keep}) AND {first} IS DISTINCT FROM {sql_str(_PLACEHOLDER)}"
                )
    if fallback:
        table = f"_csv_scanned_{g}"
        temp_table(con, table, _scanned_values(header, fallback))
        parts.append(f"SELECT * FROM {table}")
    if not parts:
        columns = ", ".join(f"NULL::VARCHAR AS {quote_ident(c)}" for c in header)
        parts.append(f"SELECT NULL::BIGINT AS _src, {columns}, NULL::BIGINT AS _pos LIMIT 0")
    return " UNION ALL BY NAME ".join(parts)


def _read_part(
    con: duckdb.DuckDBPyConnection, table: str, header: list[str], part: list[_Source], gz: bool
) -> list[_Source]:
    """Read files of one compression into ``table`` (``_fi`` = index in ``part``); return the
    files DuckDB read exactly as the scan found them: no reject, as many records, as many
    placeholders as malformed ones."""
    types = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in header) + "}"
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_reject_scans")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT file_index AS _fi, * FROM read_csv(
                {sql_list([str(m.path) for m in part])}, columns={types},
                compression='{"gzip" if gz else "none"}', {_READ_OPTIONS})"""
        )
    except duckdb.Error:  # the reader gave up on some file: let the scan's values stand in
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return []
    rejected = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT s.file_path FROM _csv_rejects r JOIN _csv_reject_scans s "
            "USING (scan_id, file_id)"
        ).fetchall()
    }
    counts = {
        fi: (n, marked)
        for fi, n, marked in con.execute(
            f"SELECT _fi, count(*), count(*) FILTER ({quote_ident(header[0])} = "
            f"{sql_str(_PLACEHOLDER)}) FROM {table} GROUP BY ALL"
        ).fetchall()
    }
    return [
        m
        for i, m in enumerate(part)
        if str(m.path) not in rejected and counts.get(i) == (m.scan.records, len(m.scan.malformed))
    ]


def _positioned(con: duckdb.DuckDBPyConnection, read: str, srcs: list[int]) -> str:
    """SQL over ``read``, a temp table of a multi-file read with ``_fi`` (``file_index``) of the
    files ``srcs`` (batch file numbers) in that order: ``_src``, ``_k`` (0-based position in
    the file) and the read's other columns.

    The rows keep the order of the file list and of each file (insertion order is preserved),
    so a row's rowid minus the first rowid of its file is its position. The first rowids are
    fetched and inlined as a constant list: a join would copy every row into a hash table.
    """
    first = dict(con.execute(f"SELECT _fi, min(rowid) FROM {read} GROUP BY _fi").fetchall())
    base = [first.get(i, 0) for i in range(len(srcs))]
    return f"""SELECT {_int_list(srcs)}[_fi::BIGINT + 1] AS _src,
            rowid - {_int_list(base)}[_fi::BIGINT + 1] AS _k, * EXCLUDE (_fi)
        FROM {read}"""


def _int_list(items: list[int]) -> str:
    return "([" + ", ".join(map(str, items)) + "]::BIGINT[])"


def _scanned_values(header: list[str], files: list[_Source]) -> pa.Table:
    """The scan's own values, for files DuckDB read differently (a dialect corner case)."""
    src: list[int] = []
    pos: list[int] = []
    rows: list[list[str]] = []
    for m in files:
        text, utf8 = read_text(m.file.path, m.file.gzip)
        scanned = scan_text(text, check_utf8=not utf8, keep_rows=True)
        bad = {b.pos for b in scanned.malformed}
        src += [m.src] * scanned.good
        pos += [n for n in range(1, scanned.records + 1) if n not in bad]
        rows += scanned.rows or []
    data = {"_src": pa.array(src, pa.int64())}
    for i, name in enumerate(header):  # an empty field is NULL, as DuckDB's reader has it
        data[name] = pa.array([r[i] or None for r in rows], pa.string())
    data["_pos"] = pa.array(pos, pa.int64())
    return pa.table(data)


def _check_header_rows(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    records: str,
    first_column: str,
    members: list[_Source],
    stages: dict[str, FileStage],
) -> None:
    """Qualtrics: records 1..n after the id row are question texts and ImportIds, not data."""
    n = spec.header_rows - 1
    if not n:
        return
    with_import_ids = {
        r[0]
        for r in con.execute(
            f"SELECT _src FROM ({records}) WHERE _pos = {n} "
            f"AND contains({quote_ident(first_column)}, 'ImportId')"
        ).fetchall()
    }
    for m in members:
        st = stages[m.file.rel]
        if any(b.pos <= n for b in m.scan.malformed):
            st.rejected = f"{m.file.rel}: header rows 2-{n + 1} are malformed"
        elif m.src not in with_import_ids:
            st.rejected = (
                f"{m.file.rel}: expected {n + 1} header rows; row {n + 1} is not the ImportId row"
            )


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


def _type_group(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    g: int,
    header: list[str],
    records: str,
    members: list[_Source],
    stages: dict[str, FileStage],
) -> str:
    """``_csv_typed_<g>``: the group's records of files not rejected, without exact repeats
    (the first one stays), typed, with ``_errors`` (values that fail their type) and ``_raw``
    (the record as JSON, for the quarantine). Returns the table's name."""
    table = f"_csv_typed_{g}"
    extra = spec.header_rows - 1
    text = {c: f"_c{i}" for i, c in enumerate(header)}  # text values, named apart from typed ones
    drift = [c for c in header if c not in set(spec.field_names)]
    typed, failed, errors = [], [], []
    for fld in spec.fields:
        q, dtype, t = quote_ident(fld.name), render_type(fld.type), text[fld.name]
        typed.append(f"{_typed(dtype, t)} AS {q}")
        if dtype != "VARCHAR":
            failed.append(f"({q} IS NULL AND nullif(trim({t}), '') IS NOT NULL)")
            errors.append(
                f"CASE WHEN {failed[-1]} THEN {sql_str(fld.name + ': ')} || {t} "
                f"|| ' is not {dtype}' END"
            )
    typed += [f"{text[c]} AS {quote_ident(c)}" for c in drift]
    # Most records type cleanly: build the list of messages only for those that do not.
    err_list = (
        f"CASE WHEN {' OR '.join(failed)} THEN list_filter([{', '.join(errors)}]::VARCHAR[], "
        "lambda e: e IS NOT NULL) ELSE []::VARCHAR[] END"
        if errors
        else "[]::VARCHAR[]"
    )
    raw_json = "json_object(" + ", ".join(f"{sql_str(c)}, {t}" for c, t in text.items()) + ")"
    renamed = ", ".join(f"{quote_ident(c)} AS {t}" for c, t in text.items())
    srcs = ", ".join(str(m.src) for m in members) or "NULL"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
        WITH recs AS (
            SELECT _src, _pos - {extra} AS _pos, hash({", ".join(map(quote_ident, header))}) AS _h,
                   {renamed}
            FROM ({records}) WHERE _src IN ({srcs}) AND _pos > {extra}),
        repeats AS (
            SELECT _src, _h, min(_pos) AS _first FROM recs GROUP BY ALL HAVING count(*) > 1),
        firsts AS (
            SELECT recs.* FROM recs LEFT JOIN repeats USING (_src, _h)
            WHERE repeats._first IS NULL OR repeats._first = recs._pos)
        SELECT _src, _pos, _h, {", ".join(typed)}, {err_list} AS _errors,
               CASE WHEN len(_errors) > 0 THEN {raw_json} END AS _raw
        FROM firsts"""
    )
    distinct = dict(con.execute(f"SELECT _src, count(*) FROM {table} GROUP BY ALL").fetchall())
    for m in members:  # good records less the header rows (checked good), less the distinct
        stages[m.file.rel].rows_duplicate = m.scan.good - extra - distinct.get(m.src, 0)
    return table


def _stage_view(con: duckdb.DuckDBPyConnection, spec: EntitySpec, typed: list[str]) -> None:
    """Quarantine the values that fail their type; the stage is a view over the other rows."""
    cols = ", ".join(f"{quote_ident(f.name)} {render_type(f.type)}" for f in spec.fields)
    # An empty table with the contract's columns, so that the view has them even with no group.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _csv_none (_src BIGINT, _pos BIGINT, _h UBIGINT, {cols}, "
        "_errors VARCHAR[], _raw VARCHAR)"
    )
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in ["_csv_none", *typed])
    con.execute(f"CREATE OR REPLACE TEMP VIEW _csv_all AS {union}")
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT _src, _pos, _raw, '{TYPE_CAST}', array_to_string(_errors, '; ')
        FROM _csv_all WHERE len(_errors) > 0"""
    )
    con.execute(
        f"""CREATE TEMP VIEW {STAGE_ROWS} AS
        SELECT _src, _pos AS _row_number, _h AS _record_hash,
               * EXCLUDE (_src, _pos, _h, _errors, _raw)
        FROM _csv_all WHERE len(_errors) = 0"""
    )
