"""Which semantic-layer metrics each KPI page shows, in order (names as in warehouse.md)."""

from __future__ import annotations

# Scorecard: what customers feel, then the operations that drive it.
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
# Service page.
SERVICE = (
    "first_contact_resolution_rate",
    "repeat_contact_rate",
    "handoffs_per_issue",
    "transfers_per_issue",
    "systems_per_issue",
    "refund_cycle_time",
    "first_reply_time",
    "resolution_time",
)
