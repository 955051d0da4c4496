"""JSONL files (Shopify, Stripe, Zendesk, Connect, GA4) into the stage tables, set-based in DuckDB.

A batch of files is read once as lines (DuckDB's CSV reader with no quoting and a separator
valid JSON cannot contain) with file name and line number. Then, in SQL:

- ``json_valid`` → invalid lines are quarantined (``invalid_json``), non-objects likewise;
- exact repeats of a line within a file are counted as duplicates (the first one is kept);
- ``from_json`` with the contract's STRUCT types types every record in one pass;
- a top-level key present with a value that does not fit its type → ``type_cast`` quarantine;
- top-level keys the contract does not know (additive drift) are kept in ``_extra`` (JSON);
- a required key absent from every record of a file rejects that file.

A line's text is cut at the byte pair 0x1E 0x1F (which valid JSON cannot contain) and at a bare
carriage return; both only affect lines that are invalid anyway.
"""

from __future__ import annotations

import json

import duckdb

from orchestration.lib.ingest.contract import EXTRA_COLUMN, EntitySpec, quote_ident, render_type
from orchestration.lib.ingest.discovery import LandingFile
from orchestration.lib.ingest.stage import (
    INVALID_JSON,
    NOT_AN_OBJECT,
    STAGE_QUARANTINE,
    STAGE_ROWS,
    TYPE_CAST,
    FileStage,
    sql_str,
)

_MAX_LINE_SIZE = 64 << 20


def _lines_source(paths: list[str], gzip: bool) -> str:
    files = "[" + ", ".join(sql_str(p) for p in paths) + "]"
    return (
        f"read_csv({files}, columns={{'line': 'VARCHAR'}}, header=false, auto_detect=false, "
        "delim=E'\\x1e\\x1f', quote='', escape='', strict_mode=false, "
        f"max_line_size={_MAX_LINE_SIZE}, filename=true, "
        f"compression='{'gzip' if gzip else 'none'}')"
    )


