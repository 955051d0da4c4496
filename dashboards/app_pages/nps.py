"""Net Promoter Score over time, as the semantic layer defines it."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.lib.published import open_published

st.title("Net Promoter Score")
warehouse = open_published()
if warehouse is not None:
    overall = warehouse.metrics(("nps", "nps_responses"))
    monthly = warehouse.metrics(
        ("nps", "nps_responses"), ("metric_time__month",), order_by=("metric_time__month",)
    )
    by_trigger = warehouse.metrics(
        ("nps", "nps_responses"), ("survey_response__survey_trigger",), order_by=("-nps_responses",)
    )

    left, right = st.columns(2)
    left.metric("NPS (all time)", f"{overall['nps'].iloc[0]:.1f}")
    right.metric("Responses", f"{int(overall['nps_responses'].iloc[0]):,}")

    figure = px.line(
        monthly,
        x="metric_time__month",
        y="nps",
        markers=True,
        title="NPS by month",
        labels={"metric_time__month": "Month", "nps": "NPS (-100 to 100)"},
        hover_data={"nps_responses": True},
    )
    figure.update_yaxes(range=[-100, 100])
    figure.update_xaxes(dtick="M1", tickformat="%b %Y")
    st.plotly_chart(figure, width="stretch")

    st.subheader("By survey trigger")
    table = by_trigger.rename(
        columns={
            "survey_response__survey_trigger": "Survey trigger",
            "nps": "NPS",
            "nps_responses": "Responses",
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "NPS": st.column_config.NumberColumn(format="%.1f"),
            "Responses": st.column_config.NumberColumn(format="%d"),
        },
    )
    st.download_button(
        "Download CSV", table.to_csv(index=False), file_name="nps_by_trigger.csv", mime="text/csv"
    )
    st.caption(
        f"Published version {warehouse.version}, {warehouse.published_at:%Y-%m-%d %H:%M} UTC. "
        "NPS = 100 x (promoters 9-10 - detractors 0-6) / responses; finished, non-preview responses."
    )
