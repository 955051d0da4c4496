"""Hostile and broken files in the landing folder (issue 16): each one is rejected (ledger
status ``rejected``, a message naming the file), quarantined line by line, or left unloaded with
a warning naming it, while every other file of the entity loads and every record read is
accounted for (rows read = loaded + quarantined + duplicate).

Each test puts one good file beside the hostile one, so "the rest loads" is checked every time.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from pathlib import Path

import duckdb
import pytest

from ingestion import EntityLoadResult, file_checks, get_spec, ingest_entity
from tests.ingestion.landing import (
    KLAVIYO_HEADER,
    jsonl,
    klaviyo_row,
    ledger,
    load,
    put,
    quarantine,
    ticket,
)

EMAILS = "marketing/email_events"
TICKETS = "support/tickets"
GOOD_EMAILS = f"{EMAILS}/2026-03-01.csv"
GOOD_TICKETS = f"{TICKETS}/2026-03-01.jsonl"


def _good_emails(landing: Path) -> None:
    put(landing, GOOD_EMAILS, KLAVIYO_HEADER + klaviyo_row(1) + klaviyo_row(2))


def _good_tickets(landing: Path) -> None:
    put(landing, GOOD_TICKETS, jsonl(ticket(1), ticket(2)))


def _emails(con: duckdb.DuckDBPyConnection, landing: Path) -> EntityLoadResult:
    return load(con, landing, "marketing", "email_events")


def _tickets(con: duckdb.DuckDBPyConnection, landing: Path) -> EntityLoadResult:
    return load(con, landing, "support", "tickets")


def _loaded_files(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    return dict(con.execute(f"SELECT _source_file, count(*) FROM {table} GROUP BY ALL").fetchall())


def _assert_rejected(
    con: duckdb.DuckDBPyConnection, res: EntityLoadResult, rel: str, reason: str
) -> None:
    """The file is rejected with ``reason``, named in the ledger and the result; nothing of it
    is in raw or the quarantine; the good file loaded; everything reconciles."""
    row = ledger(con, rel)
    assert row["status"] == "rejected"
    assert row["message"].startswith(f"{rel}: ") and reason in row["message"]
    assert [m for m in res.rejected if m.startswith(rel)] == [row["message"]]
    assert quarantine(con, rel) == []
    assert rel not in _loaded_files(con, res.table)
    assert res.rows_loaded == 2 and res.files_rejected == 1
    assert res.reconciliation.ok, res.reconciliation.describe()


def _assert_ignored(res: EntityLoadResult, con: duckdb.DuckDBPyConnection, text: str) -> str:
    """Exactly one warning names the ignored entry; only the good file is in the ledger."""
    [warning] = [w for w in res.warnings if text in w]
    assert con.execute("SELECT list(source_file) FROM raw.load_ledger").fetchone()[0] == [
        GOOD_EMAILS
    ]
    assert res.rows_loaded == 2 and res.reconciliation.ok
    return warning


# --- files that are not what their names say ---------------------------------------------


def test_binary_garbage_named_csv_is_rejected(con, landing):
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, KLAVIYO_HEADER.encode() + bytes(range(256)) * 40)
    _assert_rejected(con, _emails(con, landing), rel, "not UTF-8 text: a NUL byte on line 2")


def test_binary_garbage_named_jsonl_is_rejected(con, landing):
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl"
    put(landing, rel, os.urandom(4096) + b"\x00")
    _assert_rejected(con, _tickets(con, landing), rel, "not UTF-8 text: a NUL byte")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_gzip_cut_short_is_rejected(con, landing, fmt):
    if fmt == "csv":
        _good_emails(landing)
        rel, text = (
            f"{EMAILS}/2026-03-02.csv.gz",
            KLAVIYO_HEADER + "".join(klaviyo_row(i) for i in range(3, 3000)),
        )
    else:
        _good_tickets(landing)
        rel, text = f"{TICKETS}/2026-03-02.jsonl.gz", jsonl(*(ticket(i) for i in range(3, 3000)))
    whole = gzip.compress(text.encode())
    put(landing, rel, whole[: len(whole) // 2])
    run = _emails if fmt == "csv" else _tickets
    _assert_rejected(con, run(con, landing), rel, "the gzip data is cut short")
    put(landing, rel, whole)  # the sender delivers the whole file again
    again = run(con, landing)
    assert ledger(con, rel)["status"] == "loaded" and again.rows_loaded == 2997
    assert again.reconciliation.ok


def test_gzip_with_a_bad_checksum_is_rejected(con, landing):
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl.gz"
    data = bytearray(gzip.compress(jsonl(ticket(3)).encode()))
    data[-8] ^= 0xFF  # the CRC-32 of the trailer
    put(landing, rel, bytes(data))
    _assert_rejected(con, _tickets(con, landing), rel, "the gzip data is corrupt")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_gzip_decompression_bomb_is_rejected_before_it_fills_memory(con, landing, monkeypatch, fmt):
    """A few KB that expand to 60 MB (many gzip members of repeated records). The floor is
    lowered from 1 GiB to 1 MiB so that the test stays light; the ratio rule is the real one."""
    monkeypatch.setattr(file_checks, "GZIP_FLOOR_BYTES", 1 << 20)
    if fmt == "csv":
        _good_emails(landing)
        rel, first, record = f"{EMAILS}/2026-03-02.csv.gz", KLAVIYO_HEADER, klaviyo_row(3)
    else:
        _good_tickets(landing)
        rel, first, record = f"{TICKETS}/2026-03-02.jsonl.gz", "", jsonl(ticket(3))
    member = gzip.compress((record * (1_200_000 // len(record))).encode())
    path = put(landing, rel, gzip.compress(first.encode()) + member * 50)
    assert path.stat().st_size * file_checks.MAX_GZIP_RATIO < 60 << 20
    res = _emails(con, landing) if fmt == "csv" else _tickets(con, landing)
    _assert_rejected(con, res, rel, "a decompression bomb, not read")


def test_csv_with_bare_cr_line_ends_is_rejected(con, landing):
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, (KLAVIYO_HEADER + klaviyo_row(3) + klaviyo_row(4)).replace("\n", "\r"))
    _assert_rejected(con, _emails(con, landing), rel, "lines end in a bare CR (classic Mac OS)")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_zero_byte_gz_is_an_empty_file(con, landing, fmt):
    """Zero bytes is the contract's empty file (gzip is recognised by its magic bytes, not the
    name): recorded as ``empty`` with no rows, the other file loads."""
    if fmt == "csv":
        _good_emails(landing)
        rel = f"{EMAILS}/2026-03-02.csv.gz"
    else:
        _good_tickets(landing)
        rel = f"{TICKETS}/2026-03-02.jsonl.gz"
    put(landing, rel, b"")
    res = _emails(con, landing) if fmt == "csv" else _tickets(con, landing)
    row = ledger(con, rel)
    assert (row["status"], row["rows_read"], row["gzip"]) == ("empty", 0, False)
    assert res.files_empty == 1 and res.rows_loaded == 2 and res.reconciliation.ok


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_or_32_csv_is_rejected(con, landing, encoding):
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, (KLAVIYO_HEADER + klaviyo_row(3)).encode(encoding))
    reason = "byte-order mark" if encoding in ("utf-16", "utf-32") else "a NUL byte on line 1"
    _assert_rejected(con, _emails(con, landing), rel, reason)


def test_utf16_jsonl_is_rejected(con, landing):
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl"
    put(landing, rel, jsonl(ticket(3)).encode("utf-16"))
    _assert_rejected(con, _tickets(con, landing), rel, "UTF-16 byte-order mark")


def test_latin1_csv_lines_are_quarantined_and_the_ascii_ones_load(con, landing):
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    latin1 = "E3,P3,jos\u00e9@example.com,Opened Email,2026-03-02 08:00:00,C1,Caf\u00e9,Hi\n"
    put(landing, rel, (KLAVIYO_HEADER + latin1 + klaviyo_row(4)).encode("latin-1"))
    res = _emails(con, landing)
    [(number, reason, detail, text)] = quarantine(con, rel)
    assert (number, reason, detail) == (1, "malformed_csv", "line 2: not UTF-8")
    assert text.startswith("E3,P3,jos\ufffd@")  # as delivered, the bad byte shown as U+FFFD
    assert _loaded_files(con, res.table) == {GOOD_EMAILS: 2, rel: 1}
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (4, 3, 1)
    assert res.reconciliation.ok


def test_latin1_jsonl_lines_are_quarantined_and_the_ascii_ones_load(con, landing):
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl"
    latin1 = json.dumps(ticket(3, subject="Caf\u00e9"), ensure_ascii=False) + "\n"
    put(landing, rel, latin1.encode("latin-1") + jsonl(ticket(4)).encode())
    res = _tickets(con, landing)
    assert [(n, r, d) for n, r, d, _ in quarantine(con, rel)] == [
        (1, "invalid_json", "line is not UTF-8")
    ]
    assert _loaded_files(con, res.table) == {GOOD_TICKETS: 2, rel: 1}
    assert res.reconciliation.ok


# --- shapes ---------------------------------------------------------------------------------


def test_json_nested_1000_levels_loads_and_keeps_the_nesting(con, landing):
    """1,000 levels under a key the contract does not know (kept in ``_extra``) and under a
    typed STRUCT key (``via``, whose unknown members are not kept): the records load."""
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl"
    deep = "[" * 1000 + "]" * 1000
    extra = json.dumps(ticket(3))[:-1] + f', "deep": {deep}}}\n'
    nested = '{"channel": "web", "x": ' + '{"a": ' * 999 + "1" + "}" * 999 + "}"
    in_struct = json.dumps(ticket(4, via="VIA")).replace('"VIA"', nested) + "\n"
    put(landing, rel, extra + in_struct)
    res = _tickets(con, landing)
    assert _loaded_files(con, res.table) == {GOOD_TICKETS: 2, rel: 2}
    kept, channel = con.execute(
        f"SELECT json_extract(_extra, '$.deep')::VARCHAR, "
        f"(SELECT via.channel FROM {res.table} WHERE id = 4) FROM {res.table} WHERE id = 3"
    ).fetchone()
    assert kept == deep and channel == "web"
    assert res.reconciliation.ok


def test_csv_with_10000_columns_is_rejected_without_widening_raw(con, landing):
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    extra = 10_000
    header = KLAVIYO_HEADER.rstrip("\n") + "".join(f",x{i}" for i in range(extra)) + "\n"
    put(landing, rel, header + (klaviyo_row(3).rstrip("\n") + "," * extra + "\n") * 3)
    res = _emails(con, landing)
    _assert_rejected(con, res, rel, "10,000 columns not in the contract")
    columns = con.execute(f"SELECT * FROM {res.table} LIMIT 0").description
    assert not [c[0] for c in columns if c[0].startswith("x")]


def test_a_few_new_columns_still_load_as_drift(con, landing):
    """The column cap leaves ordinary additive drift alone."""
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, KLAVIYO_HEADER.rstrip("\n") + ",Flow ID\n" + klaviyo_row(3)[:-1] + ",F1\n")
    res = _emails(con, landing)
    assert res.files_rejected == 0
    assert con.execute(f'SELECT "Flow ID" FROM {res.table} WHERE "Event ID" = \'E3\'').fetchone()
    assert res.reconciliation.ok


_HEADER = KLAVIYO_HEADER.rstrip("\n")


@pytest.mark.parametrize(
    ("extra_column", "reason"),
    [
        ("", "column 9 of the header has no name"),  # a trailing comma
        ("subject", "duplicate column 'Subject', 'subject' (case ignored)"),
        ("_load_id", "column '_load_id': names starting with '_' are reserved for ingestion"),
        ("_src", "column '_src': names starting with '_' are reserved for ingestion"),
    ],
)
def test_csv_header_columns_that_would_clash_are_rejected(con, landing, extra_column, reason):
    """Before: a trailing comma broke the SQL, a case variant failed ALTER TABLE, a lineage
    name failed the INSERT: the whole entity's load stopped."""
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, f"{_HEADER},{extra_column}\n" + klaviyo_row(3)[:-1] + ",x\n")
    _assert_rejected(con, _emails(con, landing), rel, reason)


