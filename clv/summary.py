"""Transactions -> the per-customer summary BG/NBD and Gamma-Gamma are fitted on.

Units (docs/clv.md): a transaction is a customer's purchases on one day (several orders on one
day merge into one, as Fader, Hardie & Lee do with CDNOW); frequency counts repeat transaction
days, recency and T are in weeks (days / 7), monetary_value is the mean value of the repeat
transaction days (the first purchase excluded, as the Gamma-Gamma model expects; 0 without a
repeat).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from clv.runtime import configure_pytensor

DAYS_PER_WEEK = 7.0
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")


def rfm_summary(
    transactions: pd.DataFrame,
    as_of: date | None,
    *,
    customer_col: str = "customer_id",
    date_col: str = "ordered_on",
    value_col: str = "net_revenue",
) -> pd.DataFrame:
    """One row per customer with a transaction on or before `as_of` (the calibration end);
    empty when there is no transaction (as_of None)."""
    in_window = transactions.iloc[0:0]
    if as_of is not None:
        in_window = transactions.loc[pd.to_datetime(transactions[date_col]) <= pd.Timestamp(as_of)]
    if in_window.empty:
        return pd.DataFrame({column: pd.Series(dtype="float64") for column in SUMMARY_COLUMNS})
    configure_pytensor()
    from pymc_marketing.clv.utils import rfm_summary as pymc_rfm_summary

    summary = pymc_rfm_summary(
        in_window.assign(**{date_col: pd.to_datetime(in_window[date_col])}),
        customer_id_col=customer_col,
        datetime_col=date_col,
        monetary_value_col=value_col,
        observation_period_end=pd.Timestamp(as_of),
        time_unit="D",
        time_scaler=DAYS_PER_WEEK,
    )
    return summary.loc[:, list(SUMMARY_COLUMNS)].reset_index(drop=True)
