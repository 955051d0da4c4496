"""The retention cohort triangle from `mart_retention_cohorts`, as the mart computes it."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.notices import require_columns, require_tables
from dashboards.lib.published import PublishedWarehouse, table

MART = "mart_retention_cohorts"
COLUMNS = (
    "cohort_month",
    "months_since_first_order",
    "cohort_size",
    "retention_rate",
    "is_complete_month",
)


def retention_triangle(warehouse: PublishedWarehouse) -> None:
    """Share of each first-order cohort ordering again k months later (complete months only)."""
    if not (
        require_tables(warehouse, "marts", MART)
        and require_columns(warehouse, "marts", MART, COLUMNS)
    ):
        return
    cohorts = warehouse.sql(
        f"select strftime(cohort_month, '%Y-%m') || ' (' || cohort_size || ')' as cohort, "
        f"months_since_first_order, retention_rate * 100 as retention_percent "
        f"from {table('marts', MART)} "
        "where months_since_first_order >= 1 and is_complete_month order by cohort_month"
    )
    if cohorts.empty:
        st.caption("No cohort has a complete month after its first order yet.")
        return
    grid = cohorts.pivot(
        index="cohort", columns="months_since_first_order", values="retention_percent"
    )
    figure = plot(
        "imshow",
        grid,
        text_auto=".0f",
        aspect="auto",
        color_continuous_scale="Blues",
        title="Retention by first-order cohort: % ordering again in month k",
        labels={"x": "Months since first order (k)", "y": "Cohort (customers)", "color": "%"},
    )
    show(figure, key="retention_triangle")