def test_a_column_differing_from_the_contract_only_in_case_is_rejected(con, landing):
    """Every CSV column of today's contract is required, so a case variant alone reads as the
    column missing; were a column optional, the case variant is named as such (it would
    otherwise be added beside the contract's column, which DuckDB refuses)."""
    _good_emails(landing)
    rel = f"{EMAILS}/2026-03-02.csv"
    put(landing, rel, _HEADER.replace("Subject", "subject") + "\n" + klaviyo_row(3))
    _assert_rejected(con, _emails(con, landing), rel, "missing required column 'Subject'")

    spec = get_spec("marketing", "email_events")
    optional = [dataclasses.replace(f, required=f.name != "Subject") for f in spec.fields]
    res = ingest_entity(duckdb.connect(), landing, dataclasses.replace(spec, fields=optional))
    assert res.rejected == [
        f"{rel}: column 'subject' differs from the contract's 'Subject' in case"
    ]


def test_drift_columns_differing_in_case_share_one_raw_column(con, landing):
    """Two deliveries name a new column differently in case (in one batch, then in a later
    run): raw gets one column and both values."""
    _good_emails(landing)
    put(landing, f"{EMAILS}/2026-03-02.csv", f"{_HEADER},Flow ID\n" + klaviyo_row(3)[:-1] + ",F3\n")
    put(landing, f"{EMAILS}/2026-03-03.csv", f"{_HEADER},flow id\n" + klaviyo_row(4)[:-1] + ",F4\n")
    first = _emails(con, landing)
    put(landing, f"{EMAILS}/2026-03-04.csv", f"{_HEADER},FLOW ID\n" + klaviyo_row(5)[:-1] + ",F5\n")
    second = _emails(con, landing)
    assert first.files_rejected == second.files_rejected == 0
    columns = [c[0] for c in con.execute(f"SELECT * FROM {first.table} LIMIT 0").description]
    assert [c for c in columns if c.casefold() == "flow id"] == ["Flow ID"]
    flows = con.execute(
        f'SELECT list("Flow ID" ORDER BY "Event ID") FROM {first.table} WHERE "Flow ID" IS NOT NULL'
    ).fetchone()[0]
    assert flows == ["F3", "F4", "F5"] and second.reconciliation.ok


