"""Scorecard: the customer-experience KPIs next to the operational KPIs that drive them."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.filters import sidebar_filters
from dashboards.lib.kpi_tiles import kpi_section
from dashboards.lib.kpis import compute_kpis
from dashboards.lib.notices import unavailable_metrics
from dashboards.lib.page import publication_caption
from dashboards.lib.published import open_published

EXPERIENCE = (
    "nps",
    "csat",
    "ces",
    "retention_rate",
    "repeat_purchase_rate",
    "average_predicted_clv_12m",
)
OPERATIONS = (
    "first_contact_resolution_rate",
    "average_handle_time",
    "average_hold_time",
    "transfers_per_issue",
    "handoffs_per_issue",
    "systems_per_issue",
    "repeat_contact_rate",
    "refund_cycle_time",
    "contact_rate",
)

st.title("Scorecard")
warehouse = open_published()
if warehouse is not None:
    filters = sidebar_filters(warehouse)
    st.caption(
        f"{filters.describe()} — changes compare with {filters.previous().start:%d %b} to "
        f"{filters.previous().end:%d %b %Y}."
    )
    kpis = compute_kpis(warehouse, EXPERIENCE + OPERATIONS, filters)
    st.subheader("Customer experience")
    kpi_section(kpis, EXPERIENCE, key="experience")
    st.subheader("Operations that drive it")
    kpi_section(kpis, OPERATIONS, key="operations")
    unavailable_metrics(warehouse, kpis.unavailable)
    publication_caption(warehouse)
