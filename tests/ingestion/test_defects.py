"""One test per defect class of the input contract (docs/extracts.md)."""

from __future__ import annotations

import gzip

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

EMAIL = "marketing/email_events/2026-03-02.csv"
TICKETS = "support/tickets/2026-03-01.jsonl"


def _rows(con, table: str, order: str = "_row_number") -> list[tuple]:
    return con.execute(f'SELECT "Event ID", _row_number FROM {table} ORDER BY {order}').fetchall()


def test_malformed_csv_lines_are_quarantined_and_the_rest_loads(con, landing):
    put(
        landing,
        EMAIL,
        KLAVIYO_HEADER
        + klaviyo_row(1)
        + "E2,P2,p2@example.com,Opened Email,2026-03-02 08:00:00,C1,Spring,Hello,unexpected\n"
        + klaviyo_row(3)
        + "E4,P4\n"
        + 'E5,"P5,p5@example.com,Opened Email,2026-03-02 08:00:00,C1,Spring,Hello\n'  # stray quote
        + klaviyo_row(6)
        + klaviyo_row(7)
        + 'E8,P8,p8@example.com,Opened Email,2026-03-02 08:00:00,C1,"Spring, big",Hi\n'
        + klaviyo_row(9),
    )
    res = load(con, landing, "marketing", "email_events")
    # the stray quote swallows lines up to the next quote in DuckDB's reader; they are re-read
    assert _rows(con, "raw.marketing__email_events") == [
        ("E1", 1),
        ("E3", 3),
        ("E6", 6),
        ("E7", 7),
        ("E8", 8),
        ("E9", 9),
    ]
    q = quarantine(con, EMAIL)
    assert [(r[0], r[1]) for r in q] == [
        (2, "malformed_csv"),
        (4, "malformed_csv"),
        (5, "malformed_csv"),
    ]
    assert q[2][3].startswith('E5,"P5') and "unbalanced quote" in q[2][2]
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (9, 6, 3)
    assert res.reconciliation.ok


def test_stray_quote_with_no_later_quote_costs_one_line(con, landing):
    put(
        landing,
        EMAIL,
        KLAVIYO_HEADER
        + klaviyo_row(1)
        + 'E2,"P2,x,Opened Email,2026-03-02 08:00:00,C,S,H\n'
        + "".join(klaviyo_row(i) for i in range(3, 8)),
    )
    res = load(con, landing, "marketing", "email_events")
    assert [r[0] for r in _rows(con, "raw.marketing__email_events")] == [
        "E1",
        "E3",
        "E4",
        "E5",
        "E6",
        "E7",
    ]
    assert [r[0] for r in quarantine(con, EMAIL)] == [2]
    assert res.reconciliation.ok


def test_invalid_json_lines_are_quarantined_with_their_line_number(con, landing):
    good = jsonl(ticket(1001))
    put(
        landing,
        TICKETS,
        good + '{"id": 1002, "created_at": \n' + "\n" + "[1, 2]\n" + jsonl(ticket(1003)),
    )
    res = load(con, landing, "support", "tickets")
    assert con.execute(
        "SELECT id, _row_number FROM raw.support__tickets ORDER BY id"
    ).fetchall() == [(1001, 1), (1003, 5)]
    q = quarantine(con, TICKETS)
    assert [(r[0], r[1]) for r in q] == [(2, "invalid_json"), (4, "not_a_json_object")]
    assert q[0][3] == '{"id": 1002, "created_at": '
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (
        4,
        2,
        2,
    )  # blank line: no record


def test_values_that_fail_their_type_are_quarantined_with_the_column(con, landing):
    put(landing, EMAIL, KLAVIYO_HEADER + klaviyo_row(1) + klaviyo_row(2, ts="yesterday noon"))
    put(landing, TICKETS, jsonl(ticket(1001), ticket("abc"), ticket(1003, tags="not-a-list")))
    load(con, landing, "marketing", "email_events")
    load(con, landing, "support", "tickets")
    ((row, reason, detail, raw),) = quarantine(con, EMAIL)
    assert (row, reason) == (2, "type_cast") and "Timestamp: yesterday noon" in detail
    assert '"Event ID":"E2"' in raw
    q = quarantine(con, TICKETS)
    assert [(r[0], r[1]) for r in q] == [(2, "type_cast"), (3, "type_cast")]
    assert q[0][2].startswith("id:") and q[1][2].startswith("tags:")
    assert con.execute("SELECT list(id) FROM raw.support__tickets").fetchone()[0] == [1001]


