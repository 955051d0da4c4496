"""Malformed CSV lines cost only themselves: parsing re-syncs on the next line (issue 4).

DuckDB's reader swallows every line after an unbalanced quote up to the next quote character;
the scan in ``csv_scan`` finds the malformed line and DuckDB reads a copy without it.
"""

from __future__ import annotations

import pytest

from ingestion import csv_reader
from ingestion.csv_scan import MAX_RECORD_LINES, scan_text
from tests.ingestion.landing import KLAVIYO_HEADER, klaviyo_row, load, put, quarantine

CONTACTS = "crm/contacts/2026-03-02.csv"
EMAIL = "marketing/email_events/2026-03-02.csv"
CRM_HEADER = (
    "Id,FirstName,LastName,Email,Phone,MobilePhone,MailingStreet,MailingCity,MailingState,"
    "MailingPostalCode,MailingCountry,Birthdate,HasOptedOutOfEmail,LoyaltyTier__c,"
    "Shop_Customer_Id__c,CreatedDate,LastModifiedDate,IsDeleted"
)


def contact(i: int, street: str = "12 Main St") -> str:
    if any(c in street for c in ',"\r\n'):
        street = '"' + street.replace('"', '""') + '"'
    return (
        f"0035g{i:013d},Ann{i},Lee,ann{i}@example.com,(212) 555-0147,,{street},New York,NY,"
        f"10001,United States,1980-01-02,false,Gold,,2026-01-05T14:03:11.000+0000,"
        f"2026-01-05T14:03:11.000+0000,false"
    )


def crm_file(rows: list[str], *, crlf: bool = True, bom: bool = True) -> str:
    eol = "\r\n" if crlf else "\n"
    return ("\ufeff" if bom else "") + eol.join([CRM_HEADER, *rows]) + eol


def loaded_ids(con, rel: str) -> list[tuple[int, str]]:
    return con.execute(
        "SELECT _row_number, Id FROM raw.crm__contacts WHERE _source_file = ? ORDER BY 1", [rel]
    ).fetchall()


def test_an_early_unbalanced_quote_in_a_crlf_file_costs_one_line(con, landing):
    # CRLF rows, a BOM, addresses with embedded LF and CRLF newlines, and a stray quote on the
    # second record: every other record loads, with its own record number.
    rows = [contact(1, "1 First St\nApt 1")]
    rows.append(contact(2).replace(",Ann2,", ',"Ann2,'))  # opening quote never closed
    rows += [
        contact(i, f"{i} Main St\r\nApt {i}" if i % 7 == 0 else f"{i} Main St")
        for i in range(3, 503)
    ]
    rows[201] = contact(202, 'The "Oaks", Unit 4')  # a legit quoted field with quotes inside
    put(landing, CONTACTS, crm_file(rows))
    res = load(con, landing, "crm", "contacts")

    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (502, 501, 1)
    assert res.reconciliation.ok
    ids = loaded_ids(con, CONTACTS)
    assert [n for n, _ in ids] == [1, *range(3, 503)]  # record numbers, not line numbers
    assert all(id_ == f"0035g{n:013d}" for n, id_ in ids)
    ((row, reason, detail, raw),) = quarantine(con, CONTACTS)
    assert (row, reason) == (2, "malformed_csv")
    assert detail.startswith("line 4: unbalanced quote")  # physical line (header, 2-line record)
    assert raw == rows[1]  # the line as delivered, without its line ending
    streets = dict(
        con.execute(
            "SELECT _row_number, MailingStreet FROM raw.crm__contacts WHERE _row_number IN (1, 7, 202)"
        ).fetchall()
    )
    assert streets == {1: "1 First St\nApt 1", 7: "7 Main St\r\nApt 7", 202: 'The "Oaks", Unit 4'}


def test_a_good_multiline_record_right_before_a_stray_quote_loads(con, landing):
    # The shape seen in the 100k-customer crm/contacts delivery: an address with an LF inside a
    # CRLF file, then a stray quote. The earlier repair pass lost the good record before it.
    rows = [contact(i) for i in range(1, 40)]
    rows[20] = contact(21, "7174 Reynolds Blvd\nApt 15C")
    rows[21] = contact(22).replace(",Ann22,", ',"Ann22,')
    put(landing, CONTACTS, crm_file(rows), gz=True)
    res = load(con, landing, "crm", "contacts")
    assert (res.rows_loaded, res.rows_quarantined) == (38, 1) and res.reconciliation.ok
    assert [r[0] for r in quarantine(con, CONTACTS)] == [22]
    assert [n for n, _ in loaded_ids(con, CONTACTS)] == [n for n in range(1, 40) if n != 22]


