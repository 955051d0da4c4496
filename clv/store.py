"""Read orders from and write CLV predictions to the DuckDB build database.

Schema `clv`, replaced on every run:
- `customer_predictions`: one row per customer with a non-cancelled order (read by dbt's
  dim_customer through the source `clv.customer_predictions`);
- `model_fits`: one row per model (bg_nbd, gamma_gamma) with its status, the reason when it was
  not fitted, its parameters and fit metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version

import duckdb
import pandas as pd

from clv.model import CLVConfig, CLVFit, fit_clv
from clv.summary import rfm_summary

SCHEMA = "clv"
CUSTOMER_PREDICTIONS = f"{SCHEMA}.customer_predictions"
MODEL_FITS = f"{SCHEMA}.model_fits"
ORDERS = "marts.fct_order"

_PREDICTIONS_DDL = f"""
create table {CUSTOMER_PREDICTIONS} (
    customer_id varchar primary key,
    as_of_date date not null,
    frequency integer not null,
    recency_weeks double not null,
    tenure_weeks double not null,
    mean_repeat_order_value double,
    p_alive double,
    expected_purchases_12m double,
    expected_average_order_value double,
    predicted_clv_12m double
)"""
_FITS_DDL = f"""
create table {MODEL_FITS} (
    model varchar primary key,
    status varchar not null,
    reason varchar,
    note varchar,
    n_customers integer not null,
    parameters json,
    log_likelihood double,
    fit_seconds double,
    as_of_date date,
    time_unit varchar not null,
    horizon_months integer not null,
    monthly_discount_rate double not null,
    library_version varchar not null,
    fitted_at timestamp not null
)"""


@dataclass(frozen=True)
class WarehouseCLV:
    """What one run computed: the fit and the calibration end it used (None without orders)."""

    fit: CLVFit
    as_of: date | None


def read_orders(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, date | None]:
    """Non-cancelled orders of resolved customers, and the data's as-of date: the latest
    business-local order date of any order (the day the shop extract runs to)."""
    as_of = con.execute(f"select max(ordered_on) from {ORDERS}").fetchone()[0]
    orders = con.execute(f"""
        select customer_id, ordered_on, net_revenue::double as net_revenue
        from {ORDERS}
        where not is_cancelled and customer_id is not null
        order by customer_id, ordered_on""").df()
    return orders, as_of


def predict_clv_in_warehouse(
    con: duckdb.DuckDBPyConnection, config: CLVConfig | None = None
) -> WarehouseCLV:
    """Read the orders, fit, and replace schema `clv`'s tables."""
    config = config or CLVConfig()
    orders, as_of = read_orders(con)
    fit = fit_clv(rfm_summary(orders, as_of), config)
    write_clv(con, fit, as_of, config)
    return WarehouseCLV(fit=fit, as_of=as_of)


def write_clv(
    con: duckdb.DuckDBPyConnection, fit: CLVFit, as_of: date | None, config: CLVConfig
) -> None:
    predictions = fit.predictions.rename(
        columns={"recency": "recency_weeks", "T": "tenure_weeks"}
    ).assign(
        as_of_date=as_of,
        # pymc-marketing's summary reports 0 without a repeat purchase: no repeat, no mean
        mean_repeat_order_value=lambda df: df["monetary_value"].where(df["frequency"] > 0),
    )
    predictions_out = predictions.loc[
        :,
        [
            "customer_id",
            "as_of_date",
            "frequency",
            "recency_weeks",
            "tenure_weeks",
            "mean_repeat_order_value",
            "p_alive",
            "expected_purchases_12m",
            "expected_average_order_value",
            "predicted_clv_12m",
        ],
    ]
    fitted_at = datetime.now(UTC).replace(tzinfo=None)
    fits_out = pd.DataFrame(
        [
            {
                "model": f.model,
                "status": f.status,
                "reason": f.reason,
                "note": f.note,
                "n_customers": f.n_customers,
                "parameters": json.dumps(f.parameters) if f.parameters else None,
                "log_likelihood": f.log_likelihood,
                "fit_seconds": round(f.seconds, 3),
                "as_of_date": as_of,
                "time_unit": "week",
                "horizon_months": config.horizon_months,
                "monthly_discount_rate": config.monthly_discount_rate,
                "library_version": f"pymc-marketing {version('pymc-marketing')}",
                "fitted_at": fitted_at,
            }
            for f in fit.fits
        ]
    )
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute("begin transaction")
    try:
        for table, ddl, frame in (
            (CUSTOMER_PREDICTIONS, _PREDICTIONS_DDL, predictions_out),
            (MODEL_FITS, _FITS_DDL, fits_out),
        ):
            con.execute(f"drop table if exists {table}")
            con.execute(ddl)
            con.register("_clv_out", frame)
            con.execute(f"insert into {table} by name select * from _clv_out")
            con.unregister("_clv_out")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
