"""Product launches: sales next to contact rate and CSAT, week by week since each launch.

Values are `mart_product_launch_health` rows (one per product and week since launch) as the mart
computes them; the page picks products and draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.column_units import column_display
from dashboards.lib.filters import data_period
from dashboards.lib.notices import require_columns, require_tables
from dashboards.lib.page import publication_caption
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.samples import MIN_ANSWERS
from dashboards.lib.tables import table_with_download

MART = "mart_product_launch_health"
# mart column -> chart title and axis title (its unit: dashboards/lib/column_units.py).
MEASURES = {
    "units": ("Units sold", "Units"),
    "revenue": ("Revenue", "Revenue ($)"),
    "contacts_per_100_orders": ("Service contacts per 100 orders", "Contacts per 100 orders"),
    "csat": ("CSAT", "CSAT (%)"),
}
COLUMNS = ("product_id", "title", "published_at", "weeks_since_launch", "orders", *MEASURES)
DEFAULT_PRODUCTS = 5


def launches(warehouse: PublishedWarehouse) -> pd.DataFrame:
    """Products by launch date, newest first, with their launch week count."""
    return warehouse.sql(
        f"select product_id, any_value(title) as title, any_value(published_at) as published_at, "
        f"max(weeks_since_launch) + 1 as weeks, sum(units) as units "
        f"from {table('marts', MART)} group by product_id "
        "order by published_at desc, product_id"
    )


st.title("Product launches")
warehouse = open_published()
if (
    warehouse is not None
    and require_tables(warehouse, "marts", MART)
    and require_columns(warehouse, "marts", MART, COLUMNS)
):
    products = launches(warehouse)
    names = {
        row.product_id: f"{row.title} (launched {row.published_at:%d %b %Y})"
        if pd.notna(row.published_at)
        else str(row.title)
        for row in products.itertuples()
    }
    first_order, _ = data_period(warehouse)
    launched_in_period = [
        row.product_id
        for row in products.itertuples()
        if pd.notna(row.published_at) and row.published_at.date() >= first_order
    ]
    chosen = st.multiselect(
        "Products",
        list(names),
        default=launched_in_period or list(names)[:DEFAULT_PRODUCTS],
        format_func=names.get,
        key="launch_products",
        help="Newest launches first; preselected: the products launched within the data.",
    )
    if not chosen:
        st.info("Pick at least one product.")
    else:
        rows = warehouse.sql(
            f"select title, weeks_since_launch, week_started_at, units, revenue, orders, "
            f"service_contacts, contacts_per_100_orders, csat_responses, csat "
            f"from {table('marts', MART)} "
            "where list_contains($products, product_id) order by title, weeks_since_launch",
            {"products": chosen},
        )
        left, right = st.columns(2)
        for index, (column, (title, axis)) in enumerate(MEASURES.items()):
            display = column_display(warehouse, MART, column)
            shown = rows.assign(value=[display.value(v) for v in rows[column]])
            # A week's CSAT from a handful of answers is marked: hollow points, named in the legend.
            marked = {}
            if column == "csat":
                shown["answers"] = [
                    f"under {MIN_ANSWERS} answers" if (n or 0) < MIN_ANSWERS else f"{MIN_ANSWERS}+"
                    for n in rows["csat_responses"].fillna(0)
                ]
                marked = {
                    "symbol": "answers",
                    "symbol_map": {
                        f"under {MIN_ANSWERS} answers": "circle-open",
                        f"{MIN_ANSWERS}+": "circle",
                    },
                }
            with left if index % 2 == 0 else right:
                show(
                    plot(
                        "line",
                        shown,
                        x="weeks_since_launch",
                        y="value",
                        color="title",
                        markers=True,
                        title=f"{title} by week since launch",
                        labels={
                            "weeks_since_launch": "Weeks since launch",
                            "value": axis,
                            "title": "Product",
                            "answers": "CSAT answers",
                        },
                        **marked,
                    ).update_layout(height=340),
                    key=f"launch_{column}",
                )
        table_with_download(
            rows,
            "product_launch_health",
            column_config={
                "revenue": st.column_config.NumberColumn(format="dollar"),
                "contacts_per_100_orders": st.column_config.NumberColumn(format="%.1f"),
                "csat": st.column_config.NumberColumn(format="percent"),
            },
        )
if warehouse is not None:
    publication_caption(warehouse)