# --- names and links ------------------------------------------------------------------------


def test_symlink_to_a_file_outside_the_landing_folder_is_not_followed(con, landing, tmp_path):
    _good_emails(landing)
    secret = tmp_path / "outside.csv"
    secret.write_text(KLAVIYO_HEADER + klaviyo_row(99))
    (landing / EMAILS / "2026-03-02.csv").symlink_to(secret)
    res = _emails(con, landing)
    warning = _assert_ignored(res, con, "2026-03-02.csv")
    assert warning.endswith("a symbolic link (not followed)")
    assert (
        con.execute(f"SELECT count(*) FROM {res.table} WHERE \"Event ID\" = 'E99'").fetchone()[0]
        == 0
    )


def test_symlinked_entity_folder_outside_the_landing_folder_is_not_followed(con, landing, tmp_path):
    outside = tmp_path / "elsewhere"
    put(outside, "2026-03-02.csv", KLAVIYO_HEADER + klaviyo_row(99))
    (landing / "marketing").mkdir()
    (landing / EMAILS).symlink_to(outside, target_is_directory=True)
    res = _emails(con, landing)
    assert res.files_seen == 0 and res.table_rows == 0
    assert [w for w in res.warnings if "symbolic link (not followed)" in w]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("2026-03-02 copy.csv", "not <YYYY-MM-DD>[.partNN].csv[.gz]"),
        ("2026-03-02.caf\u00e9.csv", "not <YYYY-MM-DD>[.partNN].csv[.gz]"),
        ("\uff12\uff10\uff12\uff16-03-02.csv", "not <YYYY-MM-DD>[.partNN].csv[.gz]"),  # fullwidth
        ("2026-03-02..csv", "not <YYYY-MM-DD>[.partNN].csv[.gz]"),
        ("..2026-03-02.csv", "a hidden file (e.g. a copy still in progress)"),
        ("2026-02-30.csv", "2026-02-30 is not a calendar date"),
        ("2026-13-01.csv", "2026-13-01 is not a calendar date"),
    ],
)
def test_file_names_off_the_layout_are_reported_not_loaded(con, landing, name, reason):
    _good_emails(landing)
    put(landing, f"{EMAILS}/{name}", KLAVIYO_HEADER + klaviyo_row(3))
    res = _emails(con, landing)
    warning = _assert_ignored(res, con, name)
    assert warning == f"ignored {EMAILS}/{name}: {reason}"


