"""Many files are loaded per DuckDB call and per transaction; every figure stays per file."""

from __future__ import annotations

from ingestion import get_spec, ingest_entity
from tests.ingestion.landing import jsonl, ledger, load, put, quarantine, ticket

TICKETS_CRLF = "support/tickets/2026-03-05.jsonl"


def test_jsonl_lines_are_numbered_per_file_across_a_batch(con, landing):
    expected = {}
    for day in range(1, 21):
        rel = f"support/tickets/2026-03-{day:02d}.jsonl"
        ids = [day * 100 + i for i in range(day)]
        body = jsonl(*(ticket(i) for i in ids))
        if day % 3 == 0:  # a blank line and a broken one in the middle
            lines = body.splitlines(keepends=True)
            body = "".join([*lines[:1], "\n", '{"id": \n', *lines[1:]])
        put(landing, rel, body, gz=day % 2 == 0)
        numbers = [1, *range(4, day + 3)] if day % 3 == 0 else list(range(1, day + 1))
        expected[rel] = list(zip(numbers, ids, strict=False))
    put(landing, "support/tickets/2026-03-21.jsonl", b"")
    res = load(con, landing, "support", "tickets")
    assert res.files_new == 21 and res.files_empty == 1 and res.reconciliation.ok
    got = {
        rel: list(zip(rows, ids, strict=True))
        for rel, rows, ids in con.execute(
            "SELECT _source_file, list(_row_number ORDER BY _row_number), list(id ORDER BY "
            "_row_number) FROM raw.support__tickets GROUP BY ALL"
        ).fetchall()
    }
    assert got == expected
    for day in (3, 6, 9):
        rel = f"support/tickets/2026-03-{day:02d}.jsonl"
        assert [(q[0], q[1]) for q in quarantine(con, rel)] == [(3, "invalid_json")]
        entry = ledger(con, rel)
        assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (
            day + 1,
            day,
            1,
        )
        assert entry["content_hash"] and len(entry["content_hash"]) == 64


def test_a_load_split_into_several_transactions_reconciles(con, landing):
    for day in range(1, 9):
        put(landing, f"support/tickets/2026-03-{day:02d}.jsonl", jsonl(ticket(day), ticket(-day)))
    res = ingest_entity(con, landing, get_spec("support", "tickets"), batch_bytes=1)
    assert (res.files_new, res.rows_loaded) == (8, 16) and res.reconciliation.ok
    assert con.execute("SELECT count(DISTINCT load_id) FROM raw.load_ledger").fetchone()[0] == 1


def test_a_jsonl_line_that_is_not_utf8_is_quarantined_and_the_rest_loads(con, landing):
    bad = b'{"id": 7, "subject": "caf\xe9"}\n'
    put(landing, "support/tickets/2026-03-01.jsonl", jsonl(ticket(1)).encode() + bad)
    put(landing, "support/tickets/2026-03-02.jsonl", jsonl(ticket(2), ticket(3)))
    put(landing, "support/tickets/2026-03-03.jsonl", bad + jsonl(ticket(4)).encode(), gz=True)
    res = load(con, landing, "support", "tickets")
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (6, 4, 2)
    assert res.reconciliation.ok
    assert con.execute(
        "SELECT list(id ORDER BY id), list(_row_number ORDER BY id) FROM raw.support__tickets"
    ).fetchone() == ([1, 2, 3, 4], [1, 1, 2, 2])
    ((row, reason, detail, raw),) = quarantine(con, "support/tickets/2026-03-03.jsonl")
    assert (row, reason, detail) == (1, "invalid_json", "line is not UTF-8")
    assert raw == '{"id": 7, "subject": "caf\ufffd"}'


def test_jsonl_with_crlf_and_a_byte_order_mark_reads_like_lf(con, landing):
    put(landing, TICKETS_CRLF, "\ufeff" + jsonl(ticket(1), ticket(2)).replace("\n", "\r\n"))
    res = load(con, landing, "support", "tickets")
    assert (res.rows_loaded, res.rows_quarantined) == (2, 0) and res.reconciliation.ok
