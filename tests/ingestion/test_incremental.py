"""Each file version loads exactly once: re-runs, re-deliveries, late and touched files."""

from __future__ import annotations

import os
import shutil

from ingestion import SPECS, ingest_all, reconcile
from tests.ingestion.landing import (
    HANDMADE,
    KLAVIYO_HEADER,
    jsonl,
    klaviyo_row,
    ledger,
    load,
    put,
    ticket,
)

TICKETS = "support/tickets/2026-03-01.jsonl"


def _snapshot(con) -> dict[str, list[tuple]]:
    return {
        s.table: con.execute(
            f"SELECT * EXCLUDE (_loaded_at) FROM {s.qualified_table} ORDER BY _source_file, _row_number"
        ).fetchall()
        for s in SPECS
    } | {
        "quarantine": con.execute(
            "SELECT * EXCLUDE (quarantined_at) FROM raw.quarantine ORDER BY ALL"
        ).fetchall()
    }


def test_loading_the_same_folder_twice_changes_nothing(con, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(HANDMADE, landing)
    first = ingest_all(con, landing)
    before = _snapshot(con)
    second = ingest_all(con, landing)
    assert _snapshot(con) == before
    assert sum(r.files_seen for r in second) == sum(r.files_seen for r in first) > 0
    assert all(r.files_new == r.files_changed == r.rows_read == 0 for r in second)
    assert sum(r.files_skipped for r in second) == sum(r.files_seen for r in first)
    # touching a file (new mtime, same bytes) is not a change either
    f = landing / TICKETS
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    tickets = ingest_all(con, landing)[
        SPECS.index(next(s for s in SPECS if s.table == "support__tickets"))
    ]
    assert tickets.files_skipped == len(list(f.parent.iterdir())) and tickets.files_changed == 0
    assert _snapshot(con) == before


def test_a_redelivered_file_replaces_its_earlier_rows(con, landing):
    put(landing, TICKETS, jsonl(ticket(1, status="open"), ticket(2)) + "not json\n")
    put(landing, "support/tickets/2026-03-02.jsonl", jsonl(ticket(3)))
    load(con, landing, "support", "tickets")
    put(landing, TICKETS, jsonl(ticket(1, status="solved")))  # corrected content, same name
    res = load(con, landing, "support", "tickets")
    assert (res.files_changed, res.files_new, res.files_skipped) == (1, 0, 1)
    assert con.execute("SELECT id, status FROM raw.support__tickets ORDER BY id").fetchall() == [
        (1, "solved"),
        (3, "open"),
    ]
    assert (
        con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 0
    )  # old bad line gone
    versions = con.execute(
        "SELECT is_current, rows_loaded FROM raw.load_ledger WHERE source_file = ? "
        "ORDER BY loaded_at",
        [TICKETS],
    ).fetchall()
    assert versions == [(False, 2), (True, 1)]
    assert reconcile(con, next(s for s in SPECS if s.table == "support__tickets")).ok


def test_a_rejected_redelivery_keeps_the_last_good_rows(con, landing):
    put(landing, TICKETS, jsonl(ticket(1)))
    load(con, landing, "support", "tickets")
    put(landing, TICKETS, jsonl({k: v for k, v in ticket(1).items() if k != "id"}))
    res = load(con, landing, "support", "tickets")
    assert res.files_rejected == 1
    assert con.execute("SELECT list(id) FROM raw.support__tickets").fetchone()[0] == [1]
    assert res.reconciliation.ok
    # and the rejected version is not retried on every run
    assert load(con, landing, "support", "tickets").files_skipped == 1


def test_a_late_file_is_loaded_when_it_arrives(con, landing):
    email = "marketing/email_events/2026-03-05.csv"
    put(landing, email, KLAVIYO_HEADER + klaviyo_row(5))
    load(con, landing, "marketing", "email_events")
    late = "marketing/email_events/2026-03-01.csv"  # an earlier day, delivered afterwards
    put(landing, late, KLAVIYO_HEADER + klaviyo_row(1))
    res = load(con, landing, "marketing", "email_events")
    assert (res.files_new, res.files_skipped, res.rows_loaded, res.table_rows) == (1, 1, 1, 2)
    assert ledger(con, late)["delivery_date"].isoformat() == "2026-03-01"