def test_wrong_field_counts_and_stray_quotes_across_many_files_in_one_batch(con, landing):
    # Many files are read by one DuckDB call; numbering is per file whatever the mix of clean,
    # defective, gzip'd and empty files.
    good: dict[str, list[int]] = {}
    bad: dict[str, list[int]] = {}
    for day in range(1, 28):
        rel = f"marketing/email_events/2026-02-{day:02d}.csv"
        n = 5 + day * 3
        lines = [klaviyo_row(i) for i in range(1, n + 1)]
        if day % 3 == 0:
            lines[1] = lines[1].rstrip("\n") + ",unexpected\n"  # a field too many
        if day % 4 == 0:
            lines[day % 5 + 2] = lines[day % 5 + 2].replace(",P", ',"P', 1)  # stray quote
        if day % 5 == 0:
            lines[-1] = "E999,P999\n"  # a field too few
        put(landing, rel, KLAVIYO_HEADER + "".join(lines), gz=day % 2 == 0)
        defects = {2: day % 3 == 0, day % 5 + 3: day % 4 == 0, n: day % 5 == 0}
        bad[rel] = sorted(k for k, v in defects.items() if v)
        good[rel] = [i for i in range(1, n + 1) if i not in bad[rel]]
    put(landing, "marketing/email_events/2026-02-28.csv", KLAVIYO_HEADER)
    res = load(con, landing, "marketing", "email_events")
    assert res.reconciliation.ok and res.files_empty == 1 and res.files_new == 28
    got = con.execute(
        'SELECT _source_file, list(_row_number ORDER BY _row_number), list("Event ID" ORDER BY '
        "_row_number) FROM raw.marketing__email_events GROUP BY ALL"
    ).fetchall()
    assert {rel: rows for rel, rows, _ in got} == good
    assert all(ids == [f"E{n}" for n in rows] for _, rows, ids in got)
    assert {rel: [q[0] for q in quarantine(con, rel)] for rel in bad} == bad
    assert sum(map(len, bad.values())) == res.rows_quarantined >= 20


def test_the_scan_values_stand_in_when_duckdb_reads_a_file_differently(
    con, landing, monkeypatch: pytest.MonkeyPatch
):
    rows = [contact(1, "1 First St\nApt 1"), contact(2).replace(",Ann2,", ',"Ann2,'), contact(3)]
    put(landing, CONTACTS, crm_file(rows))
    monkeypatch.setattr(csv_reader, "_read_part", lambda *a, **k: [])  # DuckDB "got it wrong"
    res = load(con, landing, "crm", "contacts")
    assert (res.rows_loaded, res.rows_quarantined) == (2, 1) and res.reconciliation.ok
    assert loaded_ids(con, CONTACTS) == [(1, "0035g0000000000001"), (3, "0035g0000000000003")]
    assert con.execute(
        "SELECT MailingStreet, LoyaltyTier__c, Shop_Customer_Id__c FROM raw.crm__contacts "
        "WHERE _row_number = 1"
    ).fetchone() == ("1 First St\nApt 1", "Gold", None)  # empty field: NULL, as DuckDB reads it


@pytest.mark.parametrize(
    ("text", "good", "bad"),
    [
        # text after the header "a,b,c"; good records; malformed (record, line, detail)
        ("1,2,3\n4,5,6\n", [["1", "2", "3"], ["4", "5", "6"]], []),
        (
            '1,"x\ny",3\n4,5\n6,7,8\n',
            [["1", "x\ny", "3"], ["6", "7", "8"]],
            [(2, 4, "field count")],
        ),
        ('1,"x,2,3\n4,5,6\n7,8,"9"\n', [["4", "5", "6"], ["7", "8", "9"]], [(1, 2, "quote")]),
        ('1,"x"y,3\n4,5,6\n', [["4", "5", "6"]], [(1, 2, "after a quote")]),
        ('1,"x,3\n4,5,6\n', [["4", "5", "6"]], [(1, 2, "unbalanced quote")]),  # never closed
        ("1,2,3\r\n\r\n\n4,5,6\r\n", [["1", "2", "3"], ["4", "5", "6"]], []),  # blank lines
        ("1,2\r3,4\n5,6,7\n", [["5", "6", "7"]], [(1, 2, "new-line character")]),  # bare CR
    ],
)
def test_scan_rules(text: str, good: list[list[str]], bad: list[tuple[int, int, str]]):
    scan = scan_text("a,b,c\n" + text, keep_rows=True)
    assert scan.header == ["a", "b", "c"]
    assert scan.rows == good and scan.good == len(good)
    assert [(m.pos, m.line) for m in scan.malformed] == [(p, ln) for p, ln, _ in bad]
    assert all(d in m.detail for m, (_, _, d) in zip(scan.malformed, bad, strict=True))
    assert scan.replaced == [(ln - 1, 1) for _, ln, _ in bad]


def test_a_quoted_field_may_span_at_most_the_limit_of_lines():
    field = "\n".join(["x"] * MAX_RECORD_LINES)  # the record spans MAX_RECORD_LINES lines
    ok = scan_text(f'a,b\n1,"{field}"\n2,3\n', keep_rows=True)
    assert ok.rows == [["1", field], ["2", "3"]] and not ok.malformed
    too_long = scan_text(f'a,b\n1,"{field}\nx"\n2,3\n', keep_rows=True)
    first = too_long.malformed[0]
    assert (first.pos, first.line, first.text) == (1, 2, '1,"x')
    assert "spans more than" in first.detail
    assert too_long.rows[-1] == ["2", "3"]  # re-synced: later lines are records of their own


def test_a_line_that_is_not_utf8_is_quarantined_and_the_rest_kept_byte_for_byte(con, landing):
    data = (KLAVIYO_HEADER + klaviyo_row(1)).encode() + b"E2,P2,caf\xe9,Opened Email,"
    data += b"2026-03-02 08:00:00,C1,Spring,Hello\n" + ("".join(klaviyo_row(3))).encode()
    data += "E4,P4,zoë@example.com,Opened Email,2026-03-02 08:00:00,C1,Spring,Hi\n".encode()
    put(landing, EMAIL, data)
    res = load(con, landing, "marketing", "email_events")
    assert (res.rows_loaded, res.rows_quarantined) == (3, 1) and res.reconciliation.ok
    ((row, reason, detail, raw),) = quarantine(con, EMAIL)
    assert (row, reason) == (2, "malformed_csv") and "not UTF-8" in detail and "caf\ufffd" in raw
    assert con.execute(
        "SELECT Email FROM raw.marketing__email_events WHERE _row_number = 4"
    ).fetchone() == ("zoë@example.com",)