def test_out_of_domain_values_are_loaded_not_dropped(con, landing):
    put(
        landing,
        "billing/refunds/2026-03-20.jsonl",
        jsonl(
            {
                "id": "re_1",
                "object": "refund",
                "amount": -500,
                "charge": "ch_1",
                "created": 1773000000,
                "currency": "usd",
                "reason": "changed_mind",
                "status": "pending",
                "metadata": {},
            }
        ),
    )
    res = load(con, landing, "billing", "refunds")
    assert res.rows_loaded == 1 and res.rows_quarantined == 0
    assert con.execute("SELECT amount, reason FROM raw.billing__refunds").fetchone() == (
        -500,
        "changed_mind",
    )


def test_exact_duplicate_lines_load_once_and_are_counted(con, landing):
    put(
        landing,
        EMAIL,
        KLAVIYO_HEADER + klaviyo_row(1) + klaviyo_row(2) + klaviyo_row(1) + klaviyo_row(1),
    )
    put(landing, TICKETS, jsonl(ticket(1), ticket(2), ticket(1)))
    r1 = load(con, landing, "marketing", "email_events")
    r2 = load(con, landing, "support", "tickets")
    assert _rows(con, "raw.marketing__email_events") == [("E1", 1), ("E2", 2)]
    assert (r1.rows_read, r1.rows_loaded, r1.rows_duplicate) == (4, 2, 2)
    assert (r2.rows_read, r2.rows_loaded, r2.rows_duplicate) == (3, 2, 1)
    assert ledger(con, EMAIL)["rows_duplicate"] == 2


def test_the_same_record_in_several_files_is_kept_for_staging_to_pick(con, landing):
    put(landing, TICKETS, jsonl(ticket(1001, status="open")))
    put(
        landing,
        "support/tickets/2026-03-02.jsonl",
        jsonl(ticket(1001, status="solved", updated_at="2026-03-02T09:00:00Z")),
    )
    load(con, landing, "support", "tickets")
    assert con.execute(
        "SELECT status, _delivery_date::VARCHAR FROM raw.support__tickets ORDER BY _delivery_date"
    ).fetchall() == [("open", "2026-03-01"), ("solved", "2026-03-02")]


def test_additive_drift_is_kept(con, landing):
    put(landing, EMAIL, KLAVIYO_HEADER + klaviyo_row(1))
    put(
        landing,
        "marketing/email_events/2026-03-03.csv",
        KLAVIYO_HEADER.rstrip("\n") + ",Flow ID\n" + klaviyo_row(2).rstrip("\n") + ",F9\n",
    )
    put(landing, TICKETS, jsonl(ticket(1), ticket(2, brand_id=77, via={"channel": "web"})))
    res = load(con, landing, "marketing", "email_events")
    load(con, landing, "support", "tickets")
    assert con.execute(
        'SELECT "Event ID", "Flow ID" FROM raw.marketing__email_events ORDER BY 1'
    ).fetchall() == [("E1", None), ("E2", "F9")]
    assert any("Flow ID" in n for n in res.notes)
    assert con.execute(
        "SELECT id, _extra->>'$.brand_id' FROM raw.support__tickets ORDER BY id"
    ).fetchall() == [(1, None), (2, "77")]


def test_a_file_missing_a_required_column_is_rejected_by_name(con, landing):
    bad = "marketing/email_events/2026-03-03.csv"
    put(landing, EMAIL, KLAVIYO_HEADER + klaviyo_row(1))
    put(
        landing,
        bad,
        "Event ID,Profile ID,Email,Event,Campaign ID,Campaign Name,Subject\nE2,P2,x,Opened Email,C,S,H\n",
    )
    no_key = "support/tickets/2026-03-02.jsonl"
    put(landing, TICKETS, jsonl(ticket(1)))
    put(
        landing,
        no_key,
        jsonl(*({k: v for k, v in ticket(i).items() if k != "status"} for i in (2, 3))),
    )
    res = load(con, landing, "marketing", "email_events")
    res_t = load(con, landing, "support", "tickets")
    entry = ledger(con, bad)
    assert entry["status"] == "rejected" and entry["rows_loaded"] == 0
    assert bad in entry["message"] and "'Timestamp'" in entry["message"]
    assert res.files_rejected == 1 and res.rows_loaded == 1  # the other file still loads
    assert (
        ledger(con, no_key)["status"] == "rejected" and "'status'" in ledger(con, no_key)["message"]
    )
    assert con.execute("SELECT list(id) FROM raw.support__tickets").fetchone()[0] == [1]
    assert res_t.reconciliation.ok


