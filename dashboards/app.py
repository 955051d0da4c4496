"""Touchpoint dashboards: one navigation over the published warehouse, scorecard to customer."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.filters import keep_filter_state
from dashboards.lib.page import sidebar_publication
from warehouse.publication_record import PublishedWarehouseDamaged

st.set_page_config(page_title="Touchpoint", page_icon=":material/hub:", layout="wide")
keep_filter_state()
navigation = st.navigation(
    {
        "Leadership": [
            st.Page("app_pages/scorecard.py", title="Scorecard", icon=":material/speed:"),
            st.Page(
                "app_pages/drivers.py",
                title="What moves the experience",
                icon=":material/insights:",
                url_path="drivers",
            ),
        ],
        "Commerce": [
            st.Page(
                "app_pages/launches.py",
                title="Product launches",
                icon=":material/rocket_launch:",
                url_path="launches",
            ),
            st.Page(
                "app_pages/channels.py",
                title="Channel parity",
                icon=":material/devices:",
                url_path="channels",
            ),
        ],
        "Customers": [
            st.Page(
                "app_pages/journeys.py",
                title="Journeys",
                icon=":material/route:",
                url_path="journeys",
            ),
            st.Page(
                "app_pages/customer_360.py",
                title="Customer 360",
                icon=":material/person_search:",
                url_path="customer-360",
            ),
        ],
        "Operations": [
            st.Page(
                "app_pages/service.py",
                title="Service",
                icon=":material/support_agent:",
                url_path="service",
            ),
            st.Page(
                "app_pages/data_health.py",
                title="Data health",
                icon=":material/health_and_safety:",
                url_path="data-health",
            ),
        ],
    }
)
sidebar_publication()
try:
    navigation.run()
except PublishedWarehouseDamaged as damage:  # found mid-page: a block failed its checksum
    st.error(str(damage), icon=":material/broken_image:")
