"""JSONL files (Shopify, Stripe, Zendesk, Connect, GA4) into the stage tables, set-based in DuckDB.

A batch of files is read as numbered lines (``jsonl_lines``). Then, in SQL, in one pass over
the lines:

- ``json_valid`` → invalid lines are quarantined (``invalid_json``), non-objects likewise;
- ``from_json`` with the contract's STRUCT types types every record;
- a top-level key present with a value that does not fit its type → ``type_cast`` quarantine;
- top-level keys the contract does not know (additive drift) are kept in ``_extra`` (JSON);

and then: exact repeats of a line within a file are counted as duplicates (the first one is
kept), and a required key absent from every record of a file rejects that file. The staged
rows are a view over the typed lines, so they are copied once, into the raw table.

Lines that are not UTF-8 are quarantined as ``invalid_json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.contract import EXTRA_COLUMN, EntitySpec, quote_ident, render_type
from ingestion.discovery import LandingFile
from ingestion.jsonl_lines import NotUtf8, lines_sql, readable_paths, repair_utf8
from ingestion.stage import (
    INVALID_JSON,
    NOT_AN_OBJECT,
    STAGE_QUARANTINE,
    STAGE_ROWS,
    TYPE_CAST,
    FileStage,
    sql_str,
    temp_table,
)

_OBJECT = "'^[ \\t\\r]*[{]'"  # regexes rather than trim(): it costs several ns per character
# DuckDB's parser accepts trailing commas and NaN/Infinity, which JSON (and the contract's
# exporters) do not: lines that may hold them are re-checked by Python's strict parser. Plain
# substring tests first: a regex alternation with literals costs several times more per line.
_LENIENT = (
    "(contains(line, 'NaN') OR contains(line, 'Infinity') "
    "OR regexp_matches(line, ',[ \\t\\r\\n]*[}\\]]'))"
)


_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
_LENIENT_TOKEN = re.compile(r"\b(?:NaN|Infinity)\b|,\s*[}\]]")


def stage_jsonl_files(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, files: list[LandingFile], tmp: Path
) -> dict[str, FileStage]:
    """Parse a batch of files into the stage tables; one FileStage per file. ``tmp`` holds
    scratch copies (decompressed files, files that are not UTF-8) while the batch is staged."""
    stages = {f.rel: FileStage(f.rel) for f in files}
    if not files:
        return stages
    not_utf8: list[NotUtf8] = []
    rejected: dict[int, str] = {}
    paths = readable_paths(files, tmp, not_utf8, rejected)
    for i, reason in rejected.items():
        stages[files[i].rel].rejected = reason
    try:
        _type_lines(con, spec, lines_sql(paths))
    except duckdb.InvalidInputException:  # read_text refused a file that is not UTF-8
        repair_utf8(files, paths, tmp, not_utf8)
        _type_lines(con, spec, lines_sql(paths))
    if not_utf8:
        temp_table(
            con,
            "_jl_not_utf8",
            pa.table(
                {
                    "_src": pa.array([x[0] for x in not_utf8], pa.int64()),
                    "_ln": pa.array([x[1] for x in not_utf8], pa.int64()),
                    "line": pa.array([x[2] for x in not_utf8], pa.string()),
                }
            ),
        )
        con.execute(
            "INSERT INTO _jl_lines BY NAME SELECT *, 'not_utf8' AS _bad, false AS _suspect "
            "FROM _jl_not_utf8"
        )
    _strict_json(con)
    _stage(con, spec)
    _file_counts(con, spec, files, stages)
    return stages


def _strict_json(con: duckdb.DuckDBPyConnection) -> None:
    """Mark invalid the suspect lines that DuckDB's lenient parser accepted but JSON does not."""
    suspects = con.execute("SELECT _src, _ln, line FROM _jl_lines WHERE _suspect").fetchall()
    invalid = [(src, ln) for src, ln, line in suspects if not _is_strict_json(line)]
    if not invalid:
        return
    temp_table(
        con,
        "_jl_invalid",
        pa.table(
            {
                "_src": pa.array([i[0] for i in invalid], pa.int64()),
                "_ln": pa.array([i[1] for i in invalid], pa.int64()),
            }
        ),
    )
    con.execute(
        "UPDATE _jl_lines SET _bad = 'invalid' FROM _jl_invalid i "
        "WHERE _jl_lines._src = i._src AND _jl_lines._ln = i._ln"
    )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _is_strict_json(line: str) -> bool:
    try:
        json.loads(line, parse_constant=_reject_constant)
    except RecursionError:
        # Nested deeper than Python's parser goes (about 1,000 levels), though DuckDB's found
        # it valid: look for what only a lenient parser accepts, outside string literals.
        return _LENIENT_TOKEN.search(_STRING_LITERAL.sub('""', line)) is None
    except ValueError:
        return False
    return True


