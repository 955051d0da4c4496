"""A ninth system added by declaration only (contract YAML + staging model) flows end to end.

The loyalty programme's export (tests/fixtures/landing_loyalty) beside the hand-made eight
systems goes through `touchpoint run` once: its member with a known customer's e-mail resolves
to that customer in dim_customer, a member known nowhere else becomes a customer of their own,
and every valid points event is an activity of the member's customer in fct_touchpoint.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.builds import pipeline_run_once
from tests.helpers import HANDMADE_LANDING, REPO_ROOT, PipelineRun
from warehouse.connections import connect_published

# One pipeline run of its own (the hand-made folder's exact counts stay as they are).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("loyalty")]

LOYALTY_LANDING = REPO_ROOT / "tests" / "fixtures" / "landing_loyalty"


def _landing(folder: Path) -> Path:
    landing = folder / "landing"
    shutil.copytree(HANDMADE_LANDING, landing)
    shutil.copytree(LOYALTY_LANDING / "loyalty", landing / "loyalty")
    return landing


@pytest.fixture(scope="module")
def loyalty_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    run = pipeline_run_once(tmp_path_factory, "handmade_loyalty", _landing)
    assert run.returncode == 0, run.output
    return run


@pytest.fixture()
def con(loyalty_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect_published(loyalty_run.build_db)
    yield connection
    connection.close()


def _customer_of(con: duckdb.DuckDBPyConnection, system: str, entity: str, record: str) -> str:
    (customer,) = con.execute(
        "SELECT customer_id FROM marts.dim_customer_identity_map "
        "WHERE source_system = ? AND source_entity = ? AND source_record_id = ?",
        [system, entity, record],
    ).fetchone()
    return customer


def test_the_run_reports_the_ninth_system(loyalty_run):
    assert "loyalty/members" in loyalty_run.output
    assert "loyalty/points_events" in loyalty_run.output
    # the row whose points are not a number is quarantined, reported, and nothing else fails
    assert "quarantined rows: loyalty/points_events" in loyalty_run.output
    assert loyalty_run.dbt_problems() == []


def test_a_member_with_a_known_email_is_that_customer(con):
    ann_in_shop = _customer_of(con, "shop", "customers", "7001")
    assert _customer_of(con, "loyalty", "members", "LM1001") == ann_in_shop
    (customers,) = con.execute(
        "SELECT count(*) FROM marts.dim_customer WHERE customer_id = ?", [ann_in_shop]
    ).fetchone()
    assert customers == 1


def test_a_member_known_nowhere_else_is_a_customer_of_their_own(con):
    dora = _customer_of(con, "loyalty", "members", "LM1002")
    others = con.execute(
        "SELECT count(*) FROM marts.dim_customer_identity_map "
        "WHERE customer_id = ? AND source_system <> 'loyalty'",
        [dora],
    ).fetchone()[0]
    assert others == 0
    assert (
        con.execute(
            "SELECT count(*) FROM marts.dim_customer WHERE customer_id = ?", [dora]
        ).fetchone()[0]
        == 1
    )


def test_points_events_are_touchpoints_of_the_members_customers(con):
    ann = _customer_of(con, "loyalty", "members", "LM1001")
    dora = _customer_of(con, "loyalty", "members", "LM1002")
    rows = con.execute(
        "SELECT source_record_id, customer_id, activity, journey_stage, channel, "
        "occurred_at::VARCHAR, detail FROM marts.fct_touchpoint "
        "WHERE source_system = 'loyalty' ORDER BY source_record_id"
    ).fetchall()
    assert rows == [
        ("LE5001", ann, "earned_points", "purchase", "store", "2026-03-02 16:20:00", "120 points"),
        ("LE5002", ann, "redeemed_points", "retain", "web", "2026-03-20 13:15:00", "-50 points"),
        ("LE5003", dora, "expired_points", "retain", "web", "2026-03-18 04:00:00", "-10 points"),
    ]
    # in Ann's journey beside her shop activity, counted per customer like every activity
    systems = {
        system
        for (system,) in con.execute(
            "SELECT DISTINCT source_system FROM marts.fct_touchpoint WHERE customer_id = ?", [ann]
        ).fetchall()
    }
    assert {"loyalty", "shop"} <= systems
