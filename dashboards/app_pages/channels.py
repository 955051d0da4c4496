"""Channel parity: web, iOS, Android and store side by side, month by month.

Values are `mart_channel_parity` rows as the mart computes them (per channel and month); the
page never pools months, which would re-derive the ratios.
"""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.lib.charts import show
from dashboards.lib.filters import sidebar_filters
from dashboards.lib.metric_display import display_for
from dashboards.lib.notices import require_columns, require_tables
from dashboards.lib.page import publication_caption
from dashboards.lib.published import open_published, table
from dashboards.lib.tables import table_with_download

MART = "mart_channel_parity"
# mart column -> what it is called on the page; each is also a semantic-layer metric name.
MEASURES = {
    "conversion_rate": "Conversion rate",
    "average_order_value": "Average order value",
    "contact_rate": "Contacts per 100 orders",
    "csat": "CSAT",
}
COUNTS = ("sessions", "orders", "net_revenue")

st.title("Channel parity")
warehouse = open_published()
if (
    warehouse is not None
    and require_tables(warehouse, "marts", MART)
    and require_columns(warehouse, "marts", MART, ("channel", "month", *MEASURES, *COUNTS))
):
    filters = sidebar_filters(warehouse)
    months = warehouse.sql(
        f"select channel, month, {', '.join(COUNTS)}, {', '.join(MEASURES)} "
        f"from {table('marts', MART)} "
        "where month between date_trunc('month', $start) and $end "
        "and (len($channels) = 0 or list_contains($channels, channel)) order by month, channel",
        {"start": filters.start, "end": filters.end, "channels": list(filters.channels)},
    )
    st.caption(
        f"Months overlapping {filters.describe()}. Store has no web sessions, so no conversion "
        "rate. Contacts and CSAT count toward the channel of the order they are about."
    )
    if months.empty:
        st.info("No channel activity in this period.")
    else:
        latest = months["month"].max()
        chosen = st.select_slider(
            "Month to compare",
            options=sorted(months["month"].unique()),
            value=latest,
            format_func=lambda m: f"{m:%b %Y}",
            key="parity_month",
        )
        one_month = months.loc[months["month"] == chosen]
        columns = st.columns(len(MEASURES))
        for column, (measure, label) in zip(columns, MEASURES.items(), strict=True):
            display = display_for(measure)
            shown = one_month.assign(value=[display.value(v) for v in one_month[measure]])
            with column:
                show(
                    px.bar(
                        shown,
                        x="channel",
                        y="value",
                        color="channel",
                        title=f"{label}, {chosen:%b %Y}",
                        labels={"channel": "Channel", "value": f"{label} ({display.unit})"},
                    ).update_layout(showlegend=False, height=320),
                    key=f"parity_{measure}",
                )
        st.subheader("Month by month")
        left, right = st.columns(2)
        for index, (measure, label) in enumerate(MEASURES.items()):
            display = display_for(measure)
            shown = months.assign(value=[display.value(v) for v in months[measure]])
            with left if index % 2 == 0 else right:
                show(
                    px.line(
                        shown,
                        x="month",
                        y="value",
                        color="channel",
                        markers=True,
                        title=f"{label} by month",
                        labels={
                            "month": "Month",
                            "value": f"{label} ({display.unit})",
                            "channel": "Channel",
                        },
                    ).update_layout(height=320),
                    key=f"parity_trend_{measure}",
                )
        table_with_download(
            months,
            "channel_parity",
            column_config={
                "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                "conversion_rate": st.column_config.NumberColumn(format="percent"),
                "csat": st.column_config.NumberColumn(format="percent"),
                "average_order_value": st.column_config.NumberColumn(format="dollar"),
                "net_revenue": st.column_config.NumberColumn(format="dollar"),
                "contact_rate": st.column_config.NumberColumn(format="%.1f"),
            },
        )
if warehouse is not None:
    publication_caption(warehouse)
