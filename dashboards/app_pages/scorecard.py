"""Scorecard: the customer-experience KPIs next to the operational KPIs that drive them."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.filters import sidebar_filters
from dashboards.lib.kpi_catalogue import EXPERIENCE, OPERATIONS
from dashboards.lib.kpi_tiles import kpi_section
from dashboards.lib.kpis import compute_kpis
from dashboards.lib.notices import unavailable_metrics
from dashboards.lib.page import publication_caption
from dashboards.lib.published import open_published
from dashboards.lib.retention import retention_triangle

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
    with st.expander("Retention by first-order cohort", expanded=False):
        retention_triangle(warehouse)
    publication_caption(warehouse)
