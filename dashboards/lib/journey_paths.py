"""Customers' real paths across channels and systems, as step-to-step flows for a Sankey."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.filters import Filters
from dashboards.lib.published import PublishedWarehouse, table

# Activities a customer did not do themselves (a system's echo or a mailing sent to everyone):
# they would drown the paths people actually took.
PASSIVE_ACTIVITIES = ("received_email", "created_crm_contact", "made_payment", "bounced_email")
MAX_STEPS = 5


def path_flows(warehouse: PublishedWarehouse, filters: Filters, min_customers: int) -> pd.DataFrame:
    """Customers moving from step k to step k+1 (journey stage · channel), the first five steps
    of each customer's activity in the period, repeats of the same place collapsed."""
    return warehouse.sql(
        f"""
        with steps as (
            select customer_id, occurred_at, touchpoint_id,
                   journey_stage || ' · ' || coalesce(channel, source_system) as place
            from {table("marts", "fct_touchpoint")}
            where customer_id is not null
              and occurred_on between $start and $end  -- the business-local date metrics use
              and not list_contains($passive, activity)
              and (len($channels) = 0 or list_contains($channels, channel))
        ), changes as (
            select *, place is distinct from lag(place) over w as is_new
            -- touchpoint_id breaks ties of one instant, so a page shows the same flows each time
            from steps window w as (partition by customer_id order by occurred_at, touchpoint_id)
        ), numbered as (
            select customer_id, place, row_number() over (
                partition by customer_id order by occurred_at, touchpoint_id) as step
            from changes where is_new
        ), links as (
            select a.step, a.place as source, b.place as target, count(*) as n
            from numbered a join numbered b
              on a.customer_id = b.customer_id and b.step = a.step + 1
            where a.step < $max_steps
            group by all
        )
        select * from links where n >= $min_customers order by step, n desc
        """,
        {
            "start": filters.start,
            "end": filters.end,
            "channels": list(filters.channels),
            "passive": list(PASSIVE_ACTIVITIES),
            "max_steps": MAX_STEPS,
            "min_customers": min_customers,
        },
    )
