"""Channel parity: web, iOS, Android and store side by side, month by month.

Values are `mart_channel_parity` rows as the mart computes them (per channel and month); the
page never pools months, which would re-derive the ratios.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.lib.charts import facet_title, plot, show
from dashboards.lib.column_units import column_display
from dashboards.lib.filters import sidebar_filters
from dashboards.lib.notices import require_columns, require_tables
from dashboards.lib.page import publication_caption
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.samples import MIN_ANSWERS
from dashboards.lib.tables import table_with_download

MART = "mart_channel_parity"
# mart column -> what it is called on the page; a column named like a semantic-layer metric is
# that metric (contacts_per_100_orders is the mart's own: DECISIONLOG D024).
MEASURES = {
    "conversion_rate": "Conversion rate",
    "average_order_value": "Average order value",
    "contacts_per_100_orders": "Contacts per 100 orders",
    "csat": "CSAT",
}
COUNTS = ("sessions", "orders", "net_revenue", "csat_responses")
# measure -> the count it rests on; a value resting on fewer than MIN_ANSWERS is marked, never
# read as a finding (a channel with 10 orders and a CSAT of 100 % is not a better channel).
RESTS_ON = {
    "conversion_rate": "sessions",
    "average_order_value": "orders",
    "contacts_per_100_orders": "orders",
    "csat": "csat_responses",
}
SMALL, ENOUGH = f"under {MIN_ANSWERS} observations", f"{MIN_ANSWERS}+ observations"


def in_display_units(warehouse: PublishedWarehouse, months: pd.DataFrame) -> pd.DataFrame:
    """One row per channel, month and measure, the value in the measure's display unit
    (shares in %), the measure named with its unit for the chart's facet titles."""
    parts = []
    for measure, label in MEASURES.items():
        display = column_display(warehouse, MART, measure)
        parts.append(
            pd.DataFrame(
                {
                    "channel": months["channel"],
                    "month": months["month"],
                    "measure": display.title(label),  # the unit once
                    "value": [display.value(v) for v in months[measure]],
                    "sample": [
                        SMALL if (n or 0) < MIN_ANSWERS else ENOUGH
                        for n in months[RESTS_ON[measure]].fillna(0)
                    ],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def hollow_small_samples(trace: go.Scatter) -> None:
    """One unbroken line per channel; its small-sample points drawn hollow (a `symbol` column
    would split each channel into two lines that skip months)."""
    trace.marker.symbol = [
        "circle-open" if sample == SMALL else "circle" for sample in trace.customdata[:, 0]
    ]


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
        chosen = st.segmented_control(
            "Month to compare",
            sorted(months["month"].unique()),
            default=latest,
            format_func=lambda m: f"{m:%b %Y}",
            key="parity_month",
            required=True,
        )
        chosen = latest if chosen is None else chosen
        long = in_display_units(warehouse, months)
        show(
            plot(
                "bar",
                long.loc[long["month"] == chosen],
                x="channel",
                y="value",
                color="channel",
                pattern_shape="sample",
                pattern_shape_map={SMALL: "/", ENOUGH: ""},
                facet_col="measure",
                title=f"Channels side by side, {chosen:%B %Y} (hatched: small sample)",
                labels={"channel": "Channel", "value": "Value", "measure": "", "sample": ""},
            )
            .update_yaxes(matches=None, showticklabels=True)
            .for_each_annotation(facet_title)
            .update_layout(showlegend=False, height=360),
            key="parity_month_bars",
        )
        st.subheader("Month by month")
        show(
            plot(
                "line",
                long,
                x="month",
                y="value",
                color="channel",
                markers=True,
                custom_data=["sample"],
                facet_col="measure",
                facet_col_wrap=2,
                facet_row_spacing=0.12,
                title="Each measure by month and channel (hollow: small sample)",
                labels={
                    "month": "Month",
                    "value": "Value",
                    "channel": "Channel",
                    "measure": "",
                    "sample": "",
                },
            )
            .update_yaxes(matches=None, showticklabels=True)
            .for_each_annotation(facet_title)
            .for_each_trace(hollow_small_samples)
            .update_layout(height=620),
            key="parity_trends",
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
                "contacts_per_100_orders": st.column_config.NumberColumn(format="%.1f"),
            },
        )
if warehouse is not None:
    publication_caption(warehouse)