def test_a_name_that_is_not_utf8_is_reported_printably(con, landing):
    _good_emails(landing)
    folder = os.fsencode(landing / EMAILS)
    with open(folder + b"/2026-03-02\xff.csv", "wb") as fh:
        fh.write((KLAVIYO_HEADER + klaviyo_row(3)).encode())
    res = _emails(con, landing)
    warning = _assert_ignored(res, con, "2026-03-02\\xff.csv")
    # stored in the audit (VARCHAR): the undecodable byte became an escape, not a crash
    assert con.execute(
        "SELECT list_contains(warnings, ?) FROM raw.load_audit", [warning]
    ).fetchone()[0]


def test_a_folder_named_like_a_file_is_reported(con, landing):
    _good_emails(landing)
    (landing / EMAILS / "2026-03-02.csv").mkdir()
    warning = _assert_ignored(_emails(con, landing), con, "2026-03-02.csv")
    assert warning.endswith("not a regular file")


# --- a file that changes while it is read ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_file_changing_while_read_is_left_for_the_next_run(con, landing, monkeypatch, fmt):
    """The reader sees one version; the file grows before the batch is published. The file is
    not loaded (no rows, no ledger row) and a warning names it; the next run loads the final
    version once, with every record."""
    import ingestion.loader as loader

    if fmt == "csv":
        _good_emails(landing)
        rel = f"{EMAILS}/2026-03-02.csv"
        put(landing, rel, KLAVIYO_HEADER + klaviyo_row(3))
        late_line, reader_name = klaviyo_row(4), "stage_csv_files"
        run = _emails
    else:
        _good_tickets(landing)
        rel = f"{TICKETS}/2026-03-02.jsonl"
        put(landing, rel, jsonl(ticket(3)))
        late_line, reader_name = jsonl(ticket(4)), "stage_jsonl_files"
        run = _tickets
    reader = getattr(loader, reader_name)

    def reader_then_append(con, spec, files, tmp):
        stages = reader(con, spec, files, tmp)
        with (landing / rel).open("a") as fh:  # the sender is still writing
            fh.write(late_line)
        return stages

    monkeypatch.setattr(loader, reader_name, reader_then_append)
    first = run(con, landing)
    [warning] = [w for w in first.warnings if w.startswith(rel)]
    assert "not loaded, its size changed" in warning and "the next run reads it again" in warning
    assert con.execute(
        "SELECT count(*) FROM raw.load_ledger WHERE source_file = ?", [rel]
    ).fetchone() == (0,)
    assert rel not in _loaded_files(con, first.table) and first.reconciliation.ok

    monkeypatch.setattr(loader, reader_name, reader)  # the sender has finished
    second = run(con, landing)
    assert not second.warnings
    assert _loaded_files(con, second.table) == {rel.replace("03-02", "03-01"): 2, rel: 2}
    assert ledger(con, rel)["rows_loaded"] == 2 and second.reconciliation.ok
    assert con.execute(
        "SELECT count(*) FROM raw.load_ledger WHERE source_file = ?", [rel]
    ).fetchone() == (1,)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_file_vanishing_before_it_is_read_is_left_out(con, landing, monkeypatch, fmt):
    """Listed, then deleted before the reader opens it: a warning, the other file loads."""
    import ingestion.loader as loader

    if fmt == "csv":
        _good_emails(landing)
        rel, reader_name, run = f"{EMAILS}/2026-03-02.csv", "stage_csv_files", _emails
        put(landing, rel, KLAVIYO_HEADER + klaviyo_row(3))
    else:
        _good_tickets(landing)
        rel, reader_name, run = f"{TICKETS}/2026-03-02.jsonl.gz", "stage_jsonl_files", _tickets
        put(landing, rel, jsonl(ticket(3)), gz=True)
    reader = getattr(loader, reader_name)

    def delete_then_read(con, spec, files, tmp):
        (landing / rel).unlink()
        return reader(con, spec, files, tmp)

    monkeypatch.setattr(loader, reader_name, delete_then_read)
    res = run(con, landing)
    assert [w for w in res.warnings if w.startswith(rel)] == [
        f"{rel}: not loaded, it vanished while it was being read; the next run reads it again"
    ]
    assert res.rows_loaded == 2 and res.reconciliation.ok
    assert con.execute("SELECT list(source_file) FROM raw.load_ledger").fetchone()[0] == [
        GOOD_EMAILS if fmt == "csv" else GOOD_TICKETS
    ]