def test_empty_files_load_zero_rows(con, landing):
    put(landing, EMAIL, KLAVIYO_HEADER)
    put(landing, TICKETS, b"")
    put(landing, "surveys/responses/2026-03-31.csv", b"")
    for system, entity, rel in [
        ("marketing", "email_events", EMAIL),
        ("support", "tickets", TICKETS),
        ("surveys", "responses", "surveys/responses/2026-03-31.csv"),
    ]:
        res = load(con, landing, system, entity)
        assert (res.files_empty, res.rows_read, res.table_rows) == (1, 0, 0)
        assert ledger(con, rel)["status"] == "empty"


def test_gzip_is_read_by_name_or_by_magic_bytes(con, landing):
    put(landing, "support/tickets/2026-03-01.jsonl.gz", jsonl(ticket(1)), gz=True)
    put(landing, "support/tickets/2026-03-02.jsonl", gzip.compress(jsonl(ticket(2)).encode()))
    put(
        landing,
        "marketing/email_events/2026-03-02.csv.gz",
        KLAVIYO_HEADER + klaviyo_row(1),
        gz=True,
    )
    assert load(con, landing, "support", "tickets").rows_loaded == 2
    assert load(con, landing, "marketing", "email_events").rows_loaded == 1
    assert ledger(con, "support/tickets/2026-03-02.jsonl")["gzip"] is True


def test_bom_crlf_and_embedded_newlines(con, landing):
    text = (
        (
            "\ufeff"
            + KLAVIYO_HEADER
            + klaviyo_row(1)
            + 'E2,P2,x,Opened Email,2026-03-02 08:00:00,C1,Spring,"two\r\nlines"\n'
            + klaviyo_row(3)
            + "E4,P4\n"
            + klaviyo_row(5)
        )
        .replace("\n", "\r\n")
        .replace("\r\r\n", "\r\n")
    )
    put(landing, EMAIL, text)
    load(con, landing, "marketing", "email_events")
    rows = con.execute(
        'SELECT "Event ID", Subject, _row_number FROM raw.marketing__email_events ORDER BY 3'
    ).fetchall()
    assert rows == [
        ("E1", "Hello", 1),
        ("E2", "two\r\nlines", 2),
        ("E3", "Hello", 3),
        ("E5", "Hello", 5),
    ]
    assert [r[0] for r in quarantine(con, EMAIL)] == [4]


def test_qualtrics_second_and_third_header_rows_are_not_data(con, landing):
    src = "surveys/responses/2026-03-31.csv"
    from tests.ingestion.landing import HANDMADE

    put(landing, src, (HANDMADE / src).read_bytes())
    res = load(con, landing, "surveys", "responses")
    assert (res.rows_read, res.rows_loaded) == (8, 8)
    first = con.execute(
        "SELECT ResponseId, Q1, Finished, StartDate::VARCHAR FROM raw.surveys__responses "
        "WHERE _row_number = 1"
    ).fetchone()
    assert first == ("R_1aaaaaaaaaaaaaa", 10, True, "2026-03-02 09:15:00")
    # a file without the ImportId row is rejected, not read with a question row as data
    put(
        landing,
        "surveys/responses/2026-04-01.csv",
        "\n".join((HANDMADE / src).read_text(encoding="utf-8").splitlines()[:2]) + "\n",
    )
    res = load(con, landing, "surveys", "responses")
    assert res.files_rejected == 1 and "ImportId" in res.rejected[0]


def test_stray_quote_far_from_any_other_quote_still_costs_one_line(con, landing):
    # DuckDB keeps only 10,000 characters of a rejected record: the rest is re-read from the file
    rows = "".join(klaviyo_row(i) for i in range(3, 400))
    put(
        landing,
        EMAIL,
        KLAVIYO_HEADER
        + klaviyo_row(1)
        + 'E2,"P2,x,Opened Email,2026-03-02 08:00:00,C,S,H\n'
        + rows,
        gz=False,
    )
    put(
        landing,
        "marketing/email_events/2026-03-03.csv.gz",
        KLAVIYO_HEADER + 'E2,"P2,x\n' + rows,
        gz=True,
    )
    res = load(con, landing, "marketing", "email_events")
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (399 + 398, 398 + 397, 2)
    assert (
        con.execute(
            "SELECT max(_row_number) FROM raw.marketing__email_events WHERE _source_file = ?",
            [EMAIL],
        ).fetchone()[0]
        == 399
    )
    assert res.reconciliation.ok


def test_json_that_only_a_lenient_parser_accepts_is_quarantined(con, landing):
    put(
        landing,
        TICKETS,
        jsonl(ticket(1)) + '{"id": 2, "status": "open",}\n' + '{"id": 3, "x": NaN}\n',
    )
    res = load(con, landing, "support", "tickets")
    assert [(r[0], r[1]) for r in quarantine(con, TICKETS)] == [
        (2, "invalid_json"),
        (3, "invalid_json"),
    ]
    assert res.rows_loaded == 1
