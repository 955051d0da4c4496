"""The hand-made company has too few repeat buyers to fit CLV: the run still publishes, the
reason is recorded, predictions are null and every customer still gets a segment."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow


def test_too_few_repeat_buyers_fall_back_to_null_with_a_reason(
    published_con: duckdb.DuckDBPyConnection,
) -> None:
    fits = published_con.execute(
        "select model, status, reason from touchpoint.clv.model_fits order by model"
    ).fetchall()
    assert [(model, status) for model, status, _ in fits] == [
        ("bg_nbd", "skipped"),
        ("gamma_gamma", "skipped"),
    ]
    assert all("repeat" in reason for _, _, reason in fits)

    customers = published_con.execute(
        "select lifetime_orders, segment, predicted_clv_12m, p_alive "
        "from touchpoint.marts.dim_customer"
    ).fetchall()
    assert customers
    assert all(clv is None and alive is None for _, _, clv, alive in customers)
    # with no CLV the segment still follows orders and recency
    assert all((segment == "prospect") == (orders == 0) for orders, segment, _, _ in customers)
    assert any(orders > 0 for orders, *_ in customers)
