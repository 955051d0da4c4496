"""Reading orders and writing predictions, on tiny in-memory warehouses (no model is fitted:
too little history, which is itself the behaviour under test)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from clv import CUSTOMER_PREDICTIONS, MODEL_FITS, predict_clv_in_warehouse


@pytest.fixture()
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""
        create table marts.fct_order (
            order_id varchar, customer_id varchar, ordered_on date,
            net_revenue decimal(18, 2), is_cancelled boolean)""")
    return con


def test_no_orders_at_all_writes_empty_predictions_and_says_why(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    result = predict_clv_in_warehouse(warehouse)
    assert result.as_of is None
    assert warehouse.execute(f"select count(*) from {CUSTOMER_PREDICTIONS}").fetchone()[0] == 0
    fits = warehouse.execute(f"select model, status, reason from {MODEL_FITS}").fetchall()
    assert {(m, s) for m, s, _ in fits} == {("bg_nbd", "skipped"), ("gamma_gamma", "skipped")}
    assert all(reason for _, _, reason in fits)


def test_buyers_get_a_row_with_summary_and_null_predictions(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute("""
        insert into marts.fct_order values
            ('1', 'A', '2026-01-01', 10.00, false),
            ('2', 'A', '2026-01-01', 5.00, false),   -- same day: one transaction
            ('3', 'A', '2026-01-15', 30.00, false),
            ('4', 'B', '2026-01-08', 20.00, true),   -- cancelled: not a purchase
            ('5', null, '2026-01-29', 99.00, false)  -- unresolved guest: as-of date only""")
    result = predict_clv_in_warehouse(warehouse)
    assert result.as_of == date(2026, 1, 29)
    rows = warehouse.execute(
        f"select customer_id, frequency, recency_weeks, tenure_weeks, mean_repeat_order_value, "
        f"predicted_clv_12m, as_of_date from {CUSTOMER_PREDICTIONS}"
    ).fetchall()
    assert rows == [("A", 1, 2.0, 4.0, 30.0, None, date(2026, 1, 29))]
