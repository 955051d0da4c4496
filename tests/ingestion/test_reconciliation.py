"""Reconciliation catches any row that is not loaded, quarantined or counted as a duplicate."""

from __future__ import annotations

from ingestion import get_spec, reconcile
from tests.ingestion.landing import KLAVIYO_HEADER, jsonl, klaviyo_row, load, put, ticket

EMAIL = "marketing/email_events/2026-03-02.csv"


def test_balanced_load_reconciles(con, landing):
    put(
        landing,
        EMAIL,
        KLAVIYO_HEADER + klaviyo_row(1) + klaviyo_row(1) + "E2,P2\n" + klaviyo_row(3),
    )
    res = load(con, landing, "marketing", "email_events")
    rec = res.reconciliation
    assert rec.ok and rec.totals() == {
        "rows_read": 4,
        "rows_loaded": 2,
        "rows_quarantined": 1,
        "rows_duplicate": 1,
        "rows_suppressed": 0,
        "raw_rows": 2,
    }


def test_a_lost_row_fails_reconciliation(con, landing):
    put(landing, EMAIL, KLAVIYO_HEADER + klaviyo_row(1) + klaviyo_row(2))
    load(con, landing, "marketing", "email_events")
    con.execute("DELETE FROM raw.marketing__email_events WHERE \"Event ID\" = 'E2'")
    rec = reconcile(con, get_spec("marketing", "email_events"))
    assert not rec.ok and rec.rows_unaccounted == 1
    assert EMAIL in rec.describe() and "raw holds 1 rows, ledger says 2" in rec.describe()


def test_a_ledger_that_does_not_add_up_fails_reconciliation(con, landing):
    put(landing, "support/tickets/2026-03-01.jsonl", jsonl(ticket(1), ticket(2)))
    load(con, landing, "support", "tickets")
    con.execute("UPDATE raw.load_ledger SET rows_read = rows_read + 1")
    rec = reconcile(con, get_spec("support", "tickets"))
    assert not rec.ok and "read 3 != loaded + quarantined + duplicate 2" in rec.describe()


def test_rows_from_an_unknown_load_fail_reconciliation(con, landing):
    put(landing, EMAIL, KLAVIYO_HEADER + klaviyo_row(1))
    load(con, landing, "marketing", "email_events")
    con.execute(
        "INSERT INTO raw.marketing__email_events BY NAME SELECT 'x' AS \"Event ID\", "
        "'marketing/email_events/ghost.csv' AS _source_file, 'ghost' AS _load_id"
    )
    assert not reconcile(con, get_spec("marketing", "email_events")).ok


def test_a_missing_entity_folder_gives_an_empty_table_with_the_full_schema(con, landing):
    res = load(con, landing, "digital", "events")
    assert res.folder_exists is False and res.table_rows == 0 and res.reconciliation.ok
    assert any("does not exist" in w for w in res.warnings)
    cols = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = 'digital__events'"
        ).fetchall()
    )
    assert cols["event_timestamp"] == "BIGINT" and cols["_row_number"] == "BIGINT"
    assert cols["event_params"].startswith("STRUCT") and cols["_extra"] == "JSON"
