"""Journeys: the paths customers really take, and each designed journey against them."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.charts import show, step_sankey
from dashboards.lib.conformance import CONFORMANCE, conformance_section
from dashboards.lib.filters import sidebar_filters
from dashboards.lib.journey_paths import MAX_STEPS, path_flows
from dashboards.lib.notices import require_tables
from dashboards.lib.page import publication_caption
from dashboards.lib.published import open_published
from dashboards.lib.tables import table_with_download

st.title("Journeys")
warehouse = open_published()
if warehouse is not None:
    filters = sidebar_filters(warehouse)
    st.subheader("Real paths across channels and systems")
    min_customers = st.slider(
        "Hide flows with fewer customers than",
        min_value=1,
        max_value=50,
        value=5,
        key="journey_min_customers",
    )
    flows = path_flows(warehouse, filters, min_customers)
    if flows.empty:
        st.info("No customer path in this period and channel selection.")
    else:
        show(
            step_sankey(
                flows,
                f"First {MAX_STEPS} steps of each customer's activity, {filters.describe()} "
                "(journey stage · channel)",
                "customers",
            ),
            key="paths",
        )
        with st.expander("Flows as a table"):
            table_with_download(flows, "journey_flows")
    st.subheader("Designed journeys against what customers did")
    if require_tables(warehouse, "marts", CONFORMANCE):
        conformance_section(warehouse)
    publication_caption(warehouse)