def stage_jsonl_files(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, files: list[LandingFile]
) -> dict[str, FileStage]:
    """Parse files (all gzip or all plain) into the stage tables; one FileStage per file."""
    if not files:
        return {}
    gz = {f.gzip for f in files}
    assert len(gz) == 1, "a batch holds only gzip or only plain files"
    # The file list is read in order and insertion order is preserved, so rowid numbers the
    # lines of each file consecutively.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _jl_raw AS SELECT filename AS _path, line "
        f"FROM {_lines_source([str(f.path) for f in files], gz.pop())}"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _jl_files (_path VARCHAR, _source_file VARCHAR)")
    con.executemany("INSERT INTO _jl_files VALUES (?, ?)", [[str(f.path), f.rel] for f in files])
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _jl_lines AS
        SELECT f._source_file, r.rowid - b.base + 1 AS _ln, r.line,
               CASE WHEN NOT json_valid(r.line) THEN 'invalid'
                    WHEN NOT starts_with(ltrim(r.line), '{') THEN 'not_object' END AS _bad
        FROM _jl_raw r
        JOIN (SELECT _path, min(rowid) AS base FROM _jl_raw GROUP BY _path) b USING (_path)
        JOIN _jl_files f USING (_path)
        WHERE r.line IS NOT NULL AND trim(r.line, E' \\t\\r') <> ''"""
    )
    con.execute("DROP TABLE _jl_raw")
    _strict_json(con)
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT _source_file, _ln, line,
               CASE _bad WHEN 'invalid' THEN '{INVALID_JSON}' ELSE '{NOT_AN_OBJECT}' END,
               CASE _bad WHEN 'invalid' THEN 'line is not valid JSON'
                         ELSE 'line is JSON but not an object' END
        FROM _jl_lines WHERE _bad IS NOT NULL"""
    )

    known = "[" + ", ".join(sql_str(n) for n in spec.field_names) + "]"
    drop_known = json.dumps({n: None for n in spec.field_names})
    # Present-but-untypable keys: typed NULL although the key is there with a non-null value.
    null_typed = ", ".join(
        f"CASE WHEN struct_extract(_t, {sql_str(f.name)}) IS NULL THEN {sql_str(f.name)} END"
        for f in spec.fields
    )
    types = {f.name: render_type(f.type) for f in spec.fields}
    type_of = (
        "CASE k "
        + " ".join(f"WHEN {sql_str(n)} THEN {sql_str(t)}" for n, t in types.items())
        + " END"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _jl_typed AS
        SELECT _source_file, _ln, _h, _t, _keys,
               list_filter(list_filter([{null_typed}]::VARCHAR[], lambda k: k IS NOT NULL AND list_contains(_keys, k)),
                           lambda k: json_type(line, '$."' || replace(k, '"', '\\"') || '"') <> 'NULL') AS _untyped,
               CASE WHEN len(list_filter(_keys, lambda k: NOT list_contains({known}, k))) > 0
                    THEN json_merge_patch(line, {sql_str(drop_known)}) END AS {EXTRA_COLUMN},
               CASE WHEN len(_untyped) > 0 THEN line END AS _line,
               CASE WHEN len(_untyped) > 0
                    THEN array_to_string(list_transform(_untyped, lambda k: k || ': value does not fit ' || {type_of}), '; ')
               END AS _detail
        FROM (
            SELECT _source_file, _ln, _h, line, json_keys(line) AS _keys,
                   from_json(line, {sql_str(spec.json_structure())}) AS _t
            FROM (SELECT *, hash(line) AS _h FROM _jl_lines WHERE _bad IS NULL)
            QUALIFY row_number() OVER (PARTITION BY _source_file, _h ORDER BY _ln) = 1)"""
    )
    con.execute(
        f"""INSERT INTO {STAGE_QUARANTINE}
        SELECT _source_file, _ln, _line, '{TYPE_CAST}', _detail FROM _jl_typed WHERE _line IS NOT NULL"""
    )
    out_cols = ", ".join(
        f"struct_extract(_t, {sql_str(n)}) AS {quote_ident(n)}" for n in spec.field_names
    )
    con.execute(
        f"""INSERT INTO {STAGE_ROWS} BY NAME
        SELECT _source_file, _ln AS _row_number, _h AS _record_hash, {out_cols}, {EXTRA_COLUMN}
        FROM _jl_typed WHERE _line IS NULL"""
    )
    stages = _file_counts(con, spec, files)
    con.execute("DROP TABLE _jl_lines; DROP TABLE _jl_typed; DROP TABLE _jl_files")
    return stages


# DuckDB's parser accepts trailing commas and NaN/Infinity, which JSON (and the contract's
# exporters) do not: lines that may hold them are re-checked by Python's strict parser.
_LENIENT = r",\s*[}\]]|\bNaN\b|\bInfinity\b"


def _strict_json(con: duckdb.DuckDBPyConnection) -> None:
    suspects = con.execute(
        f"SELECT _source_file, _ln, line FROM _jl_lines "
        f"WHERE _bad IS NULL AND regexp_matches(line, {sql_str(_LENIENT)})"
    ).fetchall()
    invalid = [[rel, ln] for rel, ln, line in suspects if not _is_strict_json(line)]
    if invalid:
        con.execute("CREATE OR REPLACE TEMP TABLE _jl_invalid (_source_file VARCHAR, _ln BIGINT)")
        con.executemany("INSERT INTO _jl_invalid VALUES (?, ?)", invalid)
        con.execute(
            "UPDATE _jl_lines SET _bad = 'invalid' FROM _jl_invalid i "
            "WHERE _jl_lines._source_file = i._source_file AND _jl_lines._ln = i._ln"
        )
        con.execute("DROP TABLE _jl_invalid")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _is_strict_json(line: str) -> bool:
    try:
        json.loads(line, parse_constant=_reject_constant)
    except ValueError:
        return False
    return True


def _file_counts(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, files: list[LandingFile]
) -> dict[str, FileStage]:
    stages = {f.rel: FileStage(f.rel) for f in files}
    for rel, read, good in con.execute(
        "SELECT _source_file, count(*), count(*) FILTER (_bad IS NULL) FROM _jl_lines GROUP BY ALL"
    ).fetchall():
        stages[rel].rows_read = read
        stages[rel].rows_duplicate = good  # minus the distinct ones, below
    for rel, distinct in con.execute(
        "SELECT _source_file, count(*) FROM _jl_typed GROUP BY ALL"
    ).fetchall():
        stages[rel].rows_duplicate -= distinct

    # Required keys: absent from every record of a file (variant records excepted) -> reject.
    required = spec.required_fields
    main = (
        "TRUE"
        if spec.variant_flag is None
        else f"struct_extract(_t, {sql_str(spec.variant_flag)}) IS NOT TRUE"
    )
    present = ", ".join(f"count(*) FILTER (list_contains(_keys, {sql_str(k)}))" for k in required)
    for rel, n_main, *counts in con.execute(
        f"SELECT _source_file, count(*) FILTER ({main}), {present} FROM _jl_typed GROUP BY ALL"
    ).fetchall():
        missing = [k for k, c in zip(required, counts, strict=True) if c == 0]
        if n_main and missing:
            stages[rel].rejected = f"{rel}: missing required key " + ", ".join(
                repr(k) for k in missing
            )
    for rel, keys in con.execute(
        f"""SELECT _source_file, list(DISTINCT k ORDER BY k) FROM (
              SELECT _source_file, unnest(json_keys({EXTRA_COLUMN})) AS k FROM _jl_typed
              WHERE {EXTRA_COLUMN} IS NOT NULL) GROUP BY ALL"""
    ).fetchall():
        stages[rel].notes.append(
            f"{rel}: keys not in the contract kept in {EXTRA_COLUMN}: {', '.join(keys)}"
        )
    return stages
