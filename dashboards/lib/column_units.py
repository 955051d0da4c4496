"""Mart columns shown in a semantic-layer metric's unit, written once.

A mart column named like a metric is that metric (D024) and is shown as it. A few mart columns
have names of their own because their formula differs from the metric's (contacts per 100 orders
per channel-month, later repeat purchase per driver bucket, a launch week's units and revenue),
yet they are read in the same unit as one metric; this is the one place that says which.
"""

from __future__ import annotations

from dashboards.lib.metric_display import MetricDisplay
from dashboards.lib.published import PublishedWarehouse

# (mart, column) -> the metric whose display (scale, unit, format) the column shares.
SHOWN_AS: dict[tuple[str, str], str] = {
    ("mart_channel_parity", "contacts_per_100_orders"): "contact_rate",
    ("mart_product_launch_health", "contacts_per_100_orders"): "contact_rate",
    ("mart_product_launch_health", "units"): "units_sold",
    ("mart_product_launch_health", "revenue"): "net_revenue",
    ("mart_cx_ops_drivers", "later_repeat_purchase_rate"): "repeat_purchase_rate",
    ("dim_customer", "lifetime_net_revenue"): "net_revenue",
    ("dim_customer", "p_alive"): "average_p_alive",
}


def metric_shown_as(mart: str, column: str) -> str:
    """The metric whose unit `mart.column` is shown in (the column itself if it is a metric)."""
    return SHOWN_AS.get((mart, column), column)


def column_display(warehouse: PublishedWarehouse, mart: str, column: str) -> MetricDisplay:
    return warehouse.display(metric_shown_as(mart, column))
