"""CLV on a schedule: a daily run scores customers with the stored fit, and the models are fitted
again once the data is `refit_every_days` newer than the fit, or when a refit is asked for.

A small warehouse whose orders a seeded generator makes (enough repeat buyers for both models
to fit); the fit itself is what tests/clv/test_cdnow.py validates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from clv import CLVConfig, ModelFit, predict_clv_in_warehouse
from clv.store import CUSTOMER_PREDICTIONS, MODEL_FITS, StoredFit

FIRST_DAY = date(2026, 1, 1)
PREDICTED = ["p_alive", "expected_purchases_12m", "expected_average_order_value"]


def _orders(days: int, seed: int = 14) -> pd.DataFrame:
    """Orders of 300 customers over `days` days: each buys at their own rate, for their own
    lifetime, at their own typical spend."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(300):
        first = int(rng.integers(0, 60))
        rate, lifetime, spend = rng.gamma(2, 0.02), rng.exponential(120), rng.gamma(4, 15)
        for day in range(first, min(days, first + int(lifetime) + 1)):
            if day == first or rng.random() < rate:
                rows.append((f"o{customer}-{day}", f"C{customer:04d}", day, spend, False))
    frame = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "day", "net_revenue", "is_cancelled"]
    )
    frame["ordered_on"] = [FIRST_DAY + timedelta(days=int(d)) for d in frame.pop("day")]
    return frame


def _warehouse_with_orders(orders: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    _replace_orders(con, orders)
    return con


def _replace_orders(con: duckdb.DuckDBPyConnection, orders: pd.DataFrame) -> None:
    con.register("new_orders", orders)
    con.execute("""create or replace table marts.fct_order as select order_id, customer_id,
        ordered_on, net_revenue::decimal(18, 2) as net_revenue, is_cancelled from new_orders""")
    con.unregister("new_orders")


def _predictions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"select * from {CUSTOMER_PREDICTIONS} order by customer_id").df()


def _fits(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute(
        f"select model, status, parameters, as_of_date, fitted_at from {MODEL_FITS}"
    ).fetchall()
    return {
        model: (status, json.loads(p or "{}"), as_of, at) for model, status, p, as_of, at in rows
    }


@pytest.fixture(scope="module")
def fitted_then_scored() -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """One warehouse, one fit, then a second run on the same orders that scores."""
    con = _warehouse_with_orders(_orders(days=120))
    first = predict_clv_in_warehouse(con, CLVConfig(refit_every_days=7))
    assert first.refitted and all(f.status == "fitted" for f in first.fit.fits), first.fit.fits
    fitted, fits_after_fit = _predictions(con), _fits(con)
    second = predict_clv_in_warehouse(con, CLVConfig(refit_every_days=7))
    assert not second.refitted
    return fitted, _predictions(con), fits_after_fit, _fits(con)


def test_scoring_with_the_stored_fit_reproduces_the_fit_predictions(
    fitted_then_scored: tuple[pd.DataFrame, pd.DataFrame, dict, dict],
) -> None:
    fitted, scored, fits_after_fit, fits_after_score = fitted_then_scored
    assert scored["customer_id"].tolist() == fitted["customer_id"].tolist()
    assert scored[[*PREDICTED, "predicted_clv_12m"]].notna().all().all()
    pd.testing.assert_frame_equal(scored, fitted, rtol=1e-9)
    # the fits table still describes the one fit the predictions used
    assert fits_after_score == fits_after_fit


def test_a_newer_day_is_scored_until_the_fit_is_due_then_refitted() -> None:
    con = _warehouse_with_orders(_orders(days=120))
    config = CLVConfig(refit_every_days=7)
    first = predict_clv_in_warehouse(con, config)
    fitted_at = _fits(con)["bg_nbd"][3]

    _replace_orders(con, _orders(days=123))  # three more days of orders
    scored = predict_clv_in_warehouse(con, config)
    assert not scored.refitted
    assert scored.as_of > first.as_of and scored.fitted_as_of == first.as_of
    assert _fits(con)["bg_nbd"][3] == fitted_at
    predictions = _predictions(con)
    assert (predictions["as_of_date"].dt.date == scored.as_of).all()
    assert predictions[PREDICTED].notna().all().all()

    _replace_orders(con, _orders(days=127))  # seven days after the fit's data: due
    refitted = predict_clv_in_warehouse(con, config)
    assert refitted.refitted and refitted.fitted_as_of == refitted.as_of
    assert _fits(con)["bg_nbd"][2] == refitted.as_of


def test_a_refit_asked_for_or_a_zero_day_schedule_always_fits() -> None:
    fitted = ModelFit("bg_nbd", "fitted", 300, parameters={"r": 1.0})
    stored = StoredFit(fitted, replace(fitted, model="gamma_gamma"), FIRST_DAY, None, 12, 0.01)
    next_day = FIRST_DAY + timedelta(days=1)
    assert stored.refit_due(next_day, CLVConfig(refit_every_days=7)) is None
    assert "0 days" in (stored.refit_due(FIRST_DAY, CLVConfig(refit_every_days=0)) or "")
    assert stored.refit_due(next_day, CLVConfig(horizon_months=6)) is not None
    skipped = replace(stored, gamma_gamma=ModelFit("gamma_gamma", "skipped", 3))
    assert skipped.refit_due(next_day, CLVConfig()) == "a model was not fitted last time"
    # a refit asked for ignores a stored fit that is not due
    con = _warehouse_with_orders(_orders(days=40))
    predict_clv_in_warehouse(con, CLVConfig(min_customers=10_000))  # stores two skipped fits
    con.execute(f"update {MODEL_FITS} set status = 'fitted'")  # as if both had been fitted
    result = predict_clv_in_warehouse(con, CLVConfig(min_customers=10_000), refit=True)
    assert result.refitted and result.fit.bg_nbd.status == "skipped"
