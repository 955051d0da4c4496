"""What every page shows about the data it read."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.published import PublishedWarehouse


def publication_caption(warehouse: PublishedWarehouse) -> None:
    st.caption(
        f"Published warehouse version {warehouse.version}, "
        f"{warehouse.published_at:%Y-%m-%d %H:%M} UTC. Every KPI is computed by the semantic "
        "layer's definition (dbt / MetricFlow)."
    )