def _type_lines(con: duckdb.DuckDBPyConnection, spec: EntitySpec, lines: str) -> None:
    """``_jl_lines``: every non-blank line, classified and (when it is an object) typed.

    ``_bad``: 'invalid' / 'not_object' / NULL; ``_suspect``: may be valid only to a lenient
    parser (checked afterwards); ``_t``: the typed record; ``_untyped``: keys present with a
    non-null value that does not fit its type; ``_missing``: required keys the record lacks;
    ``_extra``; ``line``: kept only when the line may be quarantined.
    """
    known = "[" + ", ".join(sql_str(n) for n in spec.field_names) + "]"
    required = "[" + ", ".join(sql_str(n) for n in spec.required_fields) + "]::VARCHAR[]"
    drop_known = json.dumps({n: None for n in spec.field_names})
    # Typed NULL although the key is there: only then is the raw value looked at (null or not).
    # Any value fits VARCHAR or JSON (from_json gives its text), so those keys need no look.
    null_typed = (
        ", ".join(
            f"CASE WHEN struct_extract(_t, {sql_str(f.name)}) IS NULL THEN {sql_str(f.name)} END"
            for f in spec.fields
            if render_type(f.type) not in ("VARCHAR", "JSON")
        )
        or "NULL"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jl_lines AS
        SELECT _src, _ln, _h, _bad, _suspect, _t, _untyped,
               CASE WHEN _bad IS NOT NULL OR len(_untyped) > 0 OR _suspect THEN line END AS line,
               list_filter({required}, lambda k: NOT list_contains(_keys, k)) AS _missing,
               CASE WHEN len(list_filter(_keys, lambda k: NOT list_contains({known}, k))) > 0
                    THEN json_merge_patch(line, {sql_str(drop_known)}) END AS {EXTRA_COLUMN}
        FROM (
            SELECT *, CASE WHEN _bad IS NULL THEN list_filter(
                       list_filter([{null_typed}]::VARCHAR[], lambda k: k IS NOT NULL AND list_contains(_keys, k)),
                       lambda k: json_type(line, '$."' || replace(k, '"', '\\"') || '"') <> 'NULL')
                   END AS _untyped
            FROM (
                SELECT *, CASE WHEN _bad IS NULL THEN json_keys(line) END AS _keys,
                       CASE WHEN _bad IS NULL THEN from_json(line, {sql_str(spec.json_structure())}) END AS _t
                FROM (
                    SELECT *, _bad IS NULL AND {_LENIENT} AS _suspect FROM (
                        SELECT _src, _ln, line, hash(line) AS _h,
                               CASE WHEN NOT json_valid(line) THEN 'invalid'
                                    WHEN NOT regexp_matches(line, {_OBJECT}) THEN 'not_object'
                               END AS _bad
                        FROM ({lines})))))"""
    )


def _stage(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Quarantine bad lines and untypable records; the rest, less exact repeats, is the stage."""
    _repeats(con)
    types = {f.name: render_type(f.type) for f in spec.fields}
    type_of = (
        "CASE k "
        + " ".join(f"WHEN {sql_str(n)} THEN {sql_str(t)}" for n, t in types.items())
        + " END"
    )
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT l._src, l._ln, l.line,
               CASE WHEN l._bad IN ('invalid', 'not_utf8') THEN '{INVALID_JSON}'
                    WHEN l._bad = 'not_object' THEN '{NOT_AN_OBJECT}' ELSE '{TYPE_CAST}' END,
               CASE WHEN l._bad = 'invalid' THEN 'line is not valid JSON'
                    WHEN l._bad = 'not_utf8' THEN 'line is not UTF-8'
                    WHEN l._bad = 'not_object' THEN 'line is JSON but not an object'
                    ELSE array_to_string(list_transform(l._untyped,
                        lambda k: k || ': value does not fit ' || {type_of}), '; ') END
        FROM _jl_lines l LEFT JOIN _jl_repeats d USING (_src, _h)
        WHERE (l._bad IS NOT NULL OR len(l._untyped) > 0)
          AND (l._bad IS NOT NULL OR d._first IS NULL OR d._first = l._ln)"""
    )
    out_cols = ", ".join(
        f"struct_extract(l._t, {sql_str(n)}) AS {quote_ident(n)}" for n in spec.field_names
    )
    con.execute(
        f"""CREATE TEMP VIEW {STAGE_ROWS} AS
        SELECT l._src, l._ln AS _row_number, l._h AS _record_hash, {out_cols},
               l.{EXTRA_COLUMN}
        FROM _jl_lines l LEFT JOIN _jl_repeats d USING (_src, _h)
        WHERE l._bad IS NULL AND len(l._untyped) = 0 AND (d._first IS NULL OR d._first = l._ln)"""
    )


def _repeats(con: duckdb.DuckDBPyConnection) -> None:
    """``_jl_repeats``: lines that occur more than once in a file (the first one stays)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _jl_repeats AS
        SELECT _src, _h, min(_ln) AS _first FROM _jl_lines WHERE _bad IS NULL
        GROUP BY ALL HAVING count(*) > 1"""
    )


def _file_counts(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    files: list[LandingFile],
    stages: dict[str, FileStage],
) -> None:
    rel = [f.rel for f in files]
    for src, read, repeats in con.execute(
        """SELECT _src, count(*),
                  count(*) FILTER (d._first IS NOT NULL AND d._first <> l._ln)
           FROM _jl_lines l LEFT JOIN _jl_repeats d USING (_src, _h) GROUP BY ALL"""
    ).fetchall():
        stages[rel[src]].rows_read = read
        stages[rel[src]].rows_duplicate = repeats

    # Required keys: absent from every record of a file (variant records excepted) -> reject.
    required = spec.required_fields
    main = (
        "TRUE"
        if spec.variant_flag is None
        else f"struct_extract(_t, {sql_str(spec.variant_flag)}) IS NOT TRUE"
    )
    present = ", ".join(
        f"count(*) FILTER (NOT list_contains(_missing, {sql_str(k)}))" for k in required
    )
    for src, n_main, *counts in con.execute(
        f"SELECT _src, count(*) FILTER ({main}), {present} FROM _jl_lines "
        "WHERE _bad IS NULL GROUP BY ALL"
    ).fetchall():
        missing = [k for k, c in zip(required, counts, strict=True) if c == 0]
        if n_main and missing:
            stages[rel[src]].rejected = f"{rel[src]}: missing required key " + ", ".join(
                repr(k) for k in missing
            )
    for src, keys in con.execute(
        f"""SELECT _src, list(DISTINCT k ORDER BY k) FROM (
              SELECT _src, unnest(json_keys({EXTRA_COLUMN})) AS k FROM _jl_lines
              WHERE {EXTRA_COLUMN} IS NOT NULL AND _bad IS NULL) GROUP BY ALL"""
    ).fetchall():
        stages[rel[src]].notes.append(
            f"{rel[src]}: keys not in the contract kept in {EXTRA_COLUMN}: {', '.join(keys)}"
        )
