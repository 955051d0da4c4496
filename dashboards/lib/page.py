"""What every page shows about the data it read."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.published import PublishedWarehouse, current_publication
from warehouse.publication_record import PublishedWarehouseDamaged


def publication_label(warehouse: PublishedWarehouse) -> str:
    through = (
        f"data through {warehouse.data_through:%d %b %Y}" if warehouse.data_through else "no data"
    )
    return f"version {warehouse.version} · {through}"


def sidebar_publication() -> None:
    """Every page names the publication it shows; a new one appears on the next page load."""
    try:
        warehouse = current_publication()
    except PublishedWarehouseDamaged:
        return  # the page itself says so
    if warehouse is not None:
        st.sidebar.caption(
            f"Published warehouse {publication_label(warehouse)} · published "
            f"{warehouse.published_at:%Y-%m-%d %H:%M} UTC"
        )


def publication_caption(warehouse: PublishedWarehouse) -> None:
    st.caption(
        f"Published warehouse {publication_label(warehouse)} · published "
        f"{warehouse.published_at:%Y-%m-%d %H:%M} UTC. Every KPI is computed by the semantic "
        "layer's definition (dbt / MetricFlow)."
    )
