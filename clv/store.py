"""Read orders from and write CLV predictions to the DuckDB build database.

Schema `clv`, replaced on every run:
- `customer_predictions`: one row per customer with a non-cancelled order (read by dbt's
  dim_customer through the source `clv.customer_predictions`), as of the data's as-of date;
- `model_fits`: one row per model (bg_nbd, gamma_gamma) with its status, the reason when it was
  not fitted, its parameters and fit metadata. Its `as_of_date` and `fitted_at` are those of the
  fit the predictions used: a run that scores with a stored fit (`CLVConfig.refit_every_days`)
  keeps them, so the table says how old the parameters are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version

import duckdb
import pandas as pd

from clv.model import CLVConfig, CLVFit, ModelFit, fit_clv, score_clv
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
    """What one run computed: the predictions, the data's as-of date (None without orders), and
    whether the models were fitted in this run or a stored fit scored the customers."""

    fit: CLVFit
    as_of: date | None
    refitted: bool = True
    fitted_as_of: date | None = None  # the as-of date of the data the parameters were fitted on


@dataclass(frozen=True)
class StoredFit:
    """The fits a previous run wrote to `clv.model_fits`."""

    bg_nbd: ModelFit
    gamma_gamma: ModelFit
    as_of: date | None
    fitted_at: datetime
    horizon_months: int
    monthly_discount_rate: float

    def refit_due(self, as_of: date | None, config: CLVConfig) -> str | None:
        """Why the models must be fitted again, or None when the stored fit may score."""
        if as_of is None or self.as_of is None:
            return "no as-of date to measure the fit's age by"
        if (self.horizon_months, self.monthly_discount_rate) != (
            config.horizon_months,
            config.monthly_discount_rate,
        ):
            return "the horizon or discount rate changed"
        if any(fit.status != "fitted" for fit in (self.bg_nbd, self.gamma_gamma)):
            return "a model was not fitted last time"
        age = (as_of - self.as_of).days
        if age >= config.refit_every_days or age < 0:
            return f"the fit is {age} days old (refit every {config.refit_every_days})"
        return None


def read_stored_fit(con: duckdb.DuckDBPyConnection) -> StoredFit | None:
    """The fits of the previous run, None when there are none (first run, or both missing)."""
    try:
        rows = con.execute(f"""
            select model, status, reason, note, n_customers, parameters, log_likelihood,
                fit_seconds, as_of_date, fitted_at, horizon_months, monthly_discount_rate
            from {MODEL_FITS}""").fetchall()
    except duckdb.CatalogException:
        return None
    fits = {
        row[0]: ModelFit(
            model=row[0],
            status=row[1],
            reason=row[2],
            note=row[3],
            n_customers=row[4],
            parameters=json.loads(row[5]) if row[5] else {},
            log_likelihood=row[6],
            seconds=row[7] or 0.0,
        )
        for row in rows
    }
    if set(fits) != {"bg_nbd", "gamma_gamma"}:
        return None
    first = rows[0]
    return StoredFit(
        bg_nbd=fits["bg_nbd"],
        gamma_gamma=fits["gamma_gamma"],
        as_of=first[8],
        fitted_at=first[9],
        horizon_months=first[10],
        monthly_discount_rate=first[11],
    )


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
    con: duckdb.DuckDBPyConnection, config: CLVConfig | None = None, refit: bool = False
) -> WarehouseCLV:
    """Read the orders, score every customer with the stored fit, or fit again when `refit`
    is asked for or the stored fit is due (`StoredFit.refit_due`); replace schema `clv`'s
    tables."""
    config = config or CLVConfig()
    orders, as_of = read_orders(con)
    summary = rfm_summary(orders, as_of)
    stored = None if refit else read_stored_fit(con)
    if stored is not None and stored.refit_due(as_of, config) is None:
        fit = score_clv(summary, stored.bg_nbd, stored.gamma_gamma, config)
        write_clv(con, fit, as_of, config, fitted_as_of=stored.as_of, fitted_at=stored.fitted_at)
        return WarehouseCLV(fit=fit, as_of=as_of, refitted=False, fitted_as_of=stored.as_of)
    fit = fit_clv(summary, config)
    write_clv(con, fit, as_of, config)
    return WarehouseCLV(fit=fit, as_of=as_of, refitted=True, fitted_as_of=as_of)


def write_clv(
    con: duckdb.DuckDBPyConnection,
    fit: CLVFit,
    as_of: date | None,
    config: CLVConfig,
    fitted_as_of: date | None = None,
    fitted_at: datetime | None = None,
) -> None:
    """Replace the predictions (as of `as_of`) and the fits (fitted on data as of
    `fitted_as_of`, at `fitted_at`: this run's data and now unless a stored fit scored)."""
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
    fitted_at = fitted_at or datetime.now(UTC).replace(tzinfo=None)
    fitted_as_of = fitted_as_of or as_of
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
                "as_of_date": fitted_as_of,
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
