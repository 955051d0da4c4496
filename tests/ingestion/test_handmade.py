"""Extracts written by hand (another tool, same contract) load completely and correctly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ingestion import SPECS, ingest_all
from tests.helpers import CONTRACT_CHECKER, REPO_ROOT
from tests.ingestion.landing import HANDMADE


@pytest.fixture(scope="module")
def loaded():
    import duckdb

    con = duckdb.connect()
    results = {(r.system, r.entity): r for r in ingest_all(con, HANDMADE)}
    yield con, results
    con.close()


def test_the_handmade_folder_follows_the_contract():
    out = subprocess.run(
        # one process: the checker's fork pool can hang for good if a worker dies
        [sys.executable, str(CONTRACT_CHECKER), str(HANDMADE), "--jobs", "1"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:]


def test_every_entity_loads_without_loss(loaded):
    _con, results = loaded
    assert len(results) == len(SPECS)
    # the eight systems' 15 entities; an optional system (loyalty) absent from the folder is
    # loaded as nothing, silently
    optional = {(s.system, s.entity) for s in SPECS if s.optional}
    assert len(results) - len(optional) == 15
    for key, r in results.items():
        if key in optional:
            assert (r.folder_exists, r.files_seen, r.warnings) == (False, 0, []), key
            continue
        assert r.files_seen > 0 and r.rows_loaded > 0, key
        assert r.rows_quarantined == r.files_rejected == 0, (key, r.rejected)
        assert r.reconciliation.ok, key


def test_values_arrive_typed(loaded):
    con, _ = loaded
    nps = con.execute(
        """SELECT round(100 * (count(*) FILTER (Q1 >= 9) - count(*) FILTER (Q1 <= 6)) / count(*))
           FROM raw.surveys__responses
           WHERE Status = 'IP Address' AND Finished AND Q1 BETWEEN 0 AND 10"""
    ).fetchone()[0]
    assert nps == 20
    street, postal = con.execute(
        "SELECT MailingStreet, MailingPostalCode FROM raw.crm__contacts "
        "WHERE Id = '0035g00000AbCdEAAZ'"
    ).fetchone()
    assert (street, postal) == ("12 Main St\nApt 4", "10001")
    assert (
        con.execute(
            "SELECT count(*) FROM raw.crm__contacts WHERE Email = ' Ann.Lee@Example.com '"
        ).fetchone()[0]
        == 1
    )
    # offsets become instants: 10:00 in New York on 2 March is 15:00 UTC
    assert (
        con.execute(
            "SELECT created_at AT TIME ZONE 'UTC' FROM raw.shop__orders WHERE id = 5001 LIMIT 1"
        )
        .fetchone()[0]
        .isoformat()
        == "2026-03-02T15:00:00"
    )
    assert (
        con.execute(
            "SELECT Timestamp::VARCHAR FROM raw.marketing__email_events WHERE \"Event ID\" = '4dYk1q0001'"
        ).fetchone()[0]
        == "2026-03-02 08:00:00"
    )  # local, naive: staging converts
    assert con.execute(
        "SELECT list(_source_file ORDER BY _source_file) FROM raw.digital__events "
        "WHERE event_name = 'contact_us_click'"
    ).fetchone()[0] == ["digital/events/2026-04-08.part02.jsonl.gz"]
    assert (
        con.execute(
            "SELECT metadata->>'$.order_id' FROM raw.billing__charges WHERE id = 'ch_5001A'"
        ).fetchone()[0]
        == "5001"
    )