# --- size -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_single_200_mb_line_is_quarantined_whole(con, landing, fmt):
    """A 200 MB line with no structure, streamed to disk between two good records: it is
    quarantined as one record, as delivered (nothing cut), and its neighbours load. About 10 s
    and 1.3 GB of memory per format."""
    size = 200 << 20
    if fmt == "csv":
        _good_emails(landing)
        rel, before, after = f"{EMAILS}/2026-03-02.csv", KLAVIYO_HEADER + klaviyo_row(3), ""
        after = klaviyo_row(4)
    else:
        _good_tickets(landing)
        rel, before, after = f"{TICKETS}/2026-03-02.jsonl", jsonl(ticket(3)), jsonl(ticket(4))
    path = put(landing, rel, before)
    chunk = "x" * (1 << 20)
    with path.open("a") as fh:
        for _ in range(size >> 20):
            fh.write(chunk)
        fh.write("\n" + after)
    try:
        res = _emails(con, landing) if fmt == "csv" else _tickets(con, landing)
    finally:
        path.unlink()  # pytest keeps recent tmp folders: do not leave 200 MB behind
    [(number, reason, length)] = con.execute(
        "SELECT row_number, reason, length(raw_text) FROM raw.quarantine WHERE source_file = ?",
        [rel],
    ).fetchall()
    assert (number, length) == (2, size)
    assert reason == ("malformed_csv" if fmt == "csv" else "invalid_json")
    assert _loaded_files(con, res.table)[rel] == 2
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (5, 4, 1)
    assert res.reconciliation.ok


def test_json_nested_beyond_pythons_parser_is_still_checked_strictly(con, landing):
    """A line that may hold what only a lenient parser accepts is re-checked in Python, whose
    parser stops near 1,000 levels: such a line is checked without recursion instead of
    failing the load. The string "NaN" is valid; a bare NaN or a trailing comma is not."""
    _good_tickets(landing)
    rel = f"{TICKETS}/2026-03-02.jsonl"
    deep = "[" * 5000 + "{}" + "]" * 5000

    def line(tid: int, value: str) -> str:
        return (
            json.dumps(ticket(tid, subject="SUBJECT"))[:-1].replace('"SUBJECT"', '"NaN"')
            + f', "deep": {value}}}\n'
        )

    put(
        landing,
        rel,
        line(3, deep) + line(4, deep.replace("{}", "NaN")) + line(5, deep.replace("{}", "[1,]")),
    )
    res = _tickets(con, landing)
    assert [(n, r) for n, r, _, _ in quarantine(con, rel)] == [
        (2, "invalid_json"),
        (3, "invalid_json"),
    ]
    assert con.execute(f"SELECT subject FROM {res.table} WHERE id = 3").fetchone() == ("NaN",)
    assert res.reconciliation.ok
